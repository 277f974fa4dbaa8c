// Macro-F1 over (gold, predicted) pairs, for the accuracy tests of the text engine.
#pragma once

#include <set>
#include <utility>
#include <vector>

namespace custintel::text {

// The mean F1 over `classes` (default: every gold class that occurs).
template <class K>
double MacroF1(const std::vector<std::pair<K, K>>& pairs, std::vector<K> classes = {}) {
  if (classes.empty()) {
    std::set<K> seen;
    for (const auto& [gold, pred] : pairs) seen.insert(gold);
    classes.assign(seen.begin(), seen.end());
  }
  double sum = 0;
  for (const K& c : classes) {
    double tp = 0, fp = 0, fn = 0;
    for (const auto& [gold, pred] : pairs) {
      tp += gold == c && pred == c;
      fp += gold != c && pred == c;
      fn += gold == c && pred != c;
    }
    double p = tp + fp > 0 ? tp / (tp + fp) : 0, r = tp + fn > 0 ? tp / (tp + fn) : 0;
    sum += p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
  return classes.empty() ? 0 : sum / static_cast<double>(classes.size());
}

}  // namespace custintel::text
