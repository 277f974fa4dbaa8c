// The recorded freshness checks of stored customer and account texts (text_checks.h).
#include "insight/text_checks.h"

#include <optional>

#include <fmt/format.h>

#include "ai/service.h"
#include "core/hash.h"
#include "core/strings.h"
#include "insight/playbook.h"
#include "models/segments.h"

namespace custintel::insight::detail {
namespace {

// The start of the latest committed run: the identity of the facts the gold tables hold.
constexpr const char* kLatestRun = "(SELECT started_at FROM meta.runs ORDER BY run_id DESC LIMIT 1)";

struct Stored {
  bool customer = false, account = false;
  std::string customer_hash, account_hash;
  double customer_risk = 0;
};

// The customer's summary and its account's ('' when none). The filter is on subject_id alone (an
// IN list DuckDB pushes into the scan: half the time of one with the kinds in it at 200k).
Result<Stored> StoredSummaries(store::Connection& conn, const std::string& customer_id, const std::string& account_id) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT subject_kind, subject_id, coalesce(input_hash, ''), coalesce(churn_risk, 0) FROM gold.account_summaries "
      "WHERE subject_id IN (?, ?)",
      {customer_id, account_id}));
  Stored out;
  for (size_t i = 0; i < r.row_count(); ++i) {
    const std::string kind = r.GetString(0, i), id = r.GetString(1, i);
    if (kind == "customer" && id == customer_id) {
      out.customer = true;
      out.customer_hash = r.GetString(2, i);
      out.customer_risk = r.GetDouble(3, i);
    } else if (kind == "account" && !account_id.empty() && id == account_id) {
      out.account = true;
      out.account_hash = r.GetString(2, i);
    }
  }
  return out;
}

// The customer's churn risk now and its account ('' when none); nullopt when it is not scored.
struct Scored {
  double churn_risk = 0;
  std::string account_id;
};

Result<std::optional<Scored>> ScoredCustomer(store::Connection& conn, const std::string& customer_id) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT coalesce(churn_risk, 0), coalesce((SELECT account_id FROM gold.customer_features WHERE customer_id = ?), "
      "'') FROM gold.customer_scores WHERE customer_id = ?",
      {customer_id, customer_id}));
  if (r.row_count() == 0) return std::optional<Scored>();
  return std::optional<Scored>(Scored{r.GetDouble(0, 0), r.GetString(1, 0)});
}

// Whether (kind, id, hash) is recorded current for the latest run and `settings` in either table.
Result<bool> Recorded(store::Connection& conn, const char* kind, const std::string& id, const std::string& hash,
                      const std::string& settings) {
  if (hash.empty()) return false;
  const std::string where = fmt::format(
      "subject_kind = ? AND subject_id = ? AND input_hash = ? AND settings = ? AND facts_of = {}", kLatestRun);
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      fmt::format("SELECT (SELECT count(*) FROM meta.insight_run_checks WHERE {0}) + "
                  "(SELECT count(*) FROM meta.insight_request_checks WHERE {0})", where),
      {std::string(kind), id, hash, settings, std::string(kind), id, hash, settings}));
  return r.GetInt64(0, 0) > 0;
}

}  // namespace

Result<std::string> TextSettings(store::Connection& conn, const std::shared_ptr<ai::AiService>& ai,
                                 const CustomerOutputOptions& outputs) {
  CI_ASSIGN_OR_RETURN(double high_risk_above, models::HighRiskAbove(conn));
  CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(conn));
  Sha256Builder h;
  // The same words StoredHash hashes, so the two cannot disagree on what the settings are.
  h.Add(fmt::format("high_risk={} max_chars={}", high_risk_above, outputs.max_notification_chars));
  if (ai && ai->identity().backend != "builtin") h.Add("llm").Add(ai->identity().backend).Add(ai->identity().model);
  for (const PlaybookEntry& e : pb.entries) {
    for (const std::string* s : {&e.key, &e.kind, &e.title, &e.action, &e.expected_impact}) {
      h.Add(*s).Add(std::string_view("\x1f", 1));
    }
  }
  return h.FinishHex();
}

Result<bool> StoredTextsCurrent(store::Connection& conn, const std::string& customer_id, const std::string& settings) {
  CI_ASSIGN_OR_RETURN(std::optional<Scored> scored, ScoredCustomer(conn, customer_id));
  if (!scored) return false;
  CI_ASSIGN_OR_RETURN(Stored stored, StoredSummaries(conn, customer_id, scored->account_id));
  if (!stored.customer || stored.customer_risk != scored->churn_risk) return false;
  if (!scored->account_id.empty() && !stored.account) return false;
  CI_ASSIGN_OR_RETURN(bool customer, Recorded(conn, "customer", customer_id, stored.customer_hash, settings));
  if (!customer || scored->account_id.empty()) return customer;
  return Recorded(conn, "account", scored->account_id, stored.account_hash, settings);
}

Status RecordRequestCheck(store::Connection& conn, const std::string& customer_id, const std::string& settings) {
  CI_ASSIGN_OR_RETURN(std::optional<Scored> scored, ScoredCustomer(conn, customer_id));
  if (!scored) return Status::Ok();
  CI_ASSIGN_OR_RETURN(Stored stored, StoredSummaries(conn, customer_id, scored->account_id));
  // Only what is not recorded yet: a request for another customer of the same account then
  // leaves the account's record alone (two requests replacing one row would conflict).
  struct Subject {
    const char* kind;
    const std::string* id;
    const std::string* hash;
    bool present;
  };
  for (const Subject& s : {Subject{"customer", &customer_id, &stored.customer_hash, stored.customer},
                           Subject{"account", &scored->account_id, &stored.account_hash, stored.account}}) {
    if (!s.present) continue;
    CI_ASSIGN_OR_RETURN(bool known, Recorded(conn, s.kind, *s.id, *s.hash, settings));
    if (known || s.hash->empty()) continue;
    CI_RETURN_IF_ERROR(conn.Query("DELETE FROM meta.insight_request_checks WHERE subject_kind = ? AND subject_id = ?",
                                  {std::string(s.kind), *s.id}).status());
    CI_RETURN_IF_ERROR(conn.Query(
        fmt::format("INSERT INTO meta.insight_request_checks (subject_kind, subject_id, input_hash, facts_of, settings) "
                    "VALUES (?, ?, ?, {}, ?)", kLatestRun),
        {std::string(s.kind), *s.id, *s.hash, settings}).status());
  }
  return Status::Ok();
}

Status RecordRunCheck(store::Connection& conn, const std::string& settings, bool within_run,
                      const features::Scope& scope) {
  // What the pass may vouch for: every stored text when it checked everyone; else the texts of
  // its scope (customers, and the accounts they belong to or their stored summaries name) and
  // the texts already recorded current as of the latest committed run under the same settings
  // (the scope is every customer whose facts changed since it). A text a request wrote while a
  // run was in flight is in neither, so it is checked against its sheet at the next request.
  std::string vouched = "TRUE";
  if (!scope.all()) {
    vouched = fmt::format(
        "(a.subject_kind = 'customer' AND {0}) OR (a.subject_kind = 'account' AND a.subject_id IN ("
        "SELECT account_id FROM gold.customer_features WHERE {1} UNION "
        "SELECT account_id FROM gold.account_summaries WHERE subject_kind = 'customer' AND {2})) OR EXISTS ("
        "SELECT 1 FROM (SELECT subject_kind, subject_id, input_hash, facts_of, settings FROM meta.insight_run_checks "
        "UNION ALL SELECT subject_kind, subject_id, input_hash, facts_of, settings FROM meta.insight_request_checks) k "
        "WHERE k.subject_kind = a.subject_kind AND k.subject_id = a.subject_id AND k.input_hash = a.input_hash "
        "AND k.settings = {3} AND k.facts_of = {4})",
        scope.Filter("a.subject_id"), scope.Filter("customer_id"), scope.Filter("subject_id"), QuoteLiteral(settings),
        kLatestRun);
  }
  CI_RETURN_IF_ERROR(conn.Execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE ci_insight_vouched AS SELECT a.subject_kind, a.subject_id, a.input_hash "
      "FROM gold.account_summaries a WHERE coalesce(a.input_hash, '') <> '' AND ({})", vouched)));
  // Inside a run, current_timestamp is the run's transaction start: the started_at it records.
  CI_RETURN_IF_ERROR(conn.Execute("DELETE FROM meta.insight_run_checks"));
  CI_RETURN_IF_ERROR(conn.Query(fmt::format(
      "INSERT INTO meta.insight_run_checks SELECT subject_kind, subject_id, input_hash, {}, ? FROM ci_insight_vouched",
      within_run ? "current_timestamp" : kLatestRun), {settings}).status());
  return conn.Execute("DROP TABLE ci_insight_vouched");
}

}  // namespace custintel::insight::detail
