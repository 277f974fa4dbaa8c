#include "server/sentiment_report.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "text/analyzer.h"

namespace custintel::server {
namespace {

using nlohmann::json;

struct WeekAcc {
  int64_t reviews = 0;
  double score_sum = 0, rating_sum = 0;
  int64_t rated = 0;
};

struct ThemeAcc {
  std::string name;
  int64_t mentions = 0, positive = 0, negative = 0;
  double score_sum = 0;
};

double Round(double v, double scale) { return std::round(v * scale) / scale; }

std::string Polarity(const ThemeAcc& t) {
  if (t.positive > 2 * t.negative) return "positive";
  if (t.negative > 2 * t.positive) return "negative";
  return t.positive + t.negative == 0 ? "neutral" : "mixed";
}

}  // namespace

Result<json> SentimentReport(RequestContext& ctx, int64_t weeks) {
  CI_ASSIGN_OR_RETURN(auto r, ctx.Query(
      "WITH latest AS (SELECT max(created_at) AS t FROM scoped.reviews) "
      "SELECT strftime(date_trunc('week', r.created_at), '%Y-%m-%d') AS week, r.rating, "
      "concat_ws('. ', r.title, r.review_text) AS text FROM scoped.reviews r, latest "
      "WHERE r.created_at > latest.t - to_weeks($1::INTEGER) ORDER BY r.created_at DESC LIMIT $2",
      {weeks, kMaxSentimentReviews}, {"silver.reviews"}));
  std::map<std::string, WeekAcc> by_week;
  std::map<std::string, ThemeAcc> by_theme;
  for (size_t i = 0; i < r.row_count(); ++i) {
    text::Analysis a = text::Analyze(r.GetString(2, i));
    WeekAcc& w = by_week[r.GetString(0, i)];
    ++w.reviews;
    w.score_sum += a.score;
    if (!r.IsNull(1, i)) {
      w.rating_sum += static_cast<double>(r.GetInt64(1, i));
      ++w.rated;
    }
    for (const auto& m : a.themes.mentions) {
      ThemeAcc& t = by_theme[m.theme_id];
      ++t.mentions;
      t.score_sum += m.score;
      t.positive += m.polarity > 0;
      t.negative += m.polarity < 0;
    }
    for (const auto& s : a.themes.themes) by_theme[s.id].name = s.name;
  }
  json trend = json::array();
  for (const auto& [week, w] : by_week) {
    trend.push_back({{"week", week}, {"reviews", w.reviews}, {"avg_sentiment", Round(w.score_sum / w.reviews, 1e4)},
                     {"avg_rating", w.rated ? json(Round(w.rating_sum / w.rated, 1e3)) : json(nullptr)}});
  }
  json themes = json::array();
  for (const auto& [id, t] : by_theme) {
    themes.push_back({{"id", id}, {"name", t.name.empty() ? id : t.name}, {"mentions", t.mentions},
                      {"avg_sentiment", Round(t.score_sum / std::max<int64_t>(t.mentions, 1), 1e4)},
                      {"positive", t.positive}, {"negative", t.negative}, {"polarity", Polarity(t)}});
  }
  std::sort(themes.begin(), themes.end(), [](const json& a, const json& b) { return a["mentions"] > b["mentions"]; });
  ctx.rows = static_cast<int64_t>(r.row_count());
  ctx.response_summary = fmt::format("{} reviews in {} weeks, {} themes", r.row_count(), by_week.size(), themes.size());
  return json{{"weeks", trend}, {"themes", themes}, {"reviews_analysed", r.row_count()},
              {"method", "builtin text analyzer over the newest reviews (at most 3000)"}};
}

}  // namespace custintel::server
