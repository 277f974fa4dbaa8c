// Ticket triage without a model: urgency, customer sentiment, root cause, a suggested
// resolution (from the best-matching playbook note, else the cause's default), whether a
// follow-up is needed, and tags. Its JSON has the shape an LLM is asked to return, so either
// can fill gold.ticket_insights.
//
//   TicketTriage t = TriageTicket("I was charged twice, refund me NOW", {});
//   t.ToJson();  // {"urgency":"high","sentiment":"angry","root_cause":"billing",...}
//
// Rules live in the embedded asset text/assets/triage.tsv.
// Thread safety: pure functions over immutable rules.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/lexicon.h"
#include "text/sentiment.h"
#include "text/themes.h"
#include "text/tokenizer.h"

namespace custintel::text {

struct PlaybookNote {
  std::string id;
  std::string title;
  std::string body;
  std::vector<std::string> tags;
};

enum class Urgency { kLow, kMedium, kHigh, kCritical };
enum class TicketMood { kAngry, kFrustrated, kNeutral, kSatisfied, kHappy };

std::string_view ToString(Urgency u);
std::string_view ToString(TicketMood m);

// The compound score at or below which the customer's mood is angry: -0.4 when the text shouts
// (a negative word in CAPS, a CAPS or "!!" sentence in a negative text) or uses a furious word
// (valence -2.8 or below), else -0.8. Above it: frustrated up to -0.05, neutral, satisfied from
// 0.05, happy from 0.6.
double AngryMoodCut(const TokenizedText& t, const SentimentDetail& d);

struct TicketTriage {
  Urgency urgency = Urgency::kLow;
  TicketMood sentiment = TicketMood::kNeutral;
  std::string root_cause = "general";  // a theme id, "security", "cancellation" or "general"
  std::string suggested_resolution;
  std::string playbook_note_id;        // empty when the category default was used
  bool follow_up_needed = false;
  std::vector<std::string> tags;

  // {"urgency","sentiment","root_cause","suggested_resolution","follow_up_needed","tags"}
  // plus "playbook_note_id" when a note was used.
  nlohmann::json ToJson() const;
};

// Playbook notes prepared once for triaging many tickets: an index from each note word to the
// notes that use it (with its weight there) and each note's advice, so a ticket costs a few
// lookups instead of tokenising every note again. Immutable; share it across threads.
struct PreparedPlaybooks {
  StringMap<std::vector<std::pair<std::uint32_t, double>>> index;  // word -> (note, weight)
  std::vector<std::vector<std::string>> tags_lower;                // per note
  std::vector<std::string> advice;  // per note: the resolution it gives (its first sentences)
};
PreparedPlaybooks PreparePlaybooks(std::span<const PlaybookNote> notes);

struct TriageOptions {
  std::span<const PlaybookNote> notes;  // playbooks to draw resolutions from; may be empty
  double min_note_score = 2.0;         // weighted overlap a note needs to be chosen over the default
  // PreparePlaybooks(notes); null = prepared on each call (fine for one ticket, slow for
  // thousands).
  const PreparedPlaybooks* prepared = nullptr;
};

TicketTriage TriageTicket(std::string_view text, const TriageOptions& options = {});
// Same, reusing an analysis already made of the text.
TicketTriage TriageTicket(const TokenizedText& t, const SentimentDetail& sentiment, const ThemeResult& themes,
                          const TriageOptions& options = {});

}  // namespace custintel::text
