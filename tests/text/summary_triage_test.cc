#include <gtest/gtest.h>

#include <sstream>

#include "text/summary.h"
#include "text/triage.h"

namespace custintel::text {
namespace {

std::size_t Words(const std::string& s) {
  std::istringstream in(s);
  std::size_t n = 0;
  std::string w;
  while (in >> w) ++n;
  return n;
}

TEST(Summary, PicksTheCentralInformativeSentence) {
  std::string s = Summarize(
      "Ordered on Monday. The blender crushes ice easily and the blender motor is powerful. "
      "I like the blender a lot. Thanks.");
  EXPECT_NE(s.find("blender crushes ice"), std::string::npos) << s;
}

TEST(Summary, TrimsToMaxWordsAtAClauseBoundary) {
  std::string text =
      "The headphones sound wonderful with deep bass and crisp highs, but the ear cushions started "
      "peeling after two months of light daily use at home.";
  std::string s = Summarize(text, {.max_words = 15});
  EXPECT_LE(Words(s), 15u) << s;
  EXPECT_EQ(s, "The headphones sound wonderful with deep bass and crisp highs.");
  EXPECT_EQ(Summarize("", {}), "");
}

TEST(Triage, BillingDisputeIsCriticalAndAngry) {
  TicketTriage t = TriageTicket("This is the third time you've overcharged me!!! I'm disputing it with my bank.");
  EXPECT_EQ(t.root_cause, "billing");
  EXPECT_EQ(t.urgency, Urgency::kCritical);
  EXPECT_EQ(t.sentiment, TicketMood::kAngry);
  EXPECT_TRUE(t.follow_up_needed);
  EXPECT_NE(std::find(t.tags.begin(), t.tags.end(), "repeat_contact"), t.tags.end());
}

TEST(Triage, HackedAccountIsASecurityIncident) {
  TicketTriage t = TriageTicket("Someone hacked my account and changed my password!");
  EXPECT_EQ(t.root_cause, "security");
  EXPECT_EQ(t.urgency, Urgency::kCritical);
}

TEST(Triage, ThankYouNeedsNoFollowUp) {
  TicketTriage t = TriageTicket("Thanks for the quick fix, everything works now.");
  EXPECT_EQ(t.urgency, Urgency::kLow);
  EXPECT_TRUE(t.sentiment == TicketMood::kHappy || t.sentiment == TicketMood::kSatisfied);
  EXPECT_FALSE(t.follow_up_needed);
}

TEST(Triage, BestMatchingPlaybookNoteSuppliesTheResolution) {
  std::vector<PlaybookNote> notes = {
      {"n1", "Password reset loops", "Clear the reset token and send a new reset link. Confirm by phone.", {"account"}},
      {"n2", "Late deliveries", "Check carrier tracking and offer a reship.", {"shipping"}}};
  TicketTriage t = TriageTicket("I can't log in, the password reset link says expired.", {.notes = notes});
  EXPECT_EQ(t.root_cause, "account");
  EXPECT_EQ(t.playbook_note_id, "n1");
  EXPECT_EQ(t.suggested_resolution, "Clear the reset token and send a new reset link. Confirm by phone.");
  TicketTriage fallback = TriageTicket("My invoice has the wrong VAT number.", {.notes = notes});
  EXPECT_TRUE(fallback.playbook_note_id.empty());
  EXPECT_NE(fallback.suggested_resolution.find("invoice"), std::string::npos);
}

TEST(Triage, JsonHasTheShapeAnLlmIsAskedFor) {
  nlohmann::json j = TriageTicket("The app crashes on startup.").ToJson();
  for (const char* key : {"urgency", "sentiment", "root_cause", "suggested_resolution", "follow_up_needed", "tags"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["root_cause"], "performance");
  EXPECT_TRUE(j["tags"].is_array());
}

}  // namespace
}  // namespace custintel::text
