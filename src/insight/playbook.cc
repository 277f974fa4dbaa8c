// Playbook loading and seeding (see playbook.h).
#include "insight/playbook.h"

#include <fmt/format.h>

#include "core/embedded.h"
#include "core/strings.h"

namespace custintel::insight {
namespace {

constexpr std::string_view kAsset = "insight/assets/playbook.csv";

// One CSV line of five plain fields (the asset has no quoted commas).
Result<PlaybookEntry> ParseLine(std::string_view line, int line_no) {
  std::vector<std::string> f;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      f.emplace_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  if (f.size() != 5) {
    return Status::Corruption(fmt::format("{} line {}: {} fields, expected 5", kAsset, line_no, f.size()));
  }
  return PlaybookEntry{f[0], f[1], f[2], f[3], f[4]};
}

}  // namespace

const PlaybookEntry* Playbook::Find(std::string_view key) const {
  for (const PlaybookEntry& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

std::vector<const PlaybookEntry*> Playbook::OfKind(std::string_view kind) const {
  std::vector<const PlaybookEntry*> out;
  for (const PlaybookEntry& e : entries) {
    if (e.kind == kind) out.push_back(&e);
  }
  return out;
}

Result<Playbook> DefaultPlaybook() {
  std::optional<std::string_view> csv = embedded::Find(kAsset);
  if (!csv) return Status::Internal(fmt::format("{} is not embedded in this build", kAsset));
  Playbook pb;
  int line_no = 0;
  size_t pos = 0;
  while (pos < csv->size()) {
    size_t end = csv->find('\n', pos);
    if (end == std::string_view::npos) end = csv->size();
    std::string_view line = csv->substr(pos, end - pos);
    pos = end + 1;
    if (++line_no == 1 || line.empty()) continue;  // header
    CI_ASSIGN_OR_RETURN(PlaybookEntry e, ParseLine(line, line_no));
    pb.entries.push_back(std::move(e));
  }
  return pb;
}

Result<Playbook> LoadPlaybook(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult r, conn.Query(
      "SELECT key, kind, coalesce(title, ''), coalesce(action, ''), coalesce(expected_impact, '') "
      "FROM meta.insight_playbook ORDER BY rowid"));
  if (r.row_count() == 0) return DefaultPlaybook();
  Playbook pb;
  for (size_t i = 0; i < r.row_count(); ++i) {
    pb.entries.push_back({r.GetString(0, i), r.GetString(1, i), r.GetString(2, i), r.GetString(3, i),
                          r.GetString(4, i)});
  }
  return pb;
}

Status SeedPlaybook(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(store::QueryResult n, conn.Query("SELECT count(*) FROM meta.insight_playbook"));
  if (n.GetInt64(0, 0) > 0) return Status::Ok();
  CI_ASSIGN_OR_RETURN(Playbook pb, DefaultPlaybook());
  for (const PlaybookEntry& e : pb.entries) {
    CI_RETURN_IF_ERROR(conn.Query(
        "INSERT INTO meta.insight_playbook(key, kind, title, action, expected_impact) VALUES (?, ?, ?, ?, ?)",
        {e.key, e.kind, e.title, e.action, e.expected_impact}).status());
  }
  return Status::Ok();
}

Snippet PlaybookSnippet(const PlaybookEntry& entry) {
  return {"playbook:" + entry.key, "note", entry.title + ": " + entry.action + ".", 1.0};
}

}  // namespace custintel::insight
