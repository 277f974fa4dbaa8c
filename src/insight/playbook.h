// The playbook: the actions insights recommend, by theme, churn driver or marketing strategy,
// kept in meta.insight_playbook so users can edit them with SQL (README.md says how).
//
//   CI_ASSIGN_OR_RETURN(Playbook pb, LoadPlaybook(conn));
//   const PlaybookEntry* e = pb.Find("shipping");   // {"shipping", "theme", "Delivery recovery", ...}
//   Snippet s = PlaybookSnippet(*e);                 // {"playbook:shipping", "note", "Delivery recovery: ..."}
//
// The table is seeded from the embedded src/insight/assets/playbook.csv by SeedPlaybook (the
// insights step) when it is empty; until then LoadPlaybook reads the asset itself, so a
// read-only database still has a playbook.
//
// Thread safety: plain values and functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "insight/grounding/facts.h"
#include "store/database.h"

namespace custintel::insight {

struct PlaybookEntry {
  std::string key;   // a theme key ("shipping"), a driver feature ("days_inactive") or a strategy
  std::string kind;  // "theme" | "driver" | "strategy" | "message" (what notifications say)
  std::string title, action, expected_impact;
};

struct Playbook {
  std::vector<PlaybookEntry> entries;
  const PlaybookEntry* Find(std::string_view key) const;  // null when absent
  std::vector<const PlaybookEntry*> OfKind(std::string_view kind) const;
};

// The embedded default playbook. Fails Corruption when the asset is malformed (a build bug).
Result<Playbook> DefaultPlaybook();
// meta.insight_playbook, or the default when the table is empty.
Result<Playbook> LoadPlaybook(store::Connection& conn);
// Fills meta.insight_playbook from the default when it is empty; leaves edits alone.
Status SeedPlaybook(store::Connection& conn);

// The entry as a snippet a text may cite: id "playbook:<key>", text "<title>: <action>."
Snippet PlaybookSnippet(const PlaybookEntry& entry);

}  // namespace custintel::insight
