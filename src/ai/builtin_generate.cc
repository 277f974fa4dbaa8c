#include "ai/builtin_generate.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <vector>

#include "ai/choose_scales.h"
#include "text/summary.h"
#include "text/themes.h"

namespace custintel::ai {
namespace {

bool HasPair(const std::vector<std::string>& w, std::string_view a, std::string_view b) {
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == a && w[i + 1] == b) return true;
  }
  return false;
}

// Words naming the text a task is about ("this review", "the following", "the message below").
bool NamesAText(const std::vector<std::string>& w) {
  return HasWord(w, {"review", "reviews", "ticket", "tickets", "text", "message", "messages", "comment", "comments",
                 "feedback", "following", "below", "above", "this", "it", "email", "chat", "conversation",
                 "passage", "post", "note", "complaint", "article", "paragraph", "transcript", "description"});
}

bool AsksForSummary(const std::vector<std::string>& w) {
  bool verb = HasStem(w, {"summariz", "summaris", "condens", "recap"}) || HasPair(w, "sum", "up") ||
              HasPair(w, "tl", "dr") || HasWord(w, {"tldr", "gist"});
  bool noun = HasWord(w, {"summary", "synopsis", "abstract"}) && NamesAText(w);
  return verb || noun;
}

bool AsksForThemes(const std::vector<std::string>& w) {
  return HasWord(w, {"theme", "themes", "topic", "topics", "aspect", "aspects", "subjects"});
}

bool AsksForKeyPhrases(const std::vector<std::string>& w) {
  return HasWord(w, {"keyword", "keywords", "keyphrase", "keyphrases"}) || HasPair(w, "key", "phrases") ||
         HasPair(w, "key", "terms");
}

int CountAskedFor(const std::vector<std::string>& w) {
  static const std::initializer_list<std::pair<std::string_view, int>> kNumbers = {
      {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5},
      {"six", 6}, {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10}};
  for (const std::string& x : w) {
    if (!x.empty() && x.size() <= 2 && std::all_of(x.begin(), x.end(), ::isdigit)) {
      int n = std::stoi(x);
      if (n >= 1 && n <= 20) return n;
    }
    for (const auto& [name, n] : kNumbers) {
      if (x == name) return n;
    }
  }
  return 0;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view StripQuotes(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    return Trim(s.substr(1, s.size() - 2));
  }
  return s;
}

// The task `instruction` asks about `text`, if it is one the engine answers.
std::optional<GenerateTask> Classify(std::string_view instruction, std::string_view text) {
  std::vector<std::string> w = Words(instruction);
  text = StripQuotes(text);
  if (w.empty() || w.size() > 30 || Words(text).empty()) return std::nullopt;
  GenerateTask task;
  task.text = std::string(text);
  task.count = CountAskedFor(w);
  if (AsksForThemes(w)) {
    task.kind = GenerateTaskKind::kThemes;
  } else if (AsksForKeyPhrases(w)) {
    task.kind = GenerateTaskKind::kKeyPhrases;
  } else if (AsksForSummary(w)) {
    task.kind = GenerateTaskKind::kSummary;
  } else {
    return std::nullopt;
  }
  return task;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string JoinUpTo(const std::vector<std::string>& items, int count) {
  std::string out;
  int n = 0;
  for (const auto& item : items) {
    if (count > 0 && n == count) break;
    if (n++ > 0) out += ", ";
    out += item;
  }
  return out;
}

void AppendNew(std::vector<std::string>* items, const std::string& item) {
  if (std::find(items->begin(), items->end(), item) == items->end()) items->push_back(item);
}

}  // namespace

std::optional<GenerateTask> RecognizeGenerateTask(std::string_view prompt) {
  prompt = Trim(prompt);
  // Instruction first: "Summarize this review: <text>", "Summarize the following.\n<text>".
  size_t sep = prompt.find_first_of(":\n");
  if (sep != std::string_view::npos && sep <= 300) {
    if (auto t = Classify(prompt.substr(0, sep), prompt.substr(sep + 1))) return t;
  }
  // Instruction last, on its own line: "<text>\n\nSummarize the review above."
  size_t nl = prompt.rfind('\n');
  if (nl != std::string_view::npos && prompt.size() - nl <= 300) {
    if (auto t = Classify(prompt.substr(nl + 1), prompt.substr(0, nl))) return t;
  }
  return std::nullopt;
}

std::string AnswerGenerateTask(const GenerateTask& task, int max_words) {
  if (task.kind == GenerateTaskKind::kSummary) {
    text::SummaryOptions o;
    o.max_words = static_cast<size_t>(std::max(max_words, 3));
    return text::Summarize(task.text, o);
  }
  static const text::ThemeExtractor extractor;
  text::ThemeResult found = extractor.Extract(task.text);
  std::vector<std::string> items;
  if (task.kind == GenerateTaskKind::kThemes) {
    for (const auto& th : found.themes) AppendNew(&items, Lower(th.name));
  }
  // Key phrases complete a short list of themes ("3 key themes" of a one-theme review).
  bool fill = task.kind == GenerateTaskKind::kKeyPhrases || items.empty() ||
              (task.count > 0 && static_cast<int>(items.size()) < task.count);
  if (fill) {
    for (const auto& k : found.keyphrases) AppendNew(&items, k);
  }
  return JoinUpTo(items, task.count);
}

Status NeedsAModel() {
  return Status::Unimplemented(
      "free-form generation needs a model: the builtin backend only analyses text (it answers summaries, "
      "themes and key phrases of a given text, choices and JSON); give --model FILE.gguf, or --backend http "
      "--base-url URL, or set [ai] backend in custintel.toml");
}

}  // namespace custintel::ai
