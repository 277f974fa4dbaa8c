// The PostgreSQL extension in a real PostgreSQL 15: installed as `make pg` installs it
// (scripts/pg_install.sh), CREATE EXTENSION custintel, then the SteadyText customer-intelligence
// tutorial (../shared/compat/steadytext_customer_intelligence.sql) run unchanged through psql
// with the builtin backend, and the functions one by one.
#include <unistd.h>

#include <cstdlib>

#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/postgres.h"
#include "testing/testing.h"

namespace custintel::testing {
namespace {

using nlohmann::json;

const std::string kCompatScript = std::string(CUSTINTEL_SHARED_DIR) + "/compat/steadytext_customer_intelligence.sql";

// One server for the whole suite, the extension installed and created in `postgres`.
class PgExtension : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CommandResult install =
        RunShell(std::string(CUSTINTEL_SOURCE_DIR) + "/scripts/pg_install.sh " + CUSTINTEL_BUILD_DIR);
    if (install.exit_code != 0) {
      why_ = "scripts/pg_install.sh failed: " + install.err;
      return;
    }
    pg_ = PostgresServer::Start().release();
    if (!pg_) {
      why_ = PostgresServer::WhyUnavailable();
      return;
    }
    CommandResult created = pg_->Psql("CREATE EXTENSION custintel;");
    if (created.exit_code != 0) why_ = "CREATE EXTENSION custintel failed: " + created.out + created.err;
  }
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(why_.empty()) << why_;
    ASSERT_NE(pg_, nullptr);
  }

  // The single value `sql` returns; fails the test on an error.
  static std::string Value(const std::string& sql) {
    CommandResult r = pg_->Psql(sql);
    EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.out << r.err;
    std::string v = r.out;
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }
  // The error psql reports for `sql` (with SQLSTATE: VERBOSITY verbose), "" when it succeeds.
  static std::string Error(const std::string& sql) {
    CommandResult r = pg_->Psql("\\set VERBOSITY verbose\n" + sql);
    return r.exit_code == 0 ? "" : r.err;
  }

  static PostgresServer* pg_;
  static std::string why_;
};

PostgresServer* PgExtension::pg_ = nullptr;
std::string PgExtension::why_;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The statements of the tutorial that ask for open-ended writing (a retention strategy, a
// segment profile, behaviour insights, recommendations, an executive summary): with the
// builtin backend these, and only these, fail with the documented error.
const std::set<std::string> kOpenEnded = {
    "SELECT calculate_churn_risk();",
    "SELECT analyze_customer_segments();",
    "SELECT * FROM customer_sentiment_dashboard;",
    "SELECT * FROM generate_customer_recommendations(1);",
    "SELECT * FROM calculate_churn_risk();",
    "SELECT * FROM executive_customer_summary;",
};

TEST_F(PgExtension, SteadyTextTutorialRunsUnchangedWithTheBuiltinBackend) {
  CommandResult run = pg_->PsqlFile(kCompatScript, "-v ON_ERROR_STOP=0 -v VERBOSITY=verbose");
  const std::vector<std::string> script = Lines(ReadFile(kCompatScript));
  // psql names each failing statement by the script line it ends on.
  std::regex error_line(R"(^psql:[^:]+:(\d+): ERROR:  (\w{5}): (.*)$)");
  std::multiset<std::string> failed;
  for (const std::string& line : Lines(run.err)) {
    std::smatch m;
    if (!std::regex_match(line, m, error_line)) continue;
    size_t at = std::stoul(m[1].str());
    ASSERT_LE(at, script.size());
    const std::string statement = script[at - 1];
    EXPECT_TRUE(kOpenEnded.count(statement)) << "unexpected failure at line " << at << ": " << statement << "\n" << line;
    EXPECT_EQ(m[2].str(), "0A000") << line;  // feature_not_supported
    EXPECT_NE(m[3].str().find("steadytext_generate: free-form generation needs a model"), std::string::npos) << line;
    failed.insert(statement);
  }
  for (const std::string& s : kOpenEnded) EXPECT_EQ(failed.count(s), 1u) << s << "\n" << run.err;
  EXPECT_NE(run.err.find("HINT:  A superuser sets a model"), std::string::npos) << run.err;

  // The review trigger: sentiment chosen from the text engine's reading, one-sentence summaries
  // taken from the review, the themes it names.
  json reviews = json::parse(Value(
      "SELECT json_agg(json_build_object('sentiment', sentiment, 'summary', ai_summary, 'themes', key_themes, "
      "'text', review_text) ORDER BY id) FROM product_reviews"));
  ASSERT_EQ(reviews.size(), 3u);
  EXPECT_EQ(reviews[0]["sentiment"], "very_positive") << reviews[0];
  // 3/5 and a mixed text: two complaints, "works as advertised", "okay for the price".
  EXPECT_TRUE(reviews[1]["sentiment"] == "neutral" || reviews[1]["sentiment"] == "negative") << reviews[1];
  EXPECT_TRUE(reviews[2]["sentiment"] == "very_negative" || reviews[2]["sentiment"] == "negative") << reviews[2];
  for (const auto& r : reviews) {
    std::string summary = r["summary"];
    ASSERT_GE(summary.size(), 10u) << r;
    EXPECT_NE(r["text"].get<std::string>().find(summary.substr(0, 10)), std::string::npos) << r;  // extractive
    EXPECT_EQ(r["themes"].size(), 3u) << r;  // "List 3 key themes", split on ', '
  }
  auto has_theme = [](const json& r, const std::string& t) {
    for (const auto& x : r["themes"]) if (x == t) return true;
    return false;
  };
  EXPECT_TRUE(has_theme(reviews[0], "customer service")) << reviews[0];
  EXPECT_TRUE(has_theme(reviews[1], "shipping & delivery")) << reviews[1];
  EXPECT_TRUE(has_theme(reviews[1], "packaging")) << reviews[1];
  EXPECT_TRUE(has_theme(reviews[2], "returns & warranty")) << reviews[2];
  // The trigger's interaction rows carry the scores of those labels.
  auto score = [](const json& label) -> std::string {
    if (label == "very_positive") return "1.00";
    if (label == "positive") return "0.50";
    if (label == "neutral") return "0.00";
    return label == "negative" ? "-0.50" : "-1.00";
  };
  EXPECT_EQ(Value("SELECT string_agg(sentiment_score::text, ',' ORDER BY id) FROM customer_interactions "
                  "WHERE interaction_type = 'review'"),
            score(reviews[0]["sentiment"]) + "," + score(reviews[1]["sentiment"]) + "," +
                score(reviews[2]["sentiment"]));

  // analyze_support_ticket: schema-valid JSON cast to jsonb, urgency and tags from the ticket text.
  json tickets = json::parse(Value("SELECT json_agg(json_build_object('n', ticket_number, 'priority', priority, "
                                   "'a', ai_analysis) ORDER BY id) FROM support_tickets"));
  ASSERT_EQ(tickets.size(), 2u);
  for (const auto& t : tickets) {
    const json& a = t["a"];
    ASSERT_TRUE(a.is_object()) << t;
    for (const char* k : {"urgency", "sentiment", "root_cause", "suggested_resolution", "follow_up_needed", "tags"}) {
      EXPECT_TRUE(a.contains(k)) << k << " missing in " << t;
    }
    EXPECT_EQ(t["priority"], a["urgency"]) << t;
    std::set<std::string> urgencies = {"low", "medium", "high", "critical"};
    std::set<std::string> moods = {"angry", "frustrated", "neutral", "satisfied", "happy"};
    EXPECT_TRUE(urgencies.count(a["urgency"])) << t;
    EXPECT_TRUE(moods.count(a["sentiment"])) << t;
    EXPECT_TRUE(a["follow_up_needed"].is_boolean()) << t;
  }
  // A parcel that never came is more pressing than low; a dead product too.
  EXPECT_NE(tickets[0]["a"]["urgency"], "low") << tickets[0];
  EXPECT_NE(tickets[1]["a"]["urgency"], "low") << tickets[1];
  EXPECT_NE(tickets[0]["a"]["tags"].dump().find("shipping"), std::string::npos) << tickets[0];
  EXPECT_EQ(tickets[0]["a"]["root_cause"], "shipping") << tickets[0];
  EXPECT_NE(tickets[1]["a"]["root_cause"], "shipping") << tickets[1];
  EXPECT_EQ(Value("SELECT count(*) FROM customer_interactions WHERE interaction_type = 'support'"), "2");
}

TEST_F(PgExtension, BuiltinAnswersFollowTheTaskNotTheWording) {
  const std::string text =
      "'Arrived two weeks late and the box was crushed. Support never answered my emails. Really annoyed.'";
  // Other wordings of the tutorial's three review tasks.
  EXPECT_EQ(Value("SELECT steadytext_generate_choice('How does the writer of this feedback feel? ' || " + text +
                  ", ARRAY['positive', 'neutral', 'negative'])"),
            "negative");
  EXPECT_EQ(Value("SELECT st_generate_choice('Rate this review from 1 to 5 stars: ' || " + text +
                  ", ARRAY['1', '2', '3', '4', '5']) IN ('1', '2')"),
            "t");
  std::string summary = Value("SELECT steadytext_generate('Give me a one-sentence summary of this feedback:\n' || " +
                              text + ", max_tokens := 40)");
  EXPECT_NE(text.find(summary.substr(0, 12)), std::string::npos) << summary;
  std::string topics = Value("SELECT ai_generate('Name two topics of this comment: ' || " + text + ")");
  EXPECT_NE(topics.find("shipping & delivery"), std::string::npos) << topics;
  EXPECT_EQ(std::count(topics.begin(), topics.end(), ','), 1) << topics;
  // Open-ended writing in any wording gets the documented error.
  std::string err = Error("SELECT steadytext_generate('Write a friendly win-back email for Jane')");
  EXPECT_NE(err.find("ERROR:  0A000: steadytext_generate: free-form generation needs a model"), std::string::npos)
      << err;
  EXPECT_NE(err.find("custintel.backend"), std::string::npos) << err;
}

TEST_F(PgExtension, JsonAcceptsEverySchemaSpellingAndCastsToJsonb) {
  const std::string schema =
      R"({"urgency": {"type": "string", "enum": ["low", "medium", "high", "critical"]}, "tags": {"type": "array", "items": {"type": "string"}}})";
  const std::string prompt = "'Ticket: I was charged twice this month and nobody answers. Refund me now!'";
  std::string as_json = Value("SELECT steadytext_generate_json(" + prompt + ", '" + schema + "'::json)::jsonb");
  std::string as_jsonb = Value("SELECT steadytext_generate_json(" + prompt + ", '" + schema + "'::jsonb)::jsonb");
  std::string as_text = Value("SELECT steadytext_generate_json(" + prompt + ", '" + schema + "'::text)::jsonb");
  std::string untyped = Value("SELECT st_generate_json(" + prompt + ", '" + schema + "')::jsonb");
  EXPECT_EQ(as_json, as_jsonb);
  EXPECT_EQ(as_json, as_text);
  EXPECT_EQ(as_json, untyped);
  json j = json::parse(as_json);
  EXPECT_TRUE(j["urgency"] == "high" || j["urgency"] == "critical") << j;
  EXPECT_NE(j["tags"].dump().find("billing"), std::string::npos) << j;
  EXPECT_EQ(Value("SELECT jsonb_typeof(ai_json(" + prompt + ", '" + schema + "'::jsonb))"), "object");
  // A schema the engine cannot fill is an error naming the property, never a placeholder.
  std::string err = Error("SELECT ai_json('hello', '{\"customer_name\": {\"type\": \"string\"}}')");
  EXPECT_NE(err.find("customer_name"), std::string::npos) << err;
  EXPECT_NE(err.find("ERROR:  22023"), std::string::npos) << err;
}

TEST_F(PgExtension, NullInNullOutAndBadArgumentsAreSqlErrors) {
  EXPECT_EQ(Value("SELECT steadytext_generate(NULL) IS NULL AND steadytext_generate_choice(NULL, ARRAY['a']) IS NULL "
                  "AND steadytext_generate_choice('x', NULL) IS NULL AND steadytext_generate_json(NULL, '{}') IS NULL "
                  "AND steadytext_embed(NULL) IS NULL AND ai_sentiment(NULL) IS NULL AND ai_summarize(NULL) IS NULL "
                  "AND ai_themes(NULL) IS NULL AND ai_mask(NULL) IS NULL AND ai_triage(NULL) IS NULL "
                  "AND ai_json(NULL, '{}'::jsonb) IS NULL"),
            "t");
  EXPECT_NE(Error("SELECT steadytext_generate_choice('x', ARRAY[]::text[])").find("ERROR:  22023"), std::string::npos);
  EXPECT_NE(Error("SELECT steadytext_generate_choice('x', ARRAY['a', NULL])").find("ERROR:  22004"),
            std::string::npos);
  EXPECT_NE(Error("SELECT steadytext_generate('Summarize: hi there', max_tokens := 0)").find("ERROR:  22023"),
            std::string::npos);
  EXPECT_NE(Error("SELECT steadytext_generate('Summarize: hi', model := 'openai:gpt-4o')").find("ERROR:  0A000"),
            std::string::npos);
  // The backend stays usable after an error in the same session.
  EXPECT_EQ(Value("DO $$ BEGIN PERFORM steadytext_generate('write a poem'); EXCEPTION WHEN feature_not_supported "
                  "THEN NULL; END $$; SELECT ai_sentiment('I love it') > 0.3"),
            "t");
}

TEST_F(PgExtension, EmbeddingsRerankMaskAndTriage) {
  EXPECT_EQ(Value("SELECT array_length(steadytext_embed('late delivery'), 1)"), "512");
  EXPECT_EQ(Value("SELECT abs(1 - (SELECT sum(x * x) FROM unnest(ai_embed('late delivery')) x)) < 1e-4"), "t");
  EXPECT_EQ(Value("SELECT document FROM steadytext_rerank('late delivery', ARRAY['great taste', 'delivery was "
                  "late again', 'nice colour']) LIMIT 1"),
            "delivery was late again");
  EXPECT_EQ(Value("SELECT count(*) FROM st_rerank('x', ARRAY['a', 'b'], return_scores := false) WHERE score IS NULL"),
            "2");
  std::string masked = Value("SELECT ai_mask('Mail me at jane.doe@example.com or call +1 415 555 0100')");
  EXPECT_EQ(masked.find("jane.doe@example.com"), std::string::npos) << masked;
  EXPECT_EQ(Value("SELECT ai_triage('I was charged twice, refund me NOW')->>'root_cause'"), "billing");
  EXPECT_EQ(Value("SELECT ai_themes('The shipping was slow but support was kind') @> ARRAY['shipping']"), "t");
  // IMMUTABLE: usable in a generated column.
  EXPECT_EQ(Value("CREATE TEMP TABLE t (body text, masked text GENERATED ALWAYS AS (ai_mask(body)) STORED); "
                  "INSERT INTO t VALUES ('write to bob@example.com'); SELECT masked LIKE '%bob@example.com%' FROM t"),
            "f");
}

TEST_F(PgExtension, CacheIsSharedAcrossSessionsKeyedByEveryInputAndBypassable) {
  const std::string call = "steadytext_generate_choice('Is this review positive? Loved it', ARRAY['yes', 'no']";
  Value("TRUNCATE custintel_ai_cache");
  // Session 1 computes and stores; session 2 finds it (psql runs each Value in its own session).
  EXPECT_EQ(Value("SET custintel.cache_builtin = on; SELECT " + call + ")"), "yes");
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_ai_cache"), "1");
  EXPECT_EQ(Value("SET custintel.cache_builtin = on; SELECT " + call + ")"), "yes");
  EXPECT_EQ(Value("SELECT hits FROM custintel_ai_cache"), "1");
  // Another seed is another key; use_cache := false neither reads nor writes.
  Value("SET custintel.cache_builtin = on; SELECT " + call + ", seed := 7)");
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_ai_cache"), "2");
  Value("SET custintel.cache_builtin = on; SELECT " + call + ", use_cache := false, seed := 8)");
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_ai_cache"), "2");
  // max_tokens is part of the key too.
  Value("SET custintel.cache_builtin = on; SELECT " + call + ", max_tokens := 5)");
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_ai_cache"), "3");
  // A planted answer is refused: only the extension's functions write the table.
  Value("CREATE ROLE analyst LOGIN");
  EXPECT_NE(Error("SET ROLE analyst; INSERT INTO custintel_ai_cache (key, op, output) VALUES ('k', 'choose', 'no')")
                .find("permission denied"),
            std::string::npos);
  EXPECT_EQ(Value("SET ROLE analyst; SET custintel.cache_builtin = on; SELECT " + call + ")"), "yes");
  // Superuser-only settings (once the module is loaded; a value set before is dropped at load).
  EXPECT_NE(Error("SET ROLE analyst; SELECT ai_mask('x'); SET custintel.base_url = 'http://evil'").find("42501"),
            std::string::npos);
  EXPECT_NE(Error("SET ROLE analyst; SET custintel.model = '/tmp/evil.gguf'; SET custintel.backend = 'llama'; "
                  "SELECT steadytext_generate('write a poem')")
                .find("needs a GGUF model"),
            std::string::npos);
}

TEST_F(PgExtension, QueueRetriesWithBackoffThenParksFailures) {
  Value("TRUNCATE custintel_queue, custintel_results, custintel_failed");
  std::string ok_id = Value("SELECT custintel_enqueue('choose', 'Classify sentiment of this review: Broke in a day, "
                            "awful.', ARRAY['positive', 'neutral', 'negative'])");
  std::string bad_id = Value("SELECT custintel_enqueue('generate', 'Write a retention offer for Bob')");
  Value("SELECT custintel_enqueue('themes', 'Shipping was slow and the box was crushed')");
  EXPECT_EQ(Value("SELECT custintel_work(10, 2)"), "3");
  EXPECT_EQ(Value("SELECT status || ':' || result FROM custintel_job(" + ok_id + ")"), "done:negative");
  EXPECT_EQ(Value("SELECT result::jsonb ? 'shipping' FROM custintel_results WHERE op = 'themes'"), "t");
  // The failure waits its backoff (1 s after the first try), then fails again and is parked.
  EXPECT_EQ(Value("SELECT status || ':' || attempts FROM custintel_job(" + bad_id + ")"), "queued:1");
  EXPECT_EQ(Value("SELECT run_after > now() + interval '0.5 second' FROM custintel_queue"), "t");
  EXPECT_EQ(Value("SELECT custintel_work(10, 2)"), "0");  // not due yet
  Value("SELECT pg_sleep(1.2)");
  EXPECT_EQ(Value("SELECT custintel_work(10, 2)"), "1");
  std::string parked = Value("SELECT status || ':' || attempts || ':' || error FROM custintel_job(" + bad_id + ")");
  EXPECT_NE(parked.find("failed:2:free-form generation needs a model"), std::string::npos) << parked;
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_queue"), "0");
  // Bad items are refused at the door.
  EXPECT_NE(Error("SELECT custintel_enqueue('poem', 'x')").find("23514"), std::string::npos);
  EXPECT_NE(Error("SELECT custintel_enqueue('choose', 'x')").find("23514"), std::string::npos);
}

TEST_F(PgExtension, AnalyzeOnInsertFillsTheTextEngineResultsAtOnce) {
  Value("CREATE TABLE fb (id serial PRIMARY KEY, body text, mood numeric(3, 2), gist text, topics text[])");
  Value("SELECT custintel_analyze_on_insert('fb', 'body', sentiment_column := 'mood', summary_column := 'gist', "
        "themes_column := 'topics')");
  Value("INSERT INTO fb (body) VALUES ('Terrible support, and the parcel arrived broken.'), (NULL)");
  EXPECT_EQ(Value("SELECT mood < -0.3, gist LIKE 'Terrible support%', topics @> ARRAY['service', 'shipping'] FROM fb "
                  "WHERE id = 1"),
            "t|t|t");
  EXPECT_EQ(Value("SELECT mood IS NULL AND gist IS NULL FROM fb WHERE id = 2"), "t");
  // Builtin backend: nothing for a model to do later.
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_queue WHERE target_table = 'fb'::regclass"), "0");
  EXPECT_NE(Error("SELECT custintel_analyze_on_insert('fb', 'nope')").find("42703"), std::string::npos);
  // A result is written back with the enqueuing role's privileges: a role that may not update
  // the column gets its item parked with the refusal, not the write.
  Value("TRUNCATE custintel_queue, custintel_results, custintel_failed; CREATE ROLE reader LOGIN; "
        "GRANT SELECT, INSERT ON fb TO reader");
  Value("SET ROLE reader; INSERT INTO custintel_queue (op, input, target_table, target_key, target_column) "
        "VALUES ('sentiment', 'I love it', 'fb', '1', 'mood')");
  EXPECT_EQ(Value("SELECT custintel_work(10, 1)"), "1");
  EXPECT_EQ(Value("SELECT mood < 0 FROM fb WHERE id = 1"), "t");  // unchanged
  std::string error = Value("SELECT error FROM custintel_failed");
  EXPECT_NE(error.find("permission denied"), std::string::npos) << error;
  // enqueued_by cannot be forged.
  EXPECT_NE(Error("SET ROLE reader; INSERT INTO custintel_queue (op, input, enqueued_by) VALUES ('sentiment', 'x', "
                  "'custintel')")
                .find("permission denied"),
            std::string::npos);
}

// Two `custintel pg-worker` processes over 10,000 items, one killed with SIGKILL while working:
// every item done exactly once, none lost; poison items retried, then parked.
TEST_F(PgExtension, TwoWorkersAndAKill9DoEveryItemExactlyOnce) {
  const char* bin_env = std::getenv("CUSTINTEL_BIN");
  const std::string bin = bin_env ? bin_env : std::string(CUSTINTEL_BUILD_DIR) + "/custintel";
  Value("TRUNCATE custintel_queue, custintel_results, custintel_failed");
  Value("SELECT count(custintel_enqueue(CASE i % 3 WHEN 0 THEN 'choose' WHEN 1 THEN 'sentiment' ELSE 'summarize' END, "
        "'Review ' || i || ': ' || CASE WHEN i % 2 = 0 THEN 'Great blender, crushes ice in seconds. Love it.' "
        "ELSE 'Arrived late and the lid cracked on day two. Support never replied.' END, "
        "CASE WHEN i % 3 = 0 THEN ARRAY['positive', 'neutral', 'negative'] END)) "
        "FROM generate_series(1, 10000) i");
  Value("SELECT count(custintel_enqueue('generate', 'Write a win-back email number ' || i)) FROM generate_series(1, 5) i");
  ASSERT_EQ(Value("SELECT count(*) FROM custintel_queue"), "10005");
  auto start = [&](const std::string& log) {
    CommandResult r = RunShell(bin + " pg-worker --dsn '" + pg_->url() + "' --batch 64 --idle-ms 100 > " + log +
                               " 2>&1 & echo $!");
    return r.out.substr(0, r.out.find('\n'));
  };
  TempDir logs;
  std::string victim = start(logs.File("w1.log"));
  std::string survivor = start(logs.File("w2.log"));
  // Kill the first once both are working.
  for (int i = 0; i < 200 && std::stoi(Value("SELECT count(*) FROM custintel_results")) < 1000; ++i) usleep(20000);
  ASSERT_EQ(RunShell("kill -9 " + victim).exit_code, 0);
  std::string left;
  for (int i = 0; i < 1200; ++i) {  // up to 2 minutes
    left = Value("SELECT count(*) FROM custintel_queue");
    if (left == "0") break;
    usleep(100000);
  }
  RunShell("kill -TERM " + survivor);
  ASSERT_EQ(left, "0") << ReadFile(logs.File("w2.log"));
  EXPECT_EQ(Value("SELECT count(*) || '/' || count(DISTINCT id) FROM custintel_results"), "10000/10000");
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_failed WHERE attempts = 3 AND error LIKE '%needs a model%'"), "5");
  // Each result is the one its input asks for.
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_results WHERE op = 'choose' AND result NOT IN ('positive', "
                  "'negative', 'neutral')"),
            "0");
  EXPECT_EQ(Value("SELECT count(*) FROM custintel_results WHERE op = 'sentiment' AND result::float8 NOT BETWEEN -1 "
                  "AND 1"),
            "0");
}

// pg_steadytext's async API over the queue: each request's lifecycle pending -> completed /
// failed / cancelled, its result readable once a worker step has committed.
TEST_F(PgExtension, SteadyTextAsyncRequestsGoThroughTheQueue) {
  Value("TRUNCATE custintel_queue, custintel_results, custintel_failed, custintel_cancelled");
  const std::string gen = Value("SELECT steadytext_generate_async('Summarize this review: The blender is loud but it "
                                "crushes ice in seconds. Shipping took two weeks.', 64)");
  const std::string emb = Value("SELECT steadytext_embed_async('fast delivery, great price')");
  const std::string js = Value(
      "SELECT steadytext_generate_json_async('Ticket: my order never arrived and I want a refund now', "
      "'{\"type\": \"object\", \"properties\": {\"urgency\": {\"type\": \"string\", \"enum\": [\"low\", \"medium\", "
      "\"high\", \"critical\"]}, \"follow_up_needed\": {\"type\": \"boolean\"}}, \"required\": [\"urgency\", "
      "\"follow_up_needed\"]}'::jsonb)");
  const std::string choice = Value("SELECT steadytext_generate_choice_async('Classify sentiment of this review: Broke "
                                   "in a day, awful.', ARRAY['positive', 'neutral', 'negative'])");
  const std::string open_ended = Value("SELECT st_generate_async('Write a retention offer for Bob')");
  const std::string cancelled = Value("SELECT steadytext_generate_async('Summarize this review: fine.')");
  EXPECT_EQ(Value("SELECT cardinality(steadytext_generate_batch_async(ARRAY['Summarize this review: good.', "
                  "'TL;DR: the lid broke after a week.']))"),
            "2");
  EXPECT_EQ(Value("SELECT status || ':' || request_type FROM steadytext_check_async('" + gen + "')"),
            "pending:generate");
  EXPECT_EQ(Value("SELECT request_type FROM st_check_async('" + js + "')"), "generate_json");
  EXPECT_EQ(Value("SELECT steadytext_cancel_async('" + cancelled + "')"), "t");
  EXPECT_EQ(Value("SELECT steadytext_cancel_async('" + cancelled + "')"), "f");  // already cancelled
  EXPECT_EQ(Value("SELECT custintel_work(20, 1)"), "7");
  std::string summary = Value("SELECT status || ':' || result FROM steadytext_check_async('" + gen + "')");
  EXPECT_EQ(summary.rfind("completed:", 0), 0u) << summary;
  EXPECT_GT(summary.size(), std::string("completed:").size() + 10) << summary;
  EXPECT_EQ("completed:" + Value("SELECT steadytext_get_async_result('" + gen + "')"), summary);
  EXPECT_EQ(Value("SELECT completed_at >= created_at AND processing_time_ms >= 0 FROM steadytext_check_async('" +
                  gen + "')"),
            "t");
  EXPECT_EQ(Value("SELECT cardinality(embedding) > 0 AND abs(1 - sqrt((SELECT sum(x * x) FROM unnest(embedding) x))) "
                  "< 1e-3 FROM steadytext_check_async('" + emb + "')"),
            "t");
  EXPECT_EQ(Value("SELECT (steadytext_get_async_result('" + js + "')::jsonb ->> 'urgency') IN ('low', 'medium', "
                  "'high', 'critical')"),
            "t");
  EXPECT_EQ(Value("SELECT st_get_async_result('" + choice + "')"), "negative");
  // Open-ended writing has no model here: failed, with the reason; get raises it.
  std::string failed = Value("SELECT status || ':' || error FROM steadytext_check_async('" + open_ended + "')");
  EXPECT_NE(failed.find("failed:free-form generation needs a model"), std::string::npos) << failed;
  EXPECT_NE(Error("SELECT steadytext_get_async_result('" + open_ended + "')").find("38000"), std::string::npos);
  EXPECT_EQ(Value("SELECT status FROM steadytext_check_async('" + cancelled + "')"), "cancelled");
  EXPECT_NE(Error("SELECT steadytext_get_async_result('" + cancelled + "')").find("57014"), std::string::npos);
  EXPECT_EQ(Value("SELECT string_agg(status, ',') FROM steadytext_check_async_batch(ARRAY['" + cancelled + "', '" +
                  gen + "']::uuid[])"),
            "cancelled,completed");
  EXPECT_EQ(Value("SELECT steadytext_cancel_async('" + gen + "')"), "f");  // done: nothing to cancel
  EXPECT_NE(Error("SELECT steadytext_get_async_result(gen_random_uuid())").find("P0002"), std::string::npos);
  // Still pending after the timeout: an error saying so.
  const std::string waiting = Value("SELECT steadytext_embed_async('later')");
  EXPECT_NE(Error("SELECT steadytext_get_async_result('" + waiting + "', 0)").find("55P03"), std::string::npos);
  // NULL in, NULL out; per-call models refused as by the synchronous functions.
  EXPECT_EQ(Value("SELECT steadytext_generate_async(NULL) IS NULL AND steadytext_embed_batch_async(NULL) IS NULL"), "t");
  EXPECT_NE(Error("SELECT steadytext_embed_async('x', model := 'openai:gpt-4o')").find("0A000"), std::string::npos);
  // Any role may enqueue and cancel its own requests; the handles of others stay unreadable.
  Value("CREATE ROLE async_user");
  EXPECT_EQ(Value("SET ROLE async_user; SELECT steadytext_cancel_async(steadytext_embed_async('mine'))"), "t");
  EXPECT_NE(Error("SET ROLE async_user; SELECT request_id FROM custintel_queue").find("42501"), std::string::npos);
  EXPECT_EQ(Value("SELECT custintel_work(10)"), "1");
  EXPECT_EQ(Value("SELECT status FROM steadytext_check_async('" + waiting + "')"), "completed");
}

TEST_F(PgExtension, InstallsInAnyDatabaseAndSchemaAndDropsClean) {
  Value("CREATE DATABASE other");
  TempDir dir;
  std::string file = dir.File("schema_test.sql");
  WriteFile(file,
            "CREATE SCHEMA ci; CREATE EXTENSION custintel SCHEMA ci; SET custintel.cache_builtin = on;\n"
            "SELECT ci.steadytext_generate_choice('Is this review positive? Loved it', ARRAY['yes', 'no']);\n"
            "SELECT count(*) FROM ci.custintel_ai_cache;\n"
            "SELECT ci.custintel_enqueue('sentiment', 'great'); SELECT ci.custintel_work();\n"
            "SELECT count(*) FROM ci.custintel_results;\n"
            "SELECT count(*) FROM pg_proc WHERE proname IN ('enqueue', 'job', 'work');\n"
            "DROP EXTENSION custintel;\n"
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'ci'::regnamespace;\n"
            // Installed into schema custintel: the issue's spelling custintel.enqueue / job / work.
            "CREATE SCHEMA custintel; CREATE EXTENSION custintel SCHEMA custintel;\n"
            "SELECT custintel.enqueue('sentiment', 'Great fit, fast delivery') AS id \\gset\n"
            "SELECT custintel.work(10);\n"
            "SELECT status || ':' || (result::float8 > 0) FROM custintel.job(:id);\n"
            "DROP EXTENSION custintel; SELECT count(*) FROM pg_proc WHERE proname IN ('enqueue', 'job', 'work');\n");
  CommandResult r = pg_->PsqlFile(file, "-q -A -t -v ON_ERROR_STOP=1", "other");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "yes\n1\n1\n1\n1\n0\n0\n1\ndone:true\n0\n") << r.out;
}

// custintel in shared_preload_libraries: the server's own workers work the queue, no client.
TEST(PgBackgroundWorker, WorksTheQueueWithoutAnyClient) {
  CommandResult install =
      RunShell(std::string(CUSTINTEL_SOURCE_DIR) + "/scripts/pg_install.sh " + CUSTINTEL_BUILD_DIR);
  ASSERT_EQ(install.exit_code, 0) << install.err;
  auto pg = PostgresServer::Start("-c shared_preload_libraries=custintel -c custintel.worker_database=postgres "
                                  "-c custintel.workers=2 -c custintel.worker_idle_ms=100");
  ASSERT_NE(pg, nullptr) << PostgresServer::WhyUnavailable();
  auto value = [&](const std::string& sql) {
    CommandResult r = pg->Psql(sql);
    EXPECT_EQ(r.exit_code, 0) << sql << r.err;
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  };
  value("CREATE EXTENSION custintel");
  value("SELECT count(custintel_enqueue('sentiment', 'Review ' || i || ': fast delivery, great price')) "
        "FROM generate_series(1, 500) i");
  std::string left;
  for (int i = 0; i < 300; ++i) {  // up to 30 s
    left = value("SELECT count(*) FROM custintel_queue");
    if (left == "0") break;
    usleep(100000);
  }
  EXPECT_EQ(left, "0");
  EXPECT_EQ(value("SELECT count(*) || '/' || count(DISTINCT id) || '/' || bool_and(result::float8 > 0)::text "
                  "FROM custintel_results"),
            "500/500/true");
  EXPECT_EQ(value("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'custintel worker'"), "2");
}

}  // namespace
}  // namespace custintel::testing
