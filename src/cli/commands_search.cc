// Commands of this area: search (issue 7 item 1). Registered from RegisterCommands.
//
//   custintel search "late delivery refund" [--db F] [--k N] [--source note|review|ticket]
//                    [--method hybrid|bm25|vector] [--json]
//
// Brings the database's retrieval index up to date (building it on the first search), then
// prints the top hits. The work is retrieval::Index; this file maps flags and prints.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "retrieval/index.h"
#include "store/ai/runtime.h"

namespace custintel::cli {
namespace {

constexpr size_t kExcerptBytes = 90;

struct SearchArgs {
  std::string query;
  int64_t k = 10;
  std::vector<std::string> sources;
  std::string method = "hybrid";
  bool json = false;
};

Result<retrieval::SearchOptions> ToOptions(const SearchArgs& a) {
  retrieval::SearchOptions o;
  if (a.k < 1) return Status::InvalidArgument("--k must be at least 1");
  o.k = static_cast<size_t>(a.k);
  for (const auto& s : a.sources) {
    if (s != "note" && s != "review" && s != "ticket") {
      return Status::InvalidArgument("--source '" + s + "' is not one of note, review, ticket");
    }
  }
  o.sources = a.sources;
  if (a.method == "hybrid") {
    o.method = retrieval::Method::kHybrid;
  } else if (a.method == "bm25") {
    o.method = retrieval::Method::kBm25;
  } else if (a.method == "vector") {
    o.method = retrieval::Method::kVector;
  } else {
    return Status::InvalidArgument("--method '" + a.method + "' is not one of hybrid, bm25, vector");
  }
  return o;
}

// The text on one line, cut at a character boundary near `max` bytes.
std::string Excerpt(const std::string& text, size_t max) {
  std::string line = text;
  for (char& c : line) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (line.size() <= max) return line;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return line.substr(0, cut) + "...";
}

std::string Rank(int rank) { return rank > 0 ? std::to_string(rank) : "-"; }

void PrintTable(const std::vector<retrieval::Hit>& hits) {
  if (hits.empty()) {
    std::cout << "no matching documents\n";
    return;
  }
  size_t id_width = 2;
  for (const auto& h : hits) id_width = std::max(id_width, h.id.size());
  std::cout << fmt::format("{:>8}  {:>5}  {:>6}  {:<{}}  {}\n", "score", "bm25", "vector", "id", id_width, "excerpt");
  for (const auto& h : hits) {
    std::cout << fmt::format("{:>8.4f}  {:>5}  {:>6}  {:<{}}  {}\n", h.score, Rank(h.bm25_rank), Rank(h.vector_rank),
                             h.id, id_width, Excerpt(h.text, kExcerptBytes));
  }
}

nlohmann::json HitsToJson(const std::vector<retrieval::Hit>& hits) {
  auto rank = [](int r) { return r > 0 ? nlohmann::json(r) : nlohmann::json(nullptr); };
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : hits) {
    out.push_back({{"id", h.id}, {"source", h.source}, {"score", h.score}, {"bm25_rank", rank(h.bm25_rank)},
                   {"vector_rank", rank(h.vector_rank)}, {"bm25_score", h.bm25_score},
                   {"vector_score", h.vector_score}, {"customer_id", h.customer_id},
                   {"product_id", h.product_id}, {"text", h.text}});
  }
  return out;
}

Status RunSearch(GlobalOptions& g, const SearchArgs& args) {
  auto options = ToOptions(args);
  if (!options.ok()) {
    g.usage_error = true;
    return options.status();
  }
  CI_ASSIGN_OR_RETURN(auto db, OpenDb(g, true));
  CI_ASSIGN_OR_RETURN(store::Connection conn, db->Connect());
  std::shared_ptr<store::AiRuntime> runtime = AiRuntimeOf(*db);
  if (!runtime) return Status::Internal("search: the database has no AI runtime");
  CI_ASSIGN_OR_RETURN(auto ai, runtime->Service());
  const std::string dir = retrieval::IndexDirFor(g.db);
  const bool first = !std::filesystem::exists(dir);
  if (first) std::cerr << "search: no retrieval index yet; building " << dir << "\n";
  CI_ASSIGN_OR_RETURN(retrieval::Index index, retrieval::Index::Open(conn, dir, ai));
  const retrieval::RefreshReport& report = index.last_refresh();
  if (report.changed()) std::cerr << report.ToString() << fmt::format(" in {:.2f} s\n", report.seconds);
  auto hits = index.Search(args.query, *options);
  if (!hits.ok()) {
    if (hits.status().code() == StatusCode::kInvalidArgument) g.usage_error = true;
    return hits.status();
  }
  if (args.json) {
    std::cout << HitsToJson(*hits).dump(2) << '\n';
  } else {
    PrintTable(*hits);
  }
  return Status::Ok();
}

}  // namespace

void RegisterSearchCommands(CLI::App& app, GlobalOptions& g, std::function<Status()>& action, AddCommonFn common) {
  static SearchArgs args;
  auto* cmd = app.add_subcommand("search", "find notes, reviews and tickets (BM25 + embeddings, fused by RRF)");
  common(cmd, &g);
  cmd->add_option("query", args.query, "what to look for, e.g. \"late delivery refund\"")->required();
  cmd->add_option("--k", args.k, "number of hits")->capture_default_str();
  cmd->add_option("--source", args.sources, "only this source: note, review or ticket; repeatable");
  cmd->add_option("--method", args.method, "hybrid (default), bm25 or vector")->capture_default_str();
  cmd->add_flag("--json", args.json, "print the hits as a JSON array");
  cmd->callback([&] { action = [&] { return RunSearch(g, args); }; });
}

}  // namespace custintel::cli
