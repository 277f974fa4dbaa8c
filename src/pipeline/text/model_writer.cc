#include "pipeline/text/model_writer.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ai/budget.h"
#include "core/hash.h"
#include "store/ai/checkpoints.h"
#include "text/sentiment.h"

namespace custintel::pipeline {
namespace {

using ai::Batch;
using ai::Budget;
using ai::TaskKey;
using ai::TextTask;

constexpr TextTask kRowTasks[] = {TextTask::kSentiment, TextTask::kThemes, TextTask::kSummary};

// Rows [0, result) of `batch` came back ok; *why gets the first failure's message.
template <class T>
size_t OkPrefix(const Batch<T>& batch, std::string* why) {
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].ok()) {
      if (why->empty()) *why = batch[i].status().message();
      return i;
    }
  }
  return batch.size();
}

// A model's free-form topics in the shape of the text engine's themes (one mention each, with
// the row's polarity), so segment themes count them the same way.
std::string ThemesJson(const std::vector<std::string>& themes, double score) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& name : themes) {
    std::string id;
    for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    if (id.empty()) continue;
    out.push_back({{"theme", id}, {"name", name}, {"mentions", 1}, {"positive", score > 0.05 ? 1 : 0},
                   {"negative", score < -0.05 ? 1 : 0}, {"score", std::round(score * 1e4) / 1e4}});
  }
  return out.dump();
}

std::vector<std::string> Texts(std::span<const text::PiiMasked> masked) {
  std::vector<std::string> out;
  out.reserve(masked.size());
  for (const auto& m : masked) out.push_back(m.text);
  return out;
}

}  // namespace

ModelTextWriter::ModelTextWriter(std::shared_ptr<ai::AiService> service, size_t batch_rows)
    : service_(std::move(service)), batch_rows_(std::max<size_t>(batch_rows, 1)), start_(service_->stats()) {
  const ai::ModelIdentity& id = service_->identity();
  // The keys of an empty input cover identity, templates, sampling and constraints of each task.
  Sha256Builder h;
  for (TextTask t : kRowTasks) h.Add(service_->KeyFor(t, "").cache_key);
  identity_ = {id.backend, id.model, id.model_sha256, id.engine_version, h.FinishHex()};
}

size_t ModelTextWriter::Write(text::TextSource source, std::span<const text::TextInput> in,
                              std::span<text::TextInsight> out, std::string* why) {
  std::vector<text::PiiMasked> masked;
  masked.reserve(in.size());
  for (const auto& row : in) masked.push_back(text::MaskPii(text::JoinTitleBody(row.title, row.body)));
  const int64_t calls_per_row = source == text::TextSource::kEvent ? 1 : 3;
  size_t done = 0;
  while (done < in.size()) {
    Budget* budget = service_->budget();
    const int64_t left = budget ? budget->CallsLeft() : INT64_MAX;
    const size_t n = std::min(in.size() - done, static_cast<size_t>(std::max<int64_t>(1, left / calls_per_row)));
    const size_t k = WriteSome(source, std::span(masked).subspan(done, n), out.subspan(done, n), why);
    done += k;
    if (k < n) {
      // A spent budget names its cap ("max_calls_per_run = 7 reached"), not each row's error.
      if (budget && !budget->SpentReason().empty()) *why = budget->SpentReason();
      break;
    }
  }
  return done;
}

size_t ModelTextWriter::WriteSome(text::TextSource source, std::span<const text::PiiMasked> masked,
                                  std::span<text::TextInsight> out, std::string* why) {
  const std::vector<std::string> texts = Texts(masked);
  std::span<const std::string> all(texts);
  Batch<double> sentiment = service_->Sentiment(all);
  size_t n = OkPrefix(sentiment, why);
  Batch<std::vector<std::string>> themes;
  Batch<std::string> summary;
  const bool full = source != text::TextSource::kEvent;
  if (full) {
    themes = service_->Themes(all.first(n));
    n = OkPrefix(themes, why);
    summary = service_->Summarize(all.first(n));
    n = OkPrefix(summary, why);
  }
  for (size_t i = 0; i < n; ++i) {
    text::TextInsight& x = out[i];
    x.score = std::clamp(*sentiment[i], -1.0, 1.0);
    x.label = std::string(text::ToString(text::LabelForCompound(x.score)));
    std::vector<TaskKey> keys = {service_->KeyFor(TextTask::kSentiment, texts[i])};
    if (full) {
      x.themes_json = ThemesJson(*themes[i], x.score);
      x.summary = text::Unmask(*summary[i], masked[i].mapping);
      keys.push_back(service_->KeyFor(TextTask::kThemes, texts[i]));
      keys.push_back(service_->KeyFor(TextTask::kSummary, texts[i]));
    }
    x.template_key.clear();
    x.cache_key.clear();
    for (const TaskKey& k : keys) {
      x.template_key += (x.template_key.empty() ? "" : " ") + k.template_key;
      x.cache_key += (x.cache_key.empty() ? "" : " ") + k.cache_key;
    }
  }
  return n;
}

Result<PassResult> ModelTextWriter::RunPass(store::Connection& conn, const std::string& step,
                                           std::span<const std::string> keys, const KeyBatchFn& process) {
  CI_ASSIGN_OR_RETURN(store::StepProgress p, store::RunBudgetedStep(conn, step, keys, batch_rows_, process));
  return PassResult{p.rows_done, p.rows_skipped, p.complete, p.stopped_reason};
}

std::string ModelTextWriter::Note() const {
  return fmt::format("{} ({})", service_->stats().Since(start_).ToString(), identity_.backend);
}

}  // namespace custintel::pipeline
