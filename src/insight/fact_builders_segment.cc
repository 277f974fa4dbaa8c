// Segment fact sheets (fact_builders.h): gold.segments, gold.segment_themes, the segment's
// purchases and reviews, the playbook, and the previous generation's base facts.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/strings.h"
#include "features/currency.h"
#include "insight/fact_builders.h"
#include "insight/fact_builders_internal.h"
#include "retrieval/passages.h"

namespace custintel::insight {
namespace {

using detail::AddEntity;
using detail::AddFact;

// The base facts: the segment's own numbers (those the *_vs_prev deltas compare).
constexpr const char* kSegmentSql = R"(
WITH f AS (SELECT s.segment, s.lifetime_value, s.churn_risk, s.predicted_clv, f.recency_days
           FROM gold.customer_scores s JOIN gold.customer_features f USING (customer_id)),
per AS (SELECT segment, avg(recency_days) AS avg_recency FROM f GROUP BY segment),
a AS (SELECT avg(lifetime_value) AS ltv, avg(churn_risk) AS churn, avg(recency_days) AS recency FROM f)
SELECT g.segment, g.size, g.share, g.avg_ltv, coalesce(g.avg_clv, 0), g.avg_churn_risk,
       coalesce(g.revenue_share, 0), coalesce(per.avg_recency, 0), a.ltv, a.churn, a.recency,
       array_to_string(coalesce(g.top_categories, []), '|'),
       coalesce(i.base_facts::VARCHAR, ''), coalesce(i.previous_facts::VARCHAR, ''),
       coalesce(g.high_risk / nullif(g.size, 0), 0)::DOUBLE
FROM gold.segments g LEFT JOIN per USING (segment) CROSS JOIN a
LEFT JOIN gold.segment_insights i ON i.segment = g.segment
WHERE ?::VARCHAR IS NULL OR g.segment = ?::VARCHAR
ORDER BY g.rule_order)";

constexpr const char* kThemeSql = R"(
SELECT segment, theme, theme_name, mentions::BIGINT, negative::BIGINT FROM (
  SELECT *, row_number() OVER (PARTITION BY segment ORDER BY mentions DESC, theme) AS rn
  FROM gold.segment_themes) WHERE rn <= 3 ORDER BY segment, rn)";

constexpr const char* kProductSql = R"(
SELECT segment, name, buyers FROM (
  SELECT s.segment, p.name, count(DISTINCT o.customer_id) AS buyers,
         row_number() OVER (PARTITION BY s.segment ORDER BY count(DISTINCT o.customer_id) DESC, p.name) AS rn
  FROM silver.order_items_as_of({T}) oi JOIN silver.orders_as_of({T}) o ON o.order_id = oi.order_id AND is_purchase(o.status)
  JOIN gold.customer_scores s USING (customer_id) JOIN silver.products p USING (product_id)
  WHERE p.name IS NOT NULL GROUP BY s.segment, p.name) WHERE rn <= 3 ORDER BY segment, rn)";

// The most negative review on each segment's top theme: what the segment says, in its words.
constexpr const char* kReviewSql = R"(
WITH top AS (SELECT segment, theme FROM (
  SELECT segment, theme, row_number() OVER (PARTITION BY segment ORDER BY mentions DESC, theme) AS rn
  FROM gold.segment_themes) WHERE rn = 1),
cand AS (SELECT top.segment, ri.review_id, coalesce(r.title, '') AS title, coalesce(r.review_text, '') AS body,
  coalesce(c.first_name, '') AS first_name, coalesce(c.last_name, '') AS last_name,
  row_number() OVER (PARTITION BY top.segment ORDER BY ri.sentiment_score, ri.review_id) AS rn
  FROM gold.review_insights ri JOIN gold.customer_scores s USING (customer_id)
  JOIN top ON top.segment = s.segment JOIN silver.reviews_as_of({T}) r ON r.review_id = ri.review_id
  LEFT JOIN silver.customers c ON c.customer_id = ri.customer_id
  WHERE contains(ri.themes::VARCHAR, '"theme":"' || top.theme || '"'))
SELECT segment, review_id, title, body, first_name, last_name FROM cand WHERE rn = 1)";


// base facts as {"name": value}; printed values decide equality (what a reader would see).
using BaseFacts = std::map<std::string, Fact>;

nlohmann::json BaseJson(const BaseFacts& b) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, f] : b) j[k] = f.value;
  return j;
}

bool SamePrinted(const BaseFacts& now, const nlohmann::json& before) {
  if (!before.is_object() || before.size() != now.size()) return false;
  for (const auto& [k, f] : now) {
    if (!before.contains(k) || !before[k].is_number()) return false;
    Fact old = f;
    old.value = before[k].get<double>();
    if (FormatFact(old) != FormatFact(f)) return false;
  }
  return true;
}

nlohmann::json ParseOr(const std::string& s) {
  if (s.empty()) return nullptr;
  return nlohmann::json::parse(s, nullptr, false);
}

// Deltas against all customers: magnitudes, the direction in the label (texts print no sign).
void AddVsAll(FactSheet& s, const std::string& name, double delta, FactUnit unit, const std::string& what) {
  AddFact(s, name, std::fabs(delta), unit,
          fmt::format("how far the segment's {} is {} the average of all customers", what,
                      delta >= 0 ? "above" : "below"));
}

// Deltas against the previous generation's base facts, when they were different.
void AddVsPrev(FactSheet& s, const BaseFacts& now, const nlohmann::json& prev) {
  if (!prev.is_object()) return;
  for (const char* key : {"size", "avg_churn_risk", "avg_ltv"}) {
    const Fact& f = now.at(key);
    if (!prev.contains(key) || !prev[key].is_number()) continue;
    Fact d = f;
    d.value = f.value - prev[key].get<double>();
    if (FormatFact(d) == FormatFact({"", 0, f.unit, ""})) continue;
    AddFact(s, std::string(key) + "_vs_prev", std::fabs(d.value), f.unit,
            fmt::format("how much the {} went {} since the previous run", f.label, d.value > 0 ? "up" : "down"));
  }
}

using detail::SegmentSheetRow;

SegmentSheetRow SegmentFromRow(const store::QueryResult& r, size_t i) {
  SegmentSheetRow out;
  FactSheet& s = out.sheet;
  s.subject = {SubjectKind::kSegment, r.GetString(0, i)};
  s.title = s.subject.id;
  AddEntity(s, s.title);
  BaseFacts b;
  b["size"] = {"size", double(r.GetInt64(1, i)), FactUnit::kCount, "customers in the segment"};
  b["share"] = {"share", r.GetDouble(2, i), FactUnit::kPercent, "share of all customers"};
  b["avg_ltv"] = {"avg_ltv", r.GetDouble(3, i), FactUnit::kMoney, "average lifetime value (spend to date)"};
  b["avg_clv"] = {"avg_clv", r.GetDouble(4, i), FactUnit::kMoney, "average predicted customer lifetime value"};
  b["avg_churn_risk"] = {"avg_churn_risk", r.GetDouble(5, i), FactUnit::kPercent, "average churn risk"};
  b["revenue_share"] = {"revenue_share", r.GetDouble(6, i), FactUnit::kPercent, "share of all revenue"};
  b["avg_recency"] = {"avg_recency", r.GetDouble(7, i), FactUnit::kDays, "average days since the last order"};
  // Spend the data cannot give (orders without amounts, no orders) is no fact at all, never a 0.
  const bool spend = !r.IsNull(3, i);
  for (const char* k : {"size", "share", "avg_ltv", "avg_clv", "avg_churn_risk", "revenue_share", "avg_recency"}) {
    b[k].value = detail::StableValue(b[k].value);
    const std::string key = k;
    if (!spend && (key == "avg_ltv" || key == "avg_clv" || key == "revenue_share")) continue;
    s.facts.push_back(b[k]);
  }
  AddFact(s, "high_risk_share", detail::StableValue(r.GetDouble(14, i)), FactUnit::kPercent,
          "share of the segment's customers at risk of lapsing");
  if (spend) {
    AddVsAll(s, "avg_ltv_vs_all", r.GetDouble(3, i) - r.GetDouble(8, i), FactUnit::kMoney, "average lifetime value");
  }
  AddVsAll(s, "avg_churn_risk_vs_all", r.GetDouble(5, i) - r.GetDouble(9, i), FactUnit::kPercent,
           "average churn risk");
  AddVsAll(s, "avg_recency_vs_all", r.GetDouble(7, i) - r.GetDouble(10, i), FactUnit::kDays,
           "average days since the last order");
  nlohmann::json stored = ParseOr(r.GetString(12, i)), stored_prev = ParseOr(r.GetString(13, i));
  // The previous run's numbers: the stored base when it differs from now, else what that
  // generation compared against (so an unchanged segment keeps the same sheet).
  out.base = BaseJson(b);
  out.previous = SamePrinted(b, stored) ? stored_prev : stored;
  AddVsPrev(s, b, out.previous);
  for (const std::string& c : Split(r.GetString(11, i), '|')) {
    if (!c.empty()) AddEntity(s, c);
  }
  return out;
}

// The notes and playbooks insights may cite, ranked per theme by hybrid retrieval
// (retrieval/passages.h: BM25 + lexical embeddings, fused by reciprocal rank).
Result<retrieval::PassageRanker> LoadNotes(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT note_id, coalesce(title, '') || '. ' || coalesce(body, ''), replace(coalesce(tags, ''), ';', ' ') "
      "FROM silver.notes ORDER BY note_id"));
  std::vector<retrieval::Passage> notes;
  for (size_t i = 0; i < r.row_count(); ++i) notes.push_back({r.GetString(0, i), r.GetString(1, i), r.GetString(2, i)});
  return retrieval::PassageRanker(std::move(notes));
}

// The best-ranked note for a theme that the sheet does not cite yet; null when no note shares a
// word with the theme.
const retrieval::Passage* NoteFor(const retrieval::PassageRanker& notes, const FactSheet& sheet,
                                  const std::string& key, const std::string& name) {
  std::string query = name + " " + key;
  std::replace(query.begin(), query.end(), '_', ' ');
  for (const retrieval::RankedPassage& hit : notes.Rank(query, 3)) {
    bool cited = std::any_of(sheet.snippets.begin(), sheet.snippets.end(),
                             [&](const Snippet& s) { return s.id == "note:" + hit.passage->id; });
    if (!cited) return hit.passage;
  }
  return nullptr;
}

Status AddThemes(store::Connection& conn, const Playbook& pb, std::map<std::string, FactSheet*>& by_seg) {
  CI_ASSIGN_OR_RETURN(retrieval::PassageRanker notes, LoadNotes(conn));
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(kThemeSql));
  for (size_t i = 0; i < r.row_count(); ++i) {
    auto it = by_seg.find(r.GetString(0, i));
    if (it == by_seg.end()) continue;
    FactSheet& s = *it->second;
    std::string key = r.GetString(1, i), name = r.GetString(2, i);
    int64_t mentions = r.GetInt64(3, i);
    AddEntity(s, name);
    AddFact(s, "theme_" + key + "_mentions", double(mentions), FactUnit::kCount,
            "mentions of " + name + " in the segment's reviews and tickets");
    AddFact(s, "theme_" + key + "_negative_share", mentions ? double(r.GetInt64(4, i)) / double(mentions) : 0,
            FactUnit::kPercent, "share of " + name + " mentions that are negative");
    if (const PlaybookEntry* e = pb.Find(key)) s.snippets.push_back(PlaybookSnippet(*e));
    if (const retrieval::Passage* n = NoteFor(notes, s, key, name)) {
      s.snippets.push_back({"note:" + n->id, "note", detail::MaskedText(n->text, {}, 400), 0.5, key});
    }
  }
  return Status::Ok();
}

Status AddProducts(store::Connection& conn, std::map<std::string, FactSheet*>& by_seg) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(detail::AsOfRun(kProductSql)));
  std::map<std::string, int> n;
  for (size_t i = 0; i < r.row_count(); ++i) {
    auto it = by_seg.find(r.GetString(0, i));
    if (it == by_seg.end()) continue;
    std::string name = r.GetString(1, i);
    AddEntity(*it->second, name);
    AddFact(*it->second, fmt::format("product_{}_buyers", ++n[it->first]), double(r.GetInt64(2, i)),
            FactUnit::kCount, "customers in the segment who bought " + name);
  }
  return Status::Ok();
}

Status AddReviews(store::Connection& conn, std::map<std::string, FactSheet*>& by_seg) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(detail::AsOfRun(kReviewSql)));
  for (size_t i = 0; i < r.row_count(); ++i) {
    auto it = by_seg.find(r.GetString(0, i));
    if (it == by_seg.end()) continue;
    std::string text = r.GetString(2, i).empty() ? r.GetString(3, i) : r.GetString(2, i) + ". " + r.GetString(3, i);
    it->second->snippets.push_back({"review:" + r.GetString(1, i), "review",
                                    detail::MaskedText(text, {r.GetString(4, i), r.GetString(5, i)}), 0.25});
  }
  return Status::Ok();
}

}  // namespace

namespace detail {

Result<std::vector<SegmentSheetRow>> SegmentSheets(store::Connection& conn, const std::string* filter) {
  CI_RETURN_IF_ERROR(RequireGold(conn));
  store::Param f = filter ? store::Param(*filter) : store::Param();
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(kSegmentSql, {f, f}));
  if (filter && r.row_count() == 0) return Status::NotFound(fmt::format("no segment named '{}'", *filter));
  std::vector<SegmentSheetRow> rows;
  for (size_t i = 0; i < r.row_count(); ++i) rows.push_back(SegmentFromRow(r, i));
  std::map<std::string, FactSheet*> by_seg;
  for (SegmentSheetRow& row : rows) by_seg[row.sheet.subject.id] = &row.sheet;
  CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(conn));
  CI_RETURN_IF_ERROR(AddThemes(conn, pb, by_seg));
  CI_RETURN_IF_ERROR(AddProducts(conn, by_seg));
  CI_RETURN_IF_ERROR(AddReviews(conn, by_seg));
  CI_ASSIGN_OR_RETURN(std::string currency, features::DataCurrency(conn));
  for (SegmentSheetRow& row : rows) InCurrency(row.sheet, currency);
  return rows;
}

}  // namespace detail

Result<std::vector<FactSheet>> LoadSegmentSheets(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(std::vector<SegmentSheetRow> rows, detail::SegmentSheets(conn, nullptr));
  std::vector<FactSheet> out;
  for (SegmentSheetRow& row : rows) out.push_back(std::move(row.sheet));
  return out;
}

}  // namespace custintel::insight
