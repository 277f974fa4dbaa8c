#include "models/churn/churn_model_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <nlohmann/json.hpp>

namespace custintel::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Row indices ordered by score, descending (ties keep input order).
std::vector<size_t> OrderByScoreDescending(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

double RocAuc(const std::vector<double>& scores, const std::vector<int>& labels) {
  std::vector<size_t> order = OrderByScoreDescending(scores);
  std::reverse(order.begin(), order.end());  // ascending
  double positives = 0, rank_sum = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    double average_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]]) {
        positives += 1;
        rank_sum += average_rank;
      }
    }
    i = j;
  }
  double negatives = static_cast<double>(order.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

double AveragePrecision(const std::vector<double>& scores, const std::vector<int>& labels) {
  double positives = std::count(labels.begin(), labels.end(), 1);
  if (positives == 0) return kNaN;
  std::vector<size_t> order = OrderByScoreDescending(scores);
  double true_pos = 0, seen = 0, previous_recall = 0, ap = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {
      true_pos += labels[order[j]] ? 1 : 0;
      seen += 1;
      ++j;
    }
    double recall = true_pos / positives;
    ap += (recall - previous_recall) * (true_pos / seen);
    previous_recall = recall;
    i = j;
  }
  return ap;
}

double BrierScore(const std::vector<double>& probabilities, const std::vector<int>& labels) {
  if (probabilities.empty()) return kNaN;
  double sum = 0;
  for (size_t i = 0; i < probabilities.size(); ++i) {
    double d = probabilities[i] - labels[i];
    sum += d * d;
  }
  return sum / static_cast<double>(probabilities.size());
}

std::vector<ReliabilityBin> ReliabilityTable(const std::vector<double>& probabilities,
                                             const std::vector<int>& labels, int bins) {
  std::vector<ReliabilityBin> table(bins);
  std::vector<double> predicted(bins, 0), observed(bins, 0);
  for (size_t i = 0; i < probabilities.size(); ++i) {
    int b = std::clamp(static_cast<int>(probabilities[i] * bins), 0, bins - 1);
    table[b].count++;
    predicted[b] += probabilities[i];
    observed[b] += labels[i];
  }
  for (int b = 0; b < bins; ++b) {
    table[b].lower = static_cast<double>(b) / bins;
    table[b].upper = static_cast<double>(b + 1) / bins;
    double n = static_cast<double>(table[b].count);
    table[b].mean_predicted = n > 0 ? predicted[b] / n : kNaN;
    table[b].observed_rate = n > 0 ? observed[b] / n : kNaN;
  }
  return table;
}

double IsotonicCalibrator::Apply(double raw) const {
  if (x.empty()) return raw;
  if (raw <= x.front()) return y.front();
  if (raw >= x.back()) return y.back();
  size_t hi = std::upper_bound(x.begin(), x.end(), raw) - x.begin();
  size_t lo = hi - 1;
  double t = (raw - x[lo]) / (x[hi] - x[lo]);
  return y[lo] + t * (y[hi] - y[lo]);
}

std::string IsotonicCalibrator::ToJson() const { return nlohmann::json{{"x", x}, {"y", y}}.dump(); }

bool IsotonicCalibrator::FromJson(const std::string& text, IsotonicCalibrator* out) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("x") || !j.contains("y")) return false;
  try {
    out->x = j["x"].get<std::vector<double>>();
    out->y = j["y"].get<std::vector<double>>();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return out->x.size() == out->y.size();
}

IsotonicCalibrator FitIsotonic(const std::vector<double>& scores, const std::vector<int>& labels) {
  struct Block {
    double sum_x, sum_y, n;
  };
  std::vector<size_t> order = OrderByScoreDescending(scores);
  std::reverse(order.begin(), order.end());
  std::vector<Block> blocks;
  for (size_t i = 0; i < order.size();) {
    Block b{0, 0, 0};
    size_t j = i;
    for (; j < order.size() && scores[order[j]] == scores[order[i]]; ++j) {
      b.sum_x += scores[order[j]];
      b.sum_y += labels[order[j]];
      b.n += 1;
    }
    i = j;
    blocks.push_back(b);
    // Pool while the last block's mean falls below its predecessor's.
    while (blocks.size() > 1) {
      Block& last = blocks.back();
      Block& prev = blocks[blocks.size() - 2];
      if (prev.sum_y / prev.n <= last.sum_y / last.n) break;
      prev = {prev.sum_x + last.sum_x, prev.sum_y + last.sum_y, prev.n + last.n};
      blocks.pop_back();
    }
  }
  IsotonicCalibrator cal;
  for (const Block& b : blocks) {
    cal.x.push_back(b.sum_x / b.n);
    cal.y.push_back(b.sum_y / b.n);
  }
  return cal;
}

}  // namespace custintel::models
