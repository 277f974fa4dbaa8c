#include "ask/tokens.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace custintel::ask {
namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Keeps '-', '.', '\'', '/' only between word characters.
std::string CleanChars(std::string_view q) {
  std::string s;
  for (size_t i = 0; i < q.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(q[i])));
    bool inner = i > 0 && i + 1 < q.size() && IsWordChar(q[i - 1]) && IsWordChar(q[i + 1]);
    if (c == ',' && inner && std::isdigit(static_cast<unsigned char>(q[i - 1])) &&
        std::isdigit(static_cast<unsigned char>(q[i + 1]))) {
      continue;  // 1,000
    }
    if (IsWordChar(c) || c == '&' || c == '>' || c == '<' || c == '=') {
      s += c;
    } else if ((c == '-' || c == '.' || c == '\'' || c == '/') && inner) {
      s += c;
    } else {
      s += ' ';
    }
  }
  return s;
}

const std::set<std::string, std::less<>>& Fillers() {
  static const std::set<std::string, std::less<>> kFillers = {
      "what", "what's", "whats", "is", "are", "was", "were", "the", "a", "an", "of", "for", "in", "on", "to",
      "me", "show", "give", "get", "got", "find", "display", "tell", "how", "many", "much", "number", "count",
      "total", "overall", "average", "avg", "mean", "our", "we", "do", "does", "did", "have", "has", "had",
      "there", "by", "per", "each", "every", "across", "between", "and", "or", "with", "from", "who", "which",
      "that", "please", "can", "could", "would", "you", "i", "see", "all", "current", "currently", "be", "been",
      "it", "its", "their", "they", "made", "make", "making", "generate", "generates", "generated", "bring",
      "brings", "drive", "come", "came", "through", "via", "compare", "comparison", "versus", "vs", "breakdown",
      "broken", "down", "split", "grouped", "group", "list", "acquire", "acquired", "new", "sell", "sold",
      "selling", "ordered", "bought", "purchased", "placed", "customer", "value", "level", "rate", "us", "my",
      "your", "any", "some", "at", "as", "than", "amount", "sum", "figure", "figures", "stats", "statistics",
      "report", "did", "gets", "come", "through", "app", "time", "so", "far", "far?", "right", "now", "today's",
      "currently", "exist", "exists", "existing", "them", "those", "these", "this", "which", "whose", "where",
      "when", "during", "within", "up", "date", "common", "frequent", "popular", "likely", "earn", "earned",
      "make", "receive", "received", "get", "percentage", "share", "out", "give", "across", "among", "along",
      "together", "respectively", "split", "distribution", "distributed", "score", "scores", "having", "being",
      "most", "least", "top", "bottom", "much", "more", "less", "also", "just", "only", "about", "around",
      "approximately", "roughly", "exactly", "ever", "yet", "still", "all-time", "lifetime", "valuable", "rated",
      "belong", "belongs", "fall", "falls", "sit", "sits", "whole", "entire", "full", "complete", "breakdown",
      "there's", "s", "&", "=", ">", "<", ">=", "<=", "need", "want", "know", "like", "by?", "graph", "chart",
      "table", "dashboard", "kpi", "kpis", "metric", "metrics", "numbers", "people", "person", "accounts",
      "account", "customers", "clients", "client", "users", "user", "one", "ones", "give", "gave", "over",
      "compared", "comparing", "against", "difference", "differ", "relative", "versus", "been"};
  return kFillers;
}

}  // namespace

std::vector<Token> Tokenize(std::string_view question) {
  std::vector<Token> out;
  std::string cleaned = CleanChars(question);
  std::string original;
  // Originals: same cleaning without lower-casing, word by word.
  std::vector<std::string> originals;
  {
    std::string upper_kept;
    for (size_t i = 0; i < question.size(); ++i) {
      char c = question[i];
      bool inner = i > 0 && i + 1 < question.size() && IsWordChar(question[i - 1]) && IsWordChar(question[i + 1]);
      if (c == ',' && inner && std::isdigit(static_cast<unsigned char>(question[i - 1])) &&
          std::isdigit(static_cast<unsigned char>(question[i + 1]))) {
        continue;
      }
      bool keep = IsWordChar(c) || c == '&' || c == '>' || c == '<' || c == '=' ||
                  ((c == '-' || c == '.' || c == '\'' || c == '/') && inner);
      upper_kept += keep ? c : ' ';
    }
    size_t i = 0;
    while (i < upper_kept.size()) {
      while (i < upper_kept.size() && upper_kept[i] == ' ') ++i;
      size_t j = i;
      while (j < upper_kept.size() && upper_kept[j] != ' ') ++j;
      if (j > i) originals.push_back(upper_kept.substr(i, j - i));
      i = j;
    }
  }
  size_t i = 0, k = 0;
  while (i < cleaned.size()) {
    while (i < cleaned.size() && cleaned[i] == ' ') ++i;
    size_t j = i;
    while (j < cleaned.size() && cleaned[j] != ' ') ++j;
    if (j > i) {
      std::string word = cleaned.substr(i, j - i);
      std::string orig = k < originals.size() ? originals[k] : word;
      ++k;
      if (word.size() > 2 && word.compare(word.size() - 2, 2, "'s") == 0 && word != "what's" && word != "there's") {
        word.resize(word.size() - 2);
        orig.resize(orig.size() - 2);
      }
      out.push_back({word, orig});
    }
    i = j;
  }
  return out;
}

std::vector<std::string> PhraseTokens(std::string_view phrase) {
  std::vector<std::string> out;
  for (const Token& t : Tokenize(phrase)) out.push_back(t.text);
  return out;
}

int EditDistance(std::string_view a, std::string_view b, int max) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > max) return max + 1;
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (int i = 0; i <= n; ++i) d[i][0] = i;
  for (int j = 0; j <= m; ++j) d[0][j] = j;
  for (int i = 1; i <= n; ++i) {
    int row_min = max + 1;
    for (int j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
      row_min = std::min(row_min, d[i][j]);
    }
    if (row_min > max) return max + 1;
  }
  return d[n][m];
}

bool IsNumber(std::string_view t) {
  if (t.empty()) return false;
  bool digit = false, dot = false;
  for (char c : t) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digit;
}

bool IsFiller(std::string_view token) { return Fillers().count(token) > 0; }

const std::vector<std::string>& CorrectableFillers() {
  static const std::vector<std::string> kWords = [] {
    std::vector<std::string> w;
    for (const auto& f : Fillers()) {
      if (f.size() >= 4 && Superlative(f).empty()) w.push_back(f);
    }
    return w;
  }();
  return kWords;
}

const std::vector<std::string>& TimeWords() {
  static const std::vector<std::string> kWords = {
      "today", "yesterday", "this", "last", "previous", "past", "prior", "since", "year", "years", "quarter",
      "quarters", "month", "months", "week", "weeks", "day", "days", "daily", "weekly", "monthly", "quarterly",
      "yearly", "annually", "annual", "january", "february", "march", "april", "june", "july", "august",
      "september", "october", "november", "december", "trend", "trends", "over"};
  return kWords;
}

int MonthNumber(std::string_view t) {
  static const char* kNames[] = {"january", "february", "march", "april", "may", "june", "july", "august",
                                 "september", "october", "november", "december"};
  for (int i = 0; i < 12; ++i) {
    std::string_view name = kNames[i];
    if (t == name || (t.size() >= 3 && t.size() <= 4 && name.substr(0, t.size()) == t)) return i + 1;
  }
  return 0;
}

std::string TimeUnit(std::string_view t) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kUnits = {
      {"day", {"day", "days", "daily"}},
      {"week", {"week", "weeks", "weekly"}},
      {"month", {"month", "months", "monthly"}},
      {"quarter", {"quarter", "quarters", "quarterly"}},
      {"year", {"year", "years", "yearly", "annually", "annual"}}};
  for (const auto& [unit, words] : kUnits) {
    if (std::find(words.begin(), words.end(), t) != words.end()) return unit;
  }
  return "";
}

std::string Superlative(std::string_view t) {
  static const std::set<std::string, std::less<>> kDesc = {"highest", "most", "top", "largest", "biggest",
                                                           "greatest", "maximum", "max", "strongest", "leading"};
  static const std::set<std::string, std::less<>> kAsc = {"lowest", "least", "fewest", "smallest", "minimum",
                                                          "min", "bottom", "weakest"};
  if (kDesc.count(t)) return "desc";
  if (kAsc.count(t)) return "asc";
  if (t == "best" || t == "better") return "best";
  if (t == "worst" || t == "worse" || t == "poorest") return "worst";
  return "";
}

bool IsCountWord(std::string_view t) { return t == "many" || t == "number" || t == "count"; }

bool IsListWord(std::string_view t) { return t == "which" || t == "who" || t == "list" || t == "whose"; }

bool IsGroupingWord(std::string_view t) {
  return t == "by" || t == "per" || t == "across" || t == "each" || t == "every" || t == "between";
}

bool IsRefusalWord(std::string_view t) {
  return t == "why" || t == "predict" || t == "forecast" || t == "will" || t == "should" || t == "ignore" ||
         t == "delete" || t == "drop" || t == "select" || t == "update" || t == "insert";
}

}  // namespace custintel::ask
