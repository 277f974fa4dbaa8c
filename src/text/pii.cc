#include "text/pii.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>

namespace custintel::text {
namespace {

using Validator = std::function<bool(std::string_view)>;

int CountDigits(std::string_view s) {
  return static_cast<int>(std::count_if(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }));
}

bool IsAlnumByte(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Phone: 7-15 digits; without a leading + / 00 / "(", at least 8 digits and a separator, so
// order numbers and ISO dates are left alone.
bool PhoneValid(std::string_view s) {
  int digits = CountDigits(s);
  if (digits < 7 || digits > 15) return false;
  static const RE2 kIsoDate(R"(\d{4}[-./]\d{1,2}[-./]\d{1,2})");
  static const RE2 kDate(R"(\d{1,2}[-./]\d{1,2}[-./]\d{2,4})");
  if (RE2::FullMatch(re2::StringPiece(s.data(), s.size()), kIsoDate)) return false;
  if (RE2::FullMatch(re2::StringPiece(s.data(), s.size()), kDate)) return false;
  bool international = s[0] == '+' || s.starts_with("00") || s[0] == '(';
  bool separated = s.find_first_of(" .-()") != std::string_view::npos;
  return international || (digits >= 8 && separated);
}

bool CardValid(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits.size() >= 13 && digits.size() <= 19 && LuhnValid(digits);
}

bool Ipv6Valid(std::string_view s) {
  if (std::count(s.begin(), s.end(), ':') < 2) return false;
  std::string copy(s);
  unsigned char buf[16];
  return inet_pton(AF_INET6, copy.c_str(), buf) == 1;
}

struct Pass {
  std::string kind;
  std::unique_ptr<RE2> re;
  Validator valid;
  bool PiiOptions::*enabled = nullptr;  // the option that turns the pass on; null: always on
};

// Every fixed pattern, each with the option that enables it. Compiled once per process
// (compiling them costs far more than masking a review) and shared: RE2 is thread-safe.
std::vector<Pass> BuildPasses() {
  std::vector<Pass> passes;
  auto add = [&](bool PiiOptions::*on, const char* kind, const std::string& pattern, Validator v) {
    passes.push_back({kind, std::make_unique<RE2>(pattern), std::move(v), on});
  };
  add(&PiiOptions::emails, "EMAIL",
      R"(([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}))", nullptr);
  add(&PiiOptions::ibans, "IBAN", R"(\b([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30})\b)", IbanValid);
  add(&PiiOptions::cards, "CARD", R"(\b([0-9](?:[ -]?[0-9]){12,18})\b)", CardValid);
  add(&PiiOptions::ips, "IP",
      R"(\b((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})\b)",
      nullptr);
  add(&PiiOptions::ips, "IP", R"(((?:[0-9A-Fa-f]{1,4})?(?::(?:[0-9A-Fa-f]{1,4})?){2,7}))", Ipv6Valid);
  add(&PiiOptions::phones, "PHONE", R"(((?:\+|\()?[0-9][0-9 ().-]{5,22}[0-9]))", PhoneValid);
  add(&PiiOptions::addresses, "ADDRESS",
      R"(\b([0-9]{1,5}[A-Za-z]?,? (?:[A-Z][A-Za-z'-]+ ){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy)\b\.?(?:,? (?:Apt|Apartment|Suite|Unit|Flat)\.? ?#?[0-9A-Za-z]+)?))",
      nullptr);
  add(&PiiOptions::addresses, "ADDRESS",
      R"(\b([A-Z][a-zäöüß]+(?:straße|strasse|weg|gasse|platz|allee|straat|laan|gade|vej|gatan|vägen) [0-9]{1,4}[a-z]?)\b)",
      nullptr);
  add(&PiiOptions::addresses, "ADDRESS",
      R"(\b([0-9]{1,4},? (?:rue|avenue|boulevard|chemin|via|calle|carrer) (?:[A-Za-z'-]+ ?){1,4}))",
      nullptr);
  return passes;
}

const std::vector<Pass>& FixedPasses() {
  static const std::vector<Pass> passes = BuildPasses();
  return passes;
}

class Masker {
 public:
  explicit Masker(PiiMasked* out) : out_(out) {}

  std::string Placeholder(const std::string& kind, const std::string& value, const std::string& key) {
    auto it = seen_.find(kind + '\x1f' + key);
    if (it != seen_.end()) return it->second;
    int n = ++out_->counts[kind];
    std::string ph = "[" + kind + "_" + std::to_string(n) + "]";
    seen_.emplace(kind + '\x1f' + key, ph);
    out_->mapping.push_back({ph, value});
    return ph;
  }

  // Replaces every valid match of `re` in `text` (group 1) with its placeholder.
  std::string Apply(const std::string& text, const Pass& pass, bool fold_key = false) {
    std::string out;
    re2::StringPiece input(text);
    re2::StringPiece match;
    std::size_t copied = 0;
    while (RE2::FindAndConsume(&input, *pass.re, &match)) {
      std::size_t begin = static_cast<std::size_t>(match.data() - text.data());
      std::string_view value(match.data(), match.size());
      bool glued = begin > 0 && IsAlnumByte(text[begin - 1]) && pass.kind != "EMAIL";
      if (value.empty() || glued || (pass.valid && !pass.valid(value))) {
        if (match.empty() && !input.empty()) input.remove_prefix(1);
        continue;
      }
      std::string key(value);
      if (fold_key) std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      out.append(text, copied, begin - copied);
      out += Placeholder(pass.kind, std::string(value), key);
      copied = begin + value.size();
    }
    out.append(text, copied, std::string::npos);
    return out;
  }

 private:
  PiiMasked* out_;
  std::map<std::string, std::string> seen_;
};

// Full names case-insensitively; their parts (3+ letters) only when capitalised as written.
std::vector<Pass> NamePasses(const std::vector<std::string>& names) {
  std::vector<std::string> full, parts;
  for (const std::string& n : names) {
    if (n.size() < 2) continue;
    full.push_back(n);
    std::size_t i = 0;
    while (i < n.size()) {
      std::size_t j = n.find(' ', i);
      if (j == std::string::npos) j = n.size();
      std::string part = n.substr(i, j - i);
      if (part.size() >= 3 && j - i != n.size()) parts.push_back(part);
      i = j + 1;
    }
  }
  auto alternation = [](std::vector<std::string> list) {
    std::sort(list.begin(), list.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    std::string pattern;
    for (const std::string& s : list) pattern += (pattern.empty() ? "" : "|") + RE2::QuoteMeta(s);
    return pattern;
  };
  std::vector<Pass> passes;
  if (!full.empty()) {
    passes.push_back({"NAME", std::make_unique<RE2>("(?i)\\b(" + alternation(full) + ")\\b"), nullptr});
  }
  if (!parts.empty()) {
    passes.push_back({"NAME", std::make_unique<RE2>("\\b(" + alternation(parts) + ")\\b"), nullptr});
  }
  return passes;
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool dbl = false;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') continue;
    int d = *it - '0';
    if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    dbl = !dbl;
    ++n;
  }
  return n >= 2 && sum % 10 == 0;
}

bool IbanValid(std::string_view iban) {
  std::string s;
  for (char c : iban) {
    if (c != ' ') s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (s.size() < 15 || s.size() > 34 || !std::isalpha(static_cast<unsigned char>(s[0])) ||
      !std::isalpha(static_cast<unsigned char>(s[1]))) {
    return false;
  }
  std::string rotated = s.substr(4) + s.substr(0, 4);
  int rem = 0;
  for (char c : rotated) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return rem == 1;
}

PiiMasked MaskPii(std::string_view text, const PiiOptions& options) {
  PiiMasked out;
  Masker masker(&out);
  std::string current(text);
  for (const Pass& pass : FixedPasses()) {
    if (pass.enabled == nullptr || options.*pass.enabled) current = masker.Apply(current, pass);
  }
  for (const Pass& pass : NamePasses(options.names)) current = masker.Apply(current, pass, /*fold_key=*/true);
  out.text = std::move(current);
  return out;
}

std::string Unmask(std::string_view masked, const std::vector<PiiReplacement>& mapping) {
  std::string out(masked);
  for (const PiiReplacement& r : mapping) {
    std::size_t pos = 0;
    while ((pos = out.find(r.placeholder, pos)) != std::string::npos) {
      out.replace(pos, r.placeholder.size(), r.original);
      pos += r.original.size();
    }
  }
  return out;
}

}  // namespace custintel::text
