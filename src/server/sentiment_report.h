// Review sentiment for the dashboard and GET /v1/sentiment: weekly trend (text sentiment and
// rating) and themes with polarity, over the key's scoped reviews of the last N weeks.
// Reviews are analysed with text::Analyze on the fly (at most kMaxReviews, newest first) until
// the pipeline's text step stores gold.review_insights; then its scores are used instead.
#pragma once

#include <nlohmann/json.hpp>

#include "server/api.h"

namespace custintel::server {

constexpr int64_t kMaxSentimentReviews = 3000;

Result<nlohmann::json> SentimentReport(RequestContext& ctx, int64_t weeks);

}  // namespace custintel::server
