#include "pipeline/text/domain_step.h"

#include <fmt/format.h>

#include <cmath>

#include "core/hash.h"
#include "text/sentiment.h"

namespace custintel::pipeline {
namespace {

using text::BlendReport;
using text::DomainModel;
using text::RatedText;
using text::SentimentAnalyzer;

struct RatedReviews {
  std::vector<RatedText> texts;
};

Result<RatedReviews> LoadRated(store::Connection& conn, const std::string& as_of, int64_t limit) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT concat_ws('. ', nullif(title, ''), review_text) AS text, rating "
      "FROM silver.reviews_as_of(?::TIMESTAMPTZ) "
      "WHERE rating IN (1, 2, 4, 5) AND coalesce(review_text, '') <> '' "
      "ORDER BY created_at DESC NULLS LAST, review_id LIMIT ?",
      {as_of.empty() ? store::Param() : store::Param(as_of), limit}));
  RatedReviews out;
  for (size_t i = 0; i < r.row_count(); ++i) {
    out.texts.push_back({r.GetString(0, i), static_cast<int>(r.GetInt64(1, i))});
  }
  return out;
}

Status Record(store::Connection& conn, int64_t rated, const std::optional<BlendReport>& report,
              const DomainChoice& choice) {
  CI_RETURN_IF_ERROR(conn.Execute(
      "CREATE TABLE IF NOT EXISTS gold.sentiment_domain (measured_at TIMESTAMPTZ, rated BIGINT, "
      "train BIGINT, test BIGINT, lexicon_macro_f1 DOUBLE, domain_macro_f1 DOUBLE, blended_macro_f1 DOUBLE, "
      "used BOOLEAN, fingerprint VARCHAR, note VARCHAR)"));
  store::Param none;
  return conn.Query(
      "INSERT INTO gold.sentiment_domain VALUES (current_timestamp, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {rated, report ? store::Param(static_cast<int64_t>(report->train)) : none,
       report ? store::Param(static_cast<int64_t>(report->test)) : none,
       report ? store::Param(report->lexicon.macro_f1) : none,
       report ? store::Param(report->domain.macro_f1) : none,
       report ? store::Param(report->blended.macro_f1) : none, choice.model.has_value(),
       choice.fingerprint, choice.note}).status();
}

// The model is re-learned every full run, but reviews are re-analysed only when the rated set has
// grown by a quarter (one step of this bucket) — otherwise one edited review would re-score every
// review of the tenant. Between steps, new reviews get the freshest model.
std::string ModelVersion(int64_t rated, double weight) {
  const int bucket = static_cast<int>(std::floor(std::log(static_cast<double>(rated)) / std::log(1.25)));
  return Sha256Hex(fmt::format("domain-v1:rated-bucket:{}:weight:{}", bucket, weight));
}

}  // namespace

Result<DomainChoice> ChooseDomainModel(store::Connection& conn, const DomainStepOptions& options) {
  CI_ASSIGN_OR_RETURN(RatedReviews rated, LoadRated(conn, options.as_of, options.max_rated));
  DomainChoice choice;
  choice.weight = options.eval.domain_weight;
  std::optional<BlendReport> report;
  const int64_t n = static_cast<int64_t>(rated.texts.size());
  if (n < options.min_rated) {
    choice.note = fmt::format("domain sentiment: {} rated reviews (< {}), lexicon only", n, options.min_rated);
  } else {
    static const SentimentAnalyzer analyzer;
    auto measured = text::EvaluateBlend(rated.texts, analyzer, options.eval);
    if (!measured.ok()) {
      choice.note = "domain sentiment: " + measured.status().message() + "; lexicon only";
    } else {
      report = *measured;
      const double gain = report->blended.macro_f1 - report->lexicon.macro_f1;
      if (gain >= options.min_gain) {
        CI_ASSIGN_OR_RETURN(DomainModel model, DomainModel::Train(rated.texts, options.eval.domain));
        choice.model.emplace(std::move(model));
        choice.fingerprint = ModelVersion(n, choice.weight);
      }
      choice.note = fmt::format("domain sentiment: held-out macro-F1 lexicon {:.3f}, blended {:.3f} on {} rated "
                                "reviews; {}",
                                report->lexicon.macro_f1, report->blended.macro_f1, n,
                                choice.model ? "blend used" : "lexicon kept (no measured gain)");
    }
  }
  CI_RETURN_IF_ERROR(Record(conn, n, report, choice));
  return choice;
}

}  // namespace custintel::pipeline
