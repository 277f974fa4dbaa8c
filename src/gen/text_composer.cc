#include "gen/text_composer.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace custintel::gen {
namespace {

constexpr std::array<std::string_view, kThemeCount> kThemeNames = {
    "shipping", "packaging", "quality", "value", "service",
    "returns", "usability", "performance", "billing", "account"};

constexpr std::array<std::string_view, 5> kSentimentNames = {
    "very_negative", "negative", "neutral", "positive", "very_positive"};

using T = Theme;
const std::array<RootCauseInfo, kRootCauseCount> kRootCauses = {{
    {"carrier_delay", "shipping", 1, {T::kShipping, T::kShipping}, 1},
    {"lost_package", "shipping", 2, {T::kShipping, T::kService}, 1},
    {"damaged_in_transit", "shipping", 2, {T::kPackaging, T::kQuality}, 2},
    {"defective_product", "product", 2, {T::kQuality, T::kPerformance}, 1},
    {"wrong_item", "shipping", 1, {T::kShipping, T::kShipping}, 1},
    {"return_request", "returns", 0, {T::kReturns, T::kReturns}, 1},
    {"refund_delay", "returns", 1, {T::kReturns, T::kBilling}, 2},
    {"warranty_claim", "returns", 1, {T::kReturns, T::kQuality}, 2},
    {"double_charge", "billing", 2, {T::kBilling, T::kBilling}, 1},
    {"price_complaint", "billing", 0, {T::kValue, T::kValue}, 1},
    {"subscription_cancel", "billing", 1, {T::kBilling, T::kAccount}, 1},
    {"login_failure", "account", 1, {T::kAccount, T::kAccount}, 1},
    {"password_reset", "account", 0, {T::kAccount, T::kAccount}, 1},
    {"app_crash", "technical", 1, {T::kPerformance, T::kUsability}, 2},
    {"how_to_question", "technical", 0, {T::kUsability, T::kUsability}, 1},
}};

std::string_view PolarityWord(int p) { return p < 0 ? "negative" : p > 0 ? "positive" : "neutral"; }

void Capitalize(std::string* s, size_t at) {
  if (at < s->size()) (*s)[at] = static_cast<char>(std::toupper(static_cast<unsigned char>((*s)[at])));
}

// Appends `clause` as the start of a new sentence.
void AppendSentenceStart(std::string* out, const std::string& clause) {
  if (!out->empty()) out->push_back(' ');
  const size_t at = out->size();
  out->append(clause);
  Capitalize(out, at);
}

// Joins two clauses of the same sign into one or two sentences.
void JoinSame(Rng& rng, const std::string& a, const std::string& b, std::string* out) {
  switch (rng.Below(4)) {
    case 0: AppendSentenceStart(out, a + " and " + b + "."); break;
    case 1: AppendSentenceStart(out, a + "."); AppendSentenceStart(out, b + "."); break;
    case 2: AppendSentenceStart(out, a + ", and " + b + "."); break;
    default: AppendSentenceStart(out, a + "; " + b + "."); break;
  }
}

// Joins a main clause with a contrasting minor one; the main one carries the sentiment.
void JoinContrast(Rng& rng, const std::string& main, const std::string& minor, std::string* out) {
  switch (rng.Below(5)) {
    case 0: AppendSentenceStart(out, minor + " but " + main + "."); break;
    case 1: AppendSentenceStart(out, main + ", although " + minor + "."); break;
    case 2: AppendSentenceStart(out, minor + "."); AppendSentenceStart(out, "however, " + main + "."); break;
    case 3: AppendSentenceStart(out, main + ", even though " + minor + "."); break;
    default: AppendSentenceStart(out, minor + ", yet " + main + "."); break;
  }
}

}  // namespace

std::string_view ThemeName(Theme t) { return kThemeNames[static_cast<int>(t)]; }
std::string_view SentimentName(int label) { return kSentimentNames[std::clamp(label, -2, 2) + 2]; }
const RootCauseInfo& Info(RootCause rc) { return kRootCauses[static_cast<int>(rc)]; }

std::string FormatThemes(std::span<const ThemeMention> mentions) {
  std::string out;
  for (const ThemeMention& m : mentions) {
    if (!out.empty()) out.push_back(';');
    out.append(ThemeName(m.theme));
    out.push_back(':');
    out.append(PolarityWord(m.polarity));
  }
  return out;
}

void FillTemplate(std::string_view tmpl, const TextContext& ctx, std::string* out) {
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t open = tmpl.find('{', i);
    if (open == std::string_view::npos) break;
    const size_t close = tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    out->append(tmpl.substr(i, open - i));
    const std::string_view name = tmpl.substr(open + 1, close - open - 1);
    if (name == "product") out->append(ctx.product);
    else if (name == "category") out->append(ctx.category);
    else if (name == "days") out->append(std::to_string(ctx.days));
    else if (name == "order" && !ctx.order.empty()) out->append(ctx.order);
    else out->append(tmpl.substr(open, close - open + 1));
    i = close + 1;
  }
  out->append(tmpl.substr(i));
}

TextComposer::TextComposer(const PhraseBank& bank) {
  for (int t = 0; t < kThemeCount; ++t) {
    const std::string tech = std::string(kThemeNames[t]) + "@tech";
    for (int p = -2; p <= 2; ++p) {
      clauses_[t][p + 2] = bank.Get("clause", kThemeNames[t], p);
      clauses_tech_[t][p + 2] = bank.Get("clause", tech, p);
    }
    chats_[t] = bank.Get("chat", kThemeNames[t]);
  }
  for (int l = -2; l <= 2; ++l) {
    titles_[l + 2] = bank.Get("title", kSentimentNames[l + 2]);
    closings_[l + 2] = bank.Get("closing", kSentimentNames[l + 2]);
    moods_[l + 2] = bank.Get("mood", kSentimentNames[l + 2]);
  }
  for (int r = 0; r < kRootCauseCount; ++r) {
    const std::string_view name = kRootCauses[r].name;
    subjects_[r] = bank.Get("subject", name);
    issues_[r] = bank.Get("issue", name);
    subjects_tech_[r] = bank.Get("subject", std::string(name) + "@tech");
    issues_tech_[r] = bank.Get("issue", std::string(name) + "@tech");
    asks_[r] = bank.Get("ask", name);
    for (int o = -1; o <= 1; ++o) resolutions_[r][o + 1] = bank.Get("resolution", name, o);
    if (subjects_[r].empty() || issues_[r].empty()) {
      throw std::logic_error("phrase bank lacks subject/issue for " + std::string(name));
    }
  }
  for (int o = -1; o <= 1; ++o) resolutions_any_[o + 1] = bank.Get("resolution", "any", o);
}

const Phrase& TextComposer::PickFrom(Rng& rng, Bank bank) { return bank[rng.Below(bank.size())]; }

const Phrase& TextComposer::PickFrom(Rng& rng, Bank generic, Bank tech, bool technical) {
  if (!technical || tech.empty()) return PickFrom(rng, generic);
  const size_t i = rng.Below(generic.size() + tech.size());
  return i < generic.size() ? generic[i] : tech[i - generic.size()];
}

std::string TextComposer::Clause(Rng& rng, Theme theme, int polarity, const TextContext& ctx) const {
  const auto& by_pol = clauses_[static_cast<int>(theme)];
  const auto& tech_by_pol = clauses_tech_[static_cast<int>(theme)];
  // Exact polarity first, then the same sign one step weaker or stronger.
  const int fallback = polarity == 2 ? 1 : polarity == -2 ? -1 : polarity == 1 ? 2 : polarity == -1 ? -2 : 1;
  const int p = by_pol[polarity + 2].empty() ? fallback : polarity;
  std::string out;
  if (!by_pol[p + 2].empty()) {
    FillTemplate(PickFrom(rng, by_pol[p + 2], tech_by_pol[p + 2], ctx.technical).text, ctx, &out);
  }
  return out;
}

ComposedReview TextComposer::Review(Rng& rng, int label, std::span<const ThemeMention> drivers,
                                    std::span<const Theme> topic_themes,
                                    const TextContext& ctx) const {
  label = std::clamp(label, -2, 2);
  // Polarities of the clauses: [main, second?]; `contrast` when the second has the other sign.
  int main = label, second = 0;
  bool has_second = false;
  if (label == 2 || label == -2) {
    has_second = rng.Bernoulli(0.5);
    second = label / 2 * (rng.Bernoulli(0.5) ? 2 : 1);
  } else if (label != 0) {
    if (rng.Bernoulli(0.2)) main = 2 * label;
    has_second = rng.Bernoulli(0.45);
    second = -label;
  } else if (rng.Bernoulli(0.6)) {
    main = rng.Bernoulli(0.5) ? 1 : -1;
    second = -main;
    has_second = true;
  } else {
    has_second = rng.Bernoulli(0.3);
  }
  std::vector<bool> used(kThemeCount, false);
  auto pick_theme = [&](int polarity) {
    for (const ThemeMention& d : drivers) {
      const bool same_sign = (d.polarity > 0) == (polarity > 0) && (d.polarity < 0) == (polarity < 0);
      if (same_sign && !used[static_cast<int>(d.theme)]) return d.theme;
    }
    for (int tries = 0; tries < 8; ++tries) {
      const Theme t = topic_themes[rng.Below(topic_themes.size())];
      if (!used[static_cast<int>(t)]) return t;
    }
    return static_cast<Theme>(rng.Below(kThemeCount));
  };
  ComposedReview r;
  const Theme main_theme = pick_theme(main);
  used[static_cast<int>(main_theme)] = true;
  r.themes.push_back({main_theme, main});
  const std::string main_clause = Clause(rng, main_theme, main, ctx);
  if (!has_second) {
    AppendSentenceStart(&r.text, main_clause + ".");
  } else {
    const Theme second_theme = pick_theme(second);
    used[static_cast<int>(second_theme)] = true;
    r.themes.push_back({second_theme, second});
    const std::string second_clause = Clause(rng, second_theme, second, ctx);
    const bool contrast = (main > 0) != (second > 0) || (main < 0) != (second < 0);
    if (contrast) JoinContrast(rng, main_clause, second_clause, &r.text);
    else JoinSame(rng, main_clause, second_clause, &r.text);
  }
  if (rng.Bernoulli(0.45)) AppendSentenceStart(&r.text, PickFrom(rng, closings_[label + 2]).text);
  if (rng.Bernoulli(0.95)) r.title = PickFrom(rng, titles_[label + 2]).text;
  return r;
}

ComposedTicket TextComposer::Ticket(Rng& rng, RootCause rc, int mood, const TextContext& ctx) const {
  const int r = static_cast<int>(rc);
  ComposedTicket t;
  FillTemplate(PickFrom(rng, subjects_[r], subjects_tech_[r], ctx.technical).text, ctx, &t.subject);
  const Phrase& issue = PickFrom(rng, issues_[r], issues_tech_[r], ctx.technical);
  int score = issue.polarity;
  mood = std::clamp(mood, -2, 1);
  if (mood == 1) {
    const Phrase& m = PickFrom(rng, moods_[mood + 2]);
    t.description.append(m.text);
    score += m.polarity;
  }
  std::string issue_text;
  FillTemplate(issue.text, ctx, &issue_text);
  AppendSentenceStart(&t.description, issue_text);
  if (mood < 0 || (mood == 0 && rng.Bernoulli(0.5))) {
    const Phrase& m = PickFrom(rng, moods_[mood + 2]);
    AppendSentenceStart(&t.description, m.text);
    score += m.polarity;
  }
  if (!asks_[r].empty() && rng.Bernoulli(0.8)) {
    AppendSentenceStart(&t.description, PickFrom(rng, asks_[r]).text);
  }
  t.sentiment = score <= -3 ? -2 : score < 0 ? -1 : score == 0 ? 0 : 1;
  const RootCauseInfo& info = kRootCauses[r];
  for (int i = 0; i < info.theme_count; ++i) t.themes.push_back({info.themes[i], issue.polarity});
  return t;
}

std::string TextComposer::Resolution(Rng& rng, RootCause rc, int outcome) const {
  outcome = std::clamp(outcome, -1, 1);
  Bank bank = resolutions_[static_cast<int>(rc)][outcome + 1];
  if (bank.empty()) bank = resolutions_any_[outcome + 1];
  if (bank.empty()) bank = resolutions_[static_cast<int>(rc)][2];
  if (bank.empty()) return "Resolved.";
  return PickFrom(rng, bank).text;
}

std::string TextComposer::Chat(Rng& rng, Theme theme, int polarity, const TextContext& ctx) const {
  Bank all = chats_[static_cast<int>(theme)];
  if (all.empty()) all = chats_[0];
  const Phrase* chosen = &all[rng.Below(all.size())];
  for (int tries = 0; tries < 4 && chosen->polarity != polarity; ++tries) {
    chosen = &all[rng.Below(all.size())];
  }
  std::string out;
  FillTemplate(chosen->text, ctx, &out);
  return out;
}

}  // namespace custintel::gen
