// `custintel run --model tiny.gguf`: the pipeline's text step written by a model through the
// AI layer (issue 6 items 5 and 8), on a tiny shop (3 reviews, 3 tickets, 3 event texts) and a
// random-weight GGUF: rows carry the model's provenance, a second run makes no backend call,
// a row's recorded cache key reproduces it, and a call budget stops between rows and resumes.
#include <gtest/gtest.h>

#include <regex>

#include "ai/llama/llama_make_gguf.h"
#include "store/ai/runtime.h"
#include "store/migrations.h"
#include "testing/testing.h"
#include "text/insight_batch.h"
#include "text/pii.h"

namespace custintel::ai {
namespace {

using custintel::testing::RunCli;
using custintel::testing::TempDir;
using custintel::testing::WriteFile;

constexpr int kRows = 3;  // per source
constexpr int kCallsPerFullRun = kRows * 3 + kRows * 3 + kRows;  // reviews, tickets: 3 tasks; events: 1

// A gen-data shop cut to kRows reviews, tickets and event texts, plus a tiny model; made once.
class TinyShop {
 public:
  static TinyShop& Get() {
    static TinyShop shop;
    return shop;
  }
  std::string data, model;
  TempDir dir;

 private:
  TinyShop() {
    const std::string full = dir.File("full");
    data = dir.File("data");
    model = dir.File("tiny.gguf");
    EXPECT_EQ(RunCli("gen-data --customers 1000 --seed 7 --out " + full).exit_code, 0);
    EXPECT_EQ(RunCli("gen-data --customers 1000 --seed 7 --out " + data).exit_code, 0);
    const std::string cut =
        "COPY (SELECT * FROM read_csv('{full}/reviews.csv') ORDER BY review_id LIMIT 3) TO '{data}/reviews.csv' "
        "(HEADER); COPY (SELECT * FROM read_csv('{full}/tickets.csv') ORDER BY ticket_id LIMIT 3) TO "
        "'{data}/tickets.csv' (HEADER); COPY (SELECT * FROM read_csv('{full}/events.csv') WHERE content IS NOT "
        "NULL AND trim(content) <> '' ORDER BY event_id LIMIT 3) TO '{data}/events.csv' (HEADER)";
    std::string sql = std::regex_replace(std::regex_replace(cut, std::regex("\\{full\\}"), full),
                                         std::regex("\\{data\\}"), data);
    auto r = RunCli("sql --db " + dir.File("scratch.duckdb") + " \"" + sql + "\"");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    MakeGgufOptions o;
    o.out_path = model;
    o.vocab_dir = CUSTINTEL_LLAMA_VOCAB_DIR;
    Status s = MakeGguf(o);
    EXPECT_TRUE(s.ok()) << s.message();
  }
};

// A fresh database with the tiny shop ingested, and a config for the model.
struct Tenant {
  explicit Tenant(const std::string& extra_ai = "") {
    db = dir.File("shop.duckdb");
    config = dir.File("custintel.toml");
    WriteFile(config, "[ai]\nmax_tokens = 24\nthreads = 1\nn_ctx = 1024\n" + extra_ai);
    auto r = RunCli("ingest --db " + db + " --dir " + TinyShop::Get().data);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  testing::CommandResult Run() const {
    return RunCli("run --db " + db + " --config " + config + " --model " + TinyShop::Get().model);
  }
  std::string Sql(const std::string& query) const {
    auto r = RunCli("sql --csv --db " + db + " \"" + query + "\"");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  TempDir dir;
  std::string db, config;
};

std::string TextNote(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex("text_insights[^\\n]*")) ? m.str() : "";
}

int64_t BackendCalls(const std::string& note) {
  std::smatch m;
  if (!std::regex_search(note, m, std::regex("ai: (\\d+) backend calls"))) return -1;
  return std::stoll(m[1]);
}

TEST(PipelineAi, ModelWritesTheTextTablesWithProvenanceAndASecondRunIsFree) {
  Tenant t;
  auto first = t.Run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string note = TextNote(first.out);
  EXPECT_NE(note.find("analysed 3 of 3 reviews, 3 of 3 tickets, 3 of 3 events"), std::string::npos) << note;
  EXPECT_EQ(BackendCalls(note), kCallsPerFullRun) << note;
  EXPECT_EQ(t.Sql("SELECT count(*) FILTER (WHERE backend = 'llama' AND model = 'tiny.gguf' AND length(model_sha256) = 64 "
                  "AND engine_version LIKE 'llama.cpp%' AND template = 'sentiment@2 themes@2 summary@2' "
                  "AND len(string_split(cache_key, ' ')) = 3) AS n FROM gold.review_insights"),
            "n\n3\n");
  EXPECT_EQ(t.Sql("SELECT count(*) AS n FROM gold.ticket_insights WHERE backend = 'llama' AND summary IS NOT NULL "
                  "AND urgency IS NOT NULL AND template = 'sentiment@2 themes@2 summary@2'"),
            "n\n3\n");
  EXPECT_EQ(t.Sql("SELECT count(*) AS n FROM gold.interaction_sentiment WHERE backend = 'llama' "
                  "AND template = 'sentiment@2' AND length(cache_key) = 64"),
            "n\n9\n");

  auto second = t.Run();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(TextNote(second.out).find("no text changed"), std::string::npos) << second.out;
  EXPECT_EQ(BackendCalls(TextNote(second.out)), 0) << second.out;
}

TEST(PipelineAi, ARowsProvenanceReproducesItFromTheCache) {
  Tenant t;
  ASSERT_EQ(t.Run().exit_code, 0);
  auto db = store::OpenEngineDatabase(t.db);
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto conn = (*db)->Connect();
  ASSERT_TRUE(conn.ok());
  auto row = conn->Query(
      "SELECT r.title, r.review_text, i.sentiment_score, i.summary, i.cache_key, i.model_sha256 "
      "FROM gold.review_insights i JOIN silver.reviews r USING (review_id) ORDER BY review_id LIMIT 1");
  ASSERT_TRUE(row.ok()) << row.status().message();
  const std::string text = text::MaskPii(text::JoinTitleBody(row->GetString(0, 0), row->GetString(1, 0))).text;
  const double score = row->GetDouble(2, 0);
  const std::string summary = row->GetString(3, 0), keys = row->GetString(4, 0);

  // The same configuration as the run: the same keys, answered from the cache alone.
  AiConfig c;
  c.backend = "llama";
  c.model = TinyShop::Get().model;
  c.max_tokens = 24;
  c.threads = 1;
  c.n_ctx = 1024;
  store::AiRuntime runtime(c, *db);
  auto service = runtime.Service();
  ASSERT_TRUE(service.ok()) << service.status().message();
  EXPECT_EQ((*service)->identity().model_sha256, row->GetString(5, 0));
  const std::string expected_keys = (*service)->KeyFor(TextTask::kSentiment, text).cache_key + " " +
                                    (*service)->KeyFor(TextTask::kThemes, text).cache_key + " " +
                                    (*service)->KeyFor(TextTask::kSummary, text).cache_key;
  EXPECT_EQ(keys, expected_keys);
  std::vector<std::string> in = {text};
  Batch<double> s = (*service)->Sentiment(in);
  Batch<std::string> sum = (*service)->Summarize(in);
  ASSERT_TRUE(s[0].ok() && sum[0].ok());
  EXPECT_DOUBLE_EQ(*s[0], score);
  EXPECT_EQ(*sum[0], summary);  // no PII in this review: nothing was restored
  EXPECT_EQ((*service)->stats().backend_calls, 0);
  EXPECT_EQ((*service)->stats().cache_hits, 2);
}

TEST(PipelineAi, ACallBudgetStopsBetweenRowsAndTheNextRunResumes) {
  constexpr int kBudget = 7;  // two whole reviews (6 calls), then the third's sentiment
  Tenant t("max_calls_per_run = " + std::to_string(kBudget) + "\n");
  auto first = t.Run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string note = TextNote(first.out);
  EXPECT_NE(note.find("reviews stopped after 2 of 3 rows (max_calls_per_run = 7 reached); the next run resumes"),
            std::string::npos)
      << note;
  EXPECT_EQ(BackendCalls(note), kBudget);
  // Whole rows only: two reviews by the model, the third keeps its on-arrival analysis.
  EXPECT_EQ(t.Sql("SELECT string_agg(backend, '|' ORDER BY review_id) AS b FROM gold.review_insights"),
            "b\nllama|llama|builtin\n");
  EXPECT_EQ(t.Sql("SELECT step, last_key, rows_done FROM meta.ai_checkpoints ORDER BY step"),
            "step,last_key,rows_done\ntext_insights:events,,0\ntext_insights:reviews,R0000002,2\n"
            "text_insights:tickets,,0\n");

  // Later runs resume; calls made for an unfinished row are cached, so none is paid twice.
  int64_t calls = kBudget;
  for (int run = 0; run < 6; ++run) {
    auto next = t.Run();
    ASSERT_EQ(next.exit_code, 0) << next.err;
    const int64_t n = BackendCalls(TextNote(next.out));
    EXPECT_LE(n, kBudget) << next.out;
    calls += n;
    if (TextNote(next.out).find("stopped") == std::string::npos) break;
  }
  EXPECT_EQ(calls, kCallsPerFullRun);
  EXPECT_EQ(t.Sql("SELECT count(*) AS n FROM meta.ai_checkpoints"), "n\n0\n");
  EXPECT_EQ(t.Sql("SELECT count(*) FILTER (WHERE backend = 'llama') AS n FROM gold.interaction_sentiment"), "n\n9\n");
}

}  // namespace
}  // namespace custintel::ai
