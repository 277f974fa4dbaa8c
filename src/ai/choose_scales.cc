#include "ai/choose_scales.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace custintel::ai {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}


// Words that name the task. A strong one makes an instruction with any object word or as a
// question ("How urgent is this?", "Is follow-up needed?"); a weak one ("needed", "asking")
// only beside a word that names the text ("Did the customer ask for a refund?").
bool HasStrongTaskWord(const std::vector<std::string>& w) {
  return HasStem(w, {"classif", "categori", "sentiment", "urgen", "priorit", "emotion", "mood", "determin",
                     "identif", "decide", "detect", "analy", "assess", "evaluat", "triage", "escalat", "extract",
                     "summari"}) ||
         HasWord(w, {"label", "rate", "rating", "choose", "pick", "select", "tone", "feeling", "follow",
                     "followup", "fields", "json"});
}

bool HasWeakTaskWord(const std::vector<std::string>& w) {
  return HasWord(w, {"needed", "need", "needs", "requested", "request", "requesting", "asking", "ask", "asks",
                     "want", "wants", "require", "requires", "required", "mention", "mentions", "contain",
                     "contains", "express", "expresses", "threaten", "threatens", "is", "does", "did"});
}

// Words that name the text the task is about.
bool HasStrongObjectWord(const std::vector<std::string>& w) {
  return HasWord(w, {"review", "reviews", "ticket", "tickets", "text", "message", "messages", "comment",
                     "comments", "post", "tweet", "email", "feedback", "following", "below", "above", "customer",
                     "sentence", "passage", "chat", "conversation", "writer", "author", "user", "reviewer"});
}

bool HasObjectWord(const std::vector<std::string>& w) {
  return HasStrongObjectWord(w) || HasWord(w, {"this", "it", "complaint", "request", "they", "he", "she"});
}

// "Review:", "Customer message:", "Ticket text:" — a field name in front of the text.
bool IsTextTag(const std::vector<std::string>& w) {
  if (w.empty() || w.size() > 3) return false;
  static const std::initializer_list<std::string_view> kTags = {
      "review", "ticket", "text", "message", "comment", "post", "tweet", "email", "feedback", "input", "chat",
      "conversation", "content", "sentence", "body", "passage", "customer", "support", "the", "product", "user",
      "query"};
  for (const std::string& word : w) {
    bool ok = false;
    for (std::string_view t : kTags) ok = ok || word == t;
    if (!ok) return false;
  }
  return true;
}

// "Sentiment:", "Answer:", "Urgency:" — where the answer would go, after the text.
bool IsAnswerTag(const std::vector<std::string>& w) {
  return !w.empty() && w.size() <= 3 &&
         HasWord(w, {"sentiment", "answer", "label", "urgency", "priority", "emotion", "category", "classification",
                     "output", "result", "mood", "tone", "rating", "choice"});
}

// `prefix` is the text before a separator ('?' for a question).
bool IsInstruction(std::string_view prefix, char separator) {
  std::vector<std::string> w = Words(prefix);
  if (w.empty() || w.size() > 25) return false;
  if (IsTextTag(w)) return true;
  if (HasStrongTaskWord(w)) return HasObjectWord(w) || separator == '?' || separator == ':';
  return HasWeakTaskWord(w) && HasStrongObjectWord(w);
}

void AppendInstruction(PromptParts* parts, std::string_view piece) {
  piece = Trim(piece);
  if (piece.empty()) return;
  if (!parts->instruction.empty()) parts->instruction += " ";
  parts->instruction += piece;
}

std::string_view StripQuotes(std::string_view s) {
  s = Trim(s);
  static const std::pair<std::string_view, std::string_view> kQuotes[] = {
      {"\"", "\""}, {"'", "'"}, {"\xE2\x80\x9C", "\xE2\x80\x9D"}, {"```", "```"}};
  for (const auto& [open, close] : kQuotes) {
    if (s.size() >= open.size() + close.size() && s.starts_with(open) && s.ends_with(close)) {
      std::string_view inner = s.substr(open.size(), s.size() - open.size() - close.size());
      if (inner.find(open) == std::string_view::npos) return Trim(inner);
    }
  }
  return s;
}

}  // namespace

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool HasWord(const std::vector<std::string>& words, std::initializer_list<std::string_view> any) {
  for (const std::string& w : words) {
    for (std::string_view a : any) {
      if (w == a) return true;
    }
  }
  return false;
}

bool HasStem(const std::vector<std::string>& words, std::initializer_list<std::string_view> stems) {
  for (const std::string& w : words) {
    for (std::string_view s : stems) {
      if (w.starts_with(s)) return true;
    }
  }
  return false;
}

PromptParts SplitTaskWords(std::string_view prompt) {
  PromptParts parts;
  std::string_view text = Trim(prompt);
  // Leading instructions and field names, up to three ("Classify this.\nReview: ...").
  for (int round = 0; round < 3; ++round) {
    size_t sep = text.find_first_of(":?\n");
    if (sep == std::string_view::npos || sep > 240) break;
    std::string_view prefix = text.substr(0, sep);
    if (!IsInstruction(prefix, text[sep])) {
      // "Classify the sentiment of the following review.\n<text>": an instruction line ending in '.'.
      size_t nl = text.find('\n');
      if (nl == std::string_view::npos || nl > 240 || !IsInstruction(text.substr(0, nl), '\n')) break;
      sep = nl;
      prefix = text.substr(0, nl);
    }
    AppendInstruction(&parts, prefix);
    text = Trim(text.substr(sep + 1));
  }
  // Trailing instruction or answer slot on its own line ("...\nSentiment:", "...\nIs it urgent?").
  for (int round = 0; round < 2; ++round) {
    size_t nl = text.rfind('\n');
    if (nl == std::string_view::npos) break;
    std::string_view last = Trim(text.substr(nl + 1));
    std::vector<std::string> w = Words(last);
    bool slot = last.ends_with(":") && IsAnswerTag(w);
    if (!slot && !IsInstruction(last, last.empty() ? '\n' : last.back())) break;
    AppendInstruction(&parts, last);
    text = Trim(text.substr(0, nl));
  }
  parts.text = std::string(StripQuotes(text));
  return parts;
}

std::string NormalizeLabel(std::string_view label) {
  std::string out;
  bool space = false;
  for (char ch : Trim(label)) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (ch == '_' || ch == '-' || std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

namespace {

// Label -> position tables. Normalised labels; a trailing scale word is dropped before lookup.
const std::map<std::string, int, std::less<>>& SentimentLabels() {
  static const std::map<std::string, int, std::less<>> m = {
      {"very negative", -2}, {"extremely negative", -2}, {"strongly negative", -2}, {"highly negative", -2},
      {"really negative", -2}, {"very bad", -2}, {"terrible", -2}, {"awful", -2}, {"horrible", -2},
      {"worst", -2}, {"very poor", -2}, {"negative", -1}, {"bad", -1}, {"poor", -1}, {"somewhat negative", -1},
      {"slightly negative", -1}, {"mostly negative", -1}, {"mildly negative", -1}, {"neg", -1},
      {"unfavorable", -1}, {"unfavourable", -1}, {"not good", -1}, {"neutral", 0}, {"mixed", 0},
      {"neither", 0}, {"neu", 0}, {"ok", 0}, {"okay", 0}, {"average", 0}, {"meh", 0}, {"so so", 0},
      {"neither positive nor negative", 0}, {"positive", 1}, {"good", 1}, {"somewhat positive", 1},
      {"slightly positive", 1}, {"mostly positive", 1}, {"mildly positive", 1}, {"pos", 1}, {"favorable", 1},
      {"favourable", 1}, {"very positive", 2}, {"extremely positive", 2}, {"strongly positive", 2},
      {"highly positive", 2}, {"really positive", 2}, {"very good", 2}, {"great", 2}, {"excellent", 2},
      {"amazing", 2}, {"awesome", 2}, {"best", 2}};
  return m;
}

const std::map<std::string, int, std::less<>>& EmotionLabels() {
  static const std::map<std::string, int, std::less<>> m = {
      {"angry", -2}, {"anger", -2}, {"furious", -2}, {"mad", -2}, {"outraged", -2}, {"irate", -2},
      {"enraged", -2}, {"livid", -2}, {"hostile", -2}, {"frustrated", -1}, {"frustration", -1},
      {"annoyed", -1}, {"irritated", -1}, {"upset", -1}, {"disappointed", -1}, {"disappointment", -1},
      {"unhappy", -1}, {"dissatisfied", -1}, {"sad", -1}, {"sadness", -1}, {"displeased", -1},
      {"concerned", -1}, {"worried", -1}, {"neutral", 0}, {"calm", 0}, {"indifferent", 0}, {"none", 0},
      {"no emotion", 0}, {"satisfied", 1}, {"content", 1}, {"pleased", 1}, {"grateful", 1}, {"thankful", 1},
      {"relieved", 1}, {"fine", 1}, {"happy", 2}, {"happiness", 2}, {"delighted", 2}, {"excited", 2},
      {"thrilled", 2}, {"joyful", 2}, {"joy", 2}, {"ecstatic", 2}, {"enthusiastic", 2}, {"very happy", 2},
      {"love", 2}};
  return m;
}

const std::map<std::string, int, std::less<>>& UrgencyLabels() {
  static const std::map<std::string, int, std::less<>> m = {
      {"low", 0}, {"lowest", 0}, {"minor", 0}, {"trivial", 0}, {"not urgent", 0}, {"none", 0}, {"p3", 0},
      {"p4", 0}, {"very low", 0}, {"medium", 1}, {"moderate", 1}, {"med", 1}, {"normal", 1}, {"standard", 1},
      {"p2", 1}, {"high", 2}, {"urgent", 2}, {"important", 2}, {"major", 2}, {"p1", 2}, {"critical", 3},
      {"blocker", 3}, {"emergency", 3}, {"highest", 3}, {"severe", 3}, {"very high", 3}, {"immediate", 3},
      {"p0", 3}, {"very urgent", 3}};
  return m;
}

// "very positive sentiment" -> "very positive", "high priority" -> "high".
std::string DropScaleWord(std::string label) {
  for (std::string_view suffix : {" sentiment", " priority", " urgency", " emotion", " mood", " review"}) {
    if (label.size() > suffix.size() && label.ends_with(suffix)) return label.substr(0, label.size() - suffix.size());
  }
  return label;
}

// Stars: "4 stars", "4 star", "4/5", "4 out of 5", "★★★★", "⭐⭐⭐⭐"; digits alone when allowed.
std::optional<int> StarPosition(const std::string& label, bool digits_are_stars) {
  size_t glyphs = 0;
  std::string_view rest = label;
  for (std::string_view glyph : {"\xE2\x98\x85", "\xE2\xAD\x90"}) {  // ★ ⭐
    while (rest.starts_with(glyph)) {
      ++glyphs;
      rest.remove_prefix(glyph.size());
      while (rest.starts_with(" ") || rest.starts_with("\xEF\xB8\x8F")) rest.remove_prefix(rest[0] == ' ' ? 1 : 3);
    }
  }
  if (glyphs >= 1 && glyphs <= 5 && rest.empty()) return static_cast<int>(glyphs) - 3;
  if (label.empty() || label[0] < '1' || label[0] > '5') return std::nullopt;
  std::string_view tail = std::string_view(label).substr(1);
  const int n = label[0] - '0';
  if (tail == " star" || tail == " stars" || tail == "/5" || tail == " out of 5" || tail == " / 5") return n - 3;
  if (tail.empty() && digits_are_stars) return n - 3;
  return std::nullopt;
}

std::optional<std::vector<int>> Positions(std::span<const std::string> choices,
                                          const std::map<std::string, int, std::less<>>& table,
                                          bool stars_allowed, bool digits_are_stars) {
  std::vector<int> out;
  for (const std::string& c : choices) {
    std::string n = DropScaleWord(NormalizeLabel(c));
    auto it = table.find(n);
    if (it != table.end()) {
      out.push_back(it->second);
      continue;
    }
    std::optional<int> star = stars_allowed ? StarPosition(n, digits_are_stars) : std::nullopt;
    if (!star) return std::nullopt;
    out.push_back(*star);
  }
  return out;
}

// Two distinct positions at least: a scale of one point is no scale.
bool Spans(const std::vector<int>& p) { return std::adjacent_find(p.begin(), p.end(), std::not_equal_to<>()) != p.end(); }

std::optional<YesNoQuestion> AskedQuestion(std::string_view instruction) {
  std::vector<std::string> w = Words(NormalizeLabel(instruction));
  if (HasStem(w, {"refund", "reimburs"}) || (HasWord(w, {"money"}) && HasWord(w, {"back"}))) return YesNoQuestion::kRefund;
  if (HasStem(w, {"legal", "lawyer", "lawsuit", "sue", "court"})) return YesNoQuestion::kLegalThreat;
  if (HasStem(w, {"cancel", "churn", "leave", "leaving", "switch"})) return YesNoQuestion::kCancellation;
  if (HasStem(w, {"escalat", "manager", "supervisor"})) return YesNoQuestion::kEscalation;
  if ((HasWord(w, {"follow", "followup"})) || HasStem(w, {"repl", "respond", "response", "callback", "action"}))
    return YesNoQuestion::kFollowUp;
  if (HasStem(w, {"urgen", "emergenc", "priorit"})) return YesNoQuestion::kUrgent;
  if (HasStem(w, {"bug", "defect", "crash", "technical"})) return YesNoQuestion::kBug;
  if (HasStem(w, {"feature"})) return YesNoQuestion::kFeatureRequest;
  if (HasStem(w, {"complain", "negativ", "unhappy", "angry", "upset", "dissatisf", "frustrat", "problem", "issue"}))
    return YesNoQuestion::kNegative;
  if (HasStem(w, {"positiv", "happy", "satisf", "prais", "compliment", "pleased", "recommend", "like"}))
    return YesNoQuestion::kPositive;
  if (HasStem(w, {"question", "inquir", "enquir", "asking"})) return YesNoQuestion::kQuestion;
  return std::nullopt;
}

std::optional<int> YesNoValue(std::string_view label) {
  std::string n = NormalizeLabel(label);
  if (n == "yes" || n == "y" || n == "true") return 1;
  if (n == "no" || n == "n" || n == "false") return 0;
  return std::nullopt;
}

}  // namespace

std::optional<LabelScale> RecognizeScale(std::span<const std::string> choices, std::string_view instruction) {
  if (choices.size() < 2) return std::nullopt;
  const std::vector<std::string> w = Words(instruction);
  const bool digits_are_stars = HasStem(w, {"star", "rating", "rate", "score"});
  if (auto p = Positions(choices, SentimentLabels(), true, digits_are_stars); p && Spans(*p)) {
    return LabelScale{ScaleKind::kSentiment, *p};
  }
  if (auto p = Positions(choices, EmotionLabels(), false, false); p && Spans(*p)) {
    return LabelScale{ScaleKind::kEmotion, *p};
  }
  if (auto p = Positions(choices, UrgencyLabels(), false, false); p && Spans(*p)) {
    return LabelScale{ScaleKind::kUrgency, *p};
  }
  if (choices.size() == 2) {
    std::optional<int> a = YesNoValue(choices[0]), b = YesNoValue(choices[1]);
    std::optional<YesNoQuestion> q = AskedQuestion(instruction);
    if (a && b && *a != *b && q) return LabelScale{ScaleKind::kYesNo, {*a, *b}, *q};
  }
  return std::nullopt;
}

}  // namespace custintel::ai
