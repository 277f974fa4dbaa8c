// TextComposer: writes review, ticket and chat text from the phrase banks, and returns the
// ground truth of what it wrote (sentiment label, themes with polarity).
//
// Texts mix themes with contrast ("the box was dented, although delivery was lightning fast"),
// carry negations whose meaning is labelled (not their surface words), and vary connectors, so
// a text analyzer has real work. The vocabulary (themes, sentiment labels, ticket root causes)
// lives here because both the composer and the customer simulation speak it.
//
// Thread safety: immutable after construction; Compose* take the caller's Rng.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gen/phrase_bank.h"
#include "core/random.h"

namespace custintel::gen {

enum class Theme : uint8_t {
  kShipping, kPackaging, kQuality, kValue, kService, kReturns, kUsability, kPerformance,
  kBilling, kAccount,
};
inline constexpr int kThemeCount = 10;
std::string_view ThemeName(Theme t);  // "shipping", "packaging", ...

// Sentiment on a five-step scale, -2 (very_negative) .. 2 (very_positive).
std::string_view SentimentName(int label);

enum class RootCause : uint8_t {
  kCarrierDelay, kLostPackage, kDamagedInTransit, kDefectiveProduct, kWrongItem, kReturnRequest,
  kRefundDelay, kWarrantyClaim, kDoubleCharge, kPriceComplaint, kSubscriptionCancel,
  kLoginFailure, kPasswordReset, kAppCrash, kHowToQuestion,
};
inline constexpr int kRootCauseCount = 15;

struct RootCauseInfo {
  std::string_view name;      // "carrier_delay"
  std::string_view category;  // tickets.csv category: shipping, returns, product, billing, account, technical
  int severity;               // 0 low .. 3 critical: the base urgency
  std::array<Theme, 2> themes;
  int theme_count;
};
const RootCauseInfo& Info(RootCause rc);

// What a text mentions, and how: the truth that goes to truth/*.csv.
struct ThemeMention {
  Theme theme;
  int polarity;  // -2..2
};
// "shipping:negative;quality:positive" (polarity folded to negative/neutral/positive).
std::string FormatThemes(std::span<const ThemeMention> mentions);

// Values substituted for {product} {category} {days} {order}. An empty `order` leaves the
// literal "{order}" in place, for the formatter to fill once global order ids are known.
struct TextContext {
  std::string_view product;
  std::string_view category;
  int days = 3;
  std::string_view order;
  bool technical = false;  // a device: "@tech" phrases ("stopped working") may be used
};

struct ComposedReview {
  std::string title;
  std::string text;
  std::vector<ThemeMention> themes;
};

struct ComposedTicket {
  std::string subject;
  std::string description;
  int sentiment = -1;  // -2..2, from the issue and the mood sentence
  std::vector<ThemeMention> themes;
};

class TextComposer {
 public:
  // REQUIRES: `bank` outlives the composer and holds every kind/key the composer asks for.
  explicit TextComposer(const PhraseBank& bank);

  // A review whose text says `label` (-2..2). `drivers` are what the experience suggests
  // talking about (late delivery → shipping -2); `topic_themes` are the category's usual themes.
  ComposedReview Review(Rng& rng, int label, std::span<const ThemeMention> drivers,
                        std::span<const Theme> topic_themes, const TextContext& ctx) const;
  // A ticket about `rc` written in `mood` (-2..1).
  ComposedTicket Ticket(Rng& rng, RootCause rc, int mood, const TextContext& ctx) const;
  // outcome: 1 resolved, 0 partial, -1 not resolved.
  std::string Resolution(Rng& rng, RootCause rc, int outcome) const;
  // One chat message about `theme` with polarity near `polarity`.
  std::string Chat(Rng& rng, Theme theme, int polarity, const TextContext& ctx) const;

 private:
  using Bank = std::span<const Phrase>;
  std::string Clause(Rng& rng, Theme theme, int polarity, const TextContext& ctx) const;
  static const Phrase& PickFrom(Rng& rng, Bank bank);
  // One phrase from `generic`, or from `generic` ∪ `tech` for technical products.
  static const Phrase& PickFrom(Rng& rng, Bank generic, Bank tech, bool technical);

  std::array<std::array<Bank, 5>, kThemeCount> clauses_, clauses_tech_;
  std::array<Bank, 5> titles_, closings_, moods_;
  std::array<Bank, kRootCauseCount> subjects_, issues_, asks_, subjects_tech_, issues_tech_;
  std::array<std::array<Bank, 3>, kRootCauseCount> resolutions_;
  std::array<Bank, 3> resolutions_any_;
  std::array<Bank, kThemeCount> chats_;
};

// Replaces {product} {category} {days} {order} in `tmpl`, appending to `out`.
void FillTemplate(std::string_view tmpl, const TextContext& ctx, std::string* out);

}  // namespace custintel::gen
