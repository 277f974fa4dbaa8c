#include "text/triage.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/embedded.h"
#include "core/strings.h"
#include "text/clean.h"

namespace custintel::text {
namespace {

struct Rule {
  std::string kind, key;
  std::vector<std::string> tokens;  // the phrase, tokenised (unused for "resolution")
  std::string text;                 // the resolution text
};

std::vector<std::string> Norms(std::string_view s) {
  std::vector<std::string> out;
  for (Token& t : Tokenize(s).tokens) out.push_back(std::move(t.norm));
  return out;
}

const std::vector<Rule>& Rules() {
  static const std::vector<Rule>* rules = [] {
    auto* out = new std::vector<Rule>();
    for (const std::string& line : Split(embedded::Find("text/assets/triage.tsv").value_or(""), '\n')) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> c = Split(line, '\t');
      if (c.size() < 3) continue;
      out->push_back({c[0], c[1], c[0] == "resolution" ? std::vector<std::string>{} : Norms(c[2]), c[2]});
    }
    return out;
  }();
  return *rules;
}

bool Contains(const TokenizedText& t, const std::vector<std::string>& phrase) {
  if (phrase.empty()) return false;
  for (std::size_t i = 0; i + phrase.size() <= t.tokens.size(); ++i) {
    std::size_t k = 0;
    while (k < phrase.size() && t.tokens[i + k].norm == phrase[k]) ++k;
    if (k == phrase.size()) return true;
  }
  return false;
}

TicketMood Mood(const TokenizedText& t, const SentimentDetail& d) {
  double c = d.result.compound;
  if (c <= AngryMoodCut(t, d)) return TicketMood::kAngry;
  if (c <= -0.05) return TicketMood::kFrustrated;
  if (c >= 0.6) return TicketMood::kHappy;
  if (c >= 0.05) return TicketMood::kSatisfied;
  return TicketMood::kNeutral;
}

std::string RootCause(const TokenizedText& t, const ThemeResult& themes) {
  for (const char* cause : {"security", "cancellation", "performance"}) {
    for (const Rule& r : Rules()) {
      if (r.kind == "cause" && r.key == cause && Contains(t, r.tokens)) return cause;
    }
  }
  const ThemeSummary* best = nullptr;
  for (const ThemeSummary& s : themes.themes) {
    if (best == nullptr || s.score < best->score - 0.2 || (s.mentions > best->mentions && s.score <= best->score)) best = &s;
  }
  return best ? best->id : "general";
}

std::string DefaultResolution(const std::string& cause) {
  std::string general;
  for (const Rule& r : Rules()) {
    if (r.kind != "resolution") continue;
    if (r.key == cause) return r.text;
    if (r.key == "general") general = r.text;
  }
  return general;
}

// The first sentences of a note body, up to about 40 words.
std::string NoteAdvice(const PlaybookNote& note) {
  CleanedText clean = CleanText(note.body);
  TokenizedText t = Tokenize(clean.text);
  if (t.sentences.empty()) return note.title;
  std::uint32_t end = t.sentences[0].end;
  for (const Sentence& s : t.sentences) {
    if (s.end_token - t.sentences[0].first_token > 40) break;
    end = s.end;
  }
  return std::string(Trim(std::string_view(clean.text).substr(0, end)));
}

// Weighted overlap of the ticket's words with each note (a word counts once per note, with its
// weight where it first appears: title, body, tags), plus 3 per tag naming the root cause.
std::vector<double> NoteScores(const StringMap<bool>& words, const std::string& cause, const PreparedPlaybooks& p) {
  std::vector<double> scores(p.advice.size(), 0.0);
  for (const auto& [word, unused] : words) {
    auto it = p.index.find(word);
    if (it == p.index.end()) continue;
    for (const auto& [note, weight] : it->second) scores[note] += weight;
  }
  for (std::size_t i = 0; i < scores.size(); ++i) {
    for (const std::string& tag : p.tags_lower[i]) scores[i] += tag == cause ? 3.0 : 0.0;
  }
  return scores;
}

void AddTag(std::vector<std::string>* tags, const std::string& tag) {
  if (std::find(tags->begin(), tags->end(), tag) == tags->end()) tags->push_back(tag);
}

}  // namespace

double AngryMoodCut(const TokenizedText& t, const SentimentDetail& d) {
  double c = d.result.compound;
  bool shouting = false, furious_word = false;
  for (std::size_t i = 0; i < t.tokens.size(); ++i) {
    shouting |= t.tokens[i].all_caps && d.token_valence[i] < 0;
    furious_word |= d.token_valence[i] <= -2.8f;
  }
  for (const Sentence& s : t.sentences) shouting |= (s.all_caps || s.exclamations >= 2) && c < 0;
  return shouting || furious_word ? -0.4 : -0.8;
}

std::string_view ToString(Urgency u) {
  static constexpr std::string_view kNames[] = {"low", "medium", "high", "critical"};
  return kNames[static_cast<int>(u)];
}

std::string_view ToString(TicketMood m) {
  static constexpr std::string_view kNames[] = {"angry", "frustrated", "neutral", "satisfied", "happy"};
  return kNames[static_cast<int>(m)];
}

nlohmann::json TicketTriage::ToJson() const {
  nlohmann::json j = {{"urgency", ToString(urgency)}, {"sentiment", ToString(sentiment)},
                      {"root_cause", root_cause}, {"suggested_resolution", suggested_resolution},
                      {"follow_up_needed", follow_up_needed}, {"tags", tags}};
  if (!playbook_note_id.empty()) j["playbook_note_id"] = playbook_note_id;
  return j;
}

TicketTriage TriageTicket(const TokenizedText& t, const SentimentDetail& d, const ThemeResult& themes,
                          const TriageOptions& options) {
  TicketTriage out;
  out.sentiment = Mood(t, d);
  out.root_cause = RootCause(t, themes);
  Urgency urgency = d.result.compound <= -0.05 ? Urgency::kMedium : Urgency::kLow;
  for (const Rule& r : Rules()) {
    if (r.kind == "urgency" && Contains(t, r.tokens)) {
      Urgency level = r.key == "critical" ? Urgency::kCritical : Urgency::kHigh;
      if (level == Urgency::kHigh && d.result.compound > 0.3) continue;  // "thanks, fixed right now"
      urgency = std::max(urgency, level);
    }
    if (r.kind == "tag" && Contains(t, r.tokens)) AddTag(&out.tags, r.key);
  }
  if (out.sentiment == TicketMood::kAngry) urgency = std::max(urgency, Urgency::kHigh);
  out.urgency = urgency;
  AddTag(&out.tags, out.root_cause);
  for (const ThemeSummary& s : themes.themes) AddTag(&out.tags, s.id);
  StringMap<bool> words;
  for (const Token& tok : t.tokens) {
    if (tok.kind == TokenKind::kWord && tok.norm.size() > 2 && !IsStopWord(tok.norm)) words[tok.norm] = true;
  }
  PreparedPlaybooks local;
  const PreparedPlaybooks* prepared = options.prepared;
  if (prepared == nullptr || prepared->advice.size() != options.notes.size()) {
    local = PreparePlaybooks(options.notes);
    prepared = &local;
  }
  std::vector<double> scores = NoteScores(words, out.root_cause, *prepared);
  double best = options.min_note_score;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] < best) continue;  // ties go to the later note
    best = scores[i];
    out.playbook_note_id = options.notes[i].id;
    out.suggested_resolution = prepared->advice[i];
  }
  if (out.playbook_note_id.empty()) out.suggested_resolution = DefaultResolution(out.root_cause);
  bool content = out.sentiment == TicketMood::kSatisfied || out.sentiment == TicketMood::kHappy;
  out.follow_up_needed = !(content && out.urgency <= Urgency::kMedium);
  return out;
}

PreparedPlaybooks PreparePlaybooks(std::span<const PlaybookNote> notes) {
  PreparedPlaybooks p;
  for (std::uint32_t i = 0; i < notes.size(); ++i) {
    const PlaybookNote& note = notes[i];
    auto add = [&](std::string_view text, double weight) {
      for (std::string& w : Norms(text)) {
        auto& postings = p.index[std::move(w)];
        if (postings.empty() || postings.back().first != i) postings.emplace_back(i, weight);
      }
    };
    add(note.title, 2.0);
    add(note.body, 1.0);
    p.tags_lower.emplace_back();
    for (const std::string& tag : note.tags) {
      p.tags_lower.back().push_back(ToLower(tag));
      add(tag, 1.5);
    }
    p.advice.push_back(NoteAdvice(note));
  }
  return p;
}

TicketTriage TriageTicket(std::string_view text, const TriageOptions& options) {
  CleanedText clean = CleanText(text);
  TokenizedText t = Tokenize(clean.text);
  SentimentDetail d = SentimentAnalyzer().Score(t);
  ThemeResult themes = ThemeExtractor().Extract(t, d);
  return TriageTicket(t, d, themes, options);
}

}  // namespace custintel::text
