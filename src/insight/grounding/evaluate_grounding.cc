// The labelled set's loader and the evaluator's precision/recall (see evaluate_grounding.h).
#include "insight/grounding/evaluate_grounding.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/embedded.h"

namespace custintel::insight {
namespace {

constexpr const char* kEmbeddedSet = "insight/assets/grounding_eval.json";

struct Shop {
  EntityCatalog catalog;
  std::map<std::string, FactSheet> sheets;  // by subject id
};

Result<EntityCatalog> ParseCatalog(const nlohmann::json& j) {
  EntityCatalog c;
  try {
    c.segments = j.value("segments", std::vector<std::string>{});
    c.products = j.value("products", std::vector<std::string>{});
    c.themes = j.value("themes", std::vector<std::string>{});
    c.categories = j.value("categories", std::vector<std::string>{});
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("catalog: ") + e.what());
  }
  return c;
}

Result<std::map<std::string, Shop>> ParseShops(const nlohmann::json& j) {
  std::map<std::string, Shop> shops;
  if (!j.contains("shops") || !j["shops"].is_array()) return Status::InvalidArgument("no \"shops\" array");
  for (const auto& s : j["shops"]) {
    if (!s.contains("id") || !s["id"].is_string()) return Status::InvalidArgument("a shop has no \"id\"");
    std::string id = s["id"].get<std::string>();
    Shop shop;
    CI_ASSIGN_OR_RETURN(shop.catalog, ParseCatalog(s.value("catalog", nlohmann::json::object())));
    for (const auto& sj : s.value("sheets", nlohmann::json::array())) {
      Result<FactSheet> sheet = FactSheet::FromJson(sj);
      if (!sheet.ok()) return sheet.status().WithContext("shop '" + id + "'");
      shop.sheets[sheet->subject.id] = std::move(*sheet);
    }
    shops[id] = std::move(shop);
  }
  return shops;
}

Result<GroundingEvalCase> ParseCase(const nlohmann::json& c, const std::map<std::string, Shop>& shops, size_t i) {
  GroundingEvalCase out;
  out.id = c.value("id", fmt::format("case {}", i + 1));
  auto fail = [&](const std::string& why) { return Status::InvalidArgument(fmt::format("case '{}': {}", out.id, why)); };
  if (!c.contains("text") || !c["text"].is_string()) return fail("no \"text\"");
  out.text = c["text"].get<std::string>();
  out.note = c.value("note", "");
  auto shop = shops.find(c.value("shop", ""));
  if (shop == shops.end()) return fail(fmt::format("unknown shop '{}'", c.value("shop", "")));
  auto sheet = shop->second.sheets.find(c.value("subject", ""));
  if (sheet == shop->second.sheets.end()) return fail(fmt::format("shop '{}' has no sheet '{}'", shop->first, c.value("subject", "")));
  out.sheet = sheet->second;
  out.catalog = shop->second.catalog;
  if (c.contains("faults") && !c["faults"].is_array()) return fail("\"faults\" is not an array");
  for (const auto& f : c.value("faults", nlohmann::json::array())) {
    if (!f.is_string() || !FlagForFault(f.get<std::string>()).ok()) {
      return fail(fmt::format("unknown fault {} (one of wrong_number, wrong_subject_number, invented_entity, "
                              "unsupported_claim)", f.dump()));
    }
    out.faults.push_back(f.get<std::string>());
  }
  return out;
}

bool HasFlag(const GroundingEvalCaseResult& r, FlagKind k) {
  return std::find(r.flag_kinds.begin(), r.flag_kinds.end(), FlagKindName(k)) != r.flag_kinds.end();
}

bool CaughtBy(const GroundingEvalCaseResult& r, FlagKind k) {
  return std::any_of(r.faults.begin(), r.faults.end(), [&](const std::string& f) { return *FlagForFault(f) == k; });
}

double Ratio(int a, int b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; }

GroundingEvalCaseResult RunCase(const GroundingEvalCase& c, const GroundingOptions& options) {
  GroundingReport g = CheckGrounding(c.text, c.sheet, c.catalog, options);
  GroundingEvalCaseResult r{c.id, c.faults, g.passed, g.score, {}, ""};
  for (FlagKind k : {FlagKind::kNumber, FlagKind::kEntity, FlagKind::kUnsupported}) {
    if (std::any_of(g.flags.begin(), g.flags.end(), [&](const GroundingFlag& f) { return f.kind == k; })) {
      r.flag_kinds.emplace_back(FlagKindName(k));
    }
  }
  std::string text = g.FlagsText();
  r.first_flag = text.substr(0, text.find('\n'));
  return r;
}

void Score(GroundingEvalReport& rep) {
  for (const auto& r : rep.results) {
    bool faulty = !r.faults.empty(), flagged = !r.passed;
    rep.faulty += faulty;
    rep.grounded += !faulty;
    rep.true_positive += faulty && flagged;
    rep.false_positive += !faulty && flagged;
    rep.false_negative += faulty && !flagged;
    rep.true_negative += !faulty && !flagged;
  }
  rep.precision = Ratio(rep.true_positive, rep.true_positive + rep.false_positive);
  rep.recall = Ratio(rep.true_positive, rep.faulty);
  for (const std::string& fault : GroundingFaultKinds()) {
    FlagKind k = *FlagForFault(fault);
    FaultKindScore s{fault, std::string(FlagKindName(k))};
    for (const auto& r : rep.results) {
      bool has = std::find(r.faults.begin(), r.faults.end(), fault) != r.faults.end();
      bool flagged_k = !r.passed && HasFlag(r, k);
      s.cases += has;
      s.detected += has && flagged_k;
      s.flag_raised += has && HasFlag(r, k);
      s.flagged_with_flag += flagged_k;
      s.correct_flag += flagged_k && CaughtBy(r, k);
    }
    s.recall = Ratio(s.detected, s.cases);
    s.precision = Ratio(s.correct_flag, s.flagged_with_flag);
    s.flag_recall = Ratio(s.flag_raised, s.cases);
    rep.kinds.push_back(s);
  }
}

// Rows: the label (grounded or a fault kind); columns: passed, flagged, and each flag kind.
nlohmann::json Confusion(const GroundingEvalReport& rep) {
  nlohmann::json j = nlohmann::json::object();
  std::vector<std::string> rows = {"grounded"};
  rows.insert(rows.end(), GroundingFaultKinds().begin(), GroundingFaultKinds().end());
  for (const std::string& row : rows) j[row] = {{"passed", 0}, {"flagged", 0}, {"number", 0}, {"entity", 0}, {"unsupported", 0}};
  for (const auto& r : rep.results) {
    std::vector<std::string> labels = r.faults.empty() ? std::vector<std::string>{"grounded"} : r.faults;
    for (const std::string& l : labels) {
      j[l][r.passed ? "passed" : "flagged"] = j[l][r.passed ? "passed" : "flagged"].get<int>() + 1;
      for (const std::string& k : r.flag_kinds) j[l][k] = j[l][k].get<int>() + 1;
    }
  }
  return j;
}

}  // namespace

const std::vector<std::string>& GroundingFaultKinds() {
  static const std::vector<std::string> kKinds = {"wrong_number", "wrong_subject_number", "invented_entity",
                                                  "unsupported_claim"};
  return kKinds;
}

Result<FlagKind> FlagForFault(const std::string& fault) {
  if (fault == "wrong_number" || fault == "wrong_subject_number") return FlagKind::kNumber;
  if (fault == "invented_entity") return FlagKind::kEntity;
  if (fault == "unsupported_claim") return FlagKind::kUnsupported;
  return Status::InvalidArgument("unknown fault kind '" + fault + "'");
}

Result<GroundingEvalSet> ParseGroundingEvalSet(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("grounding set: not a JSON object");
  Result<std::map<std::string, Shop>> shops = ParseShops(j);
  if (!shops.ok()) return shops.status().WithContext("grounding set");
  if (!j.contains("cases") || !j["cases"].is_array() || j["cases"].empty()) {
    return Status::InvalidArgument("grounding set: no \"cases\" (an array of {id, shop, subject, text, faults})");
  }
  GroundingEvalSet set;
  for (size_t i = 0; i < j["cases"].size(); ++i) {
    Result<GroundingEvalCase> c = ParseCase(j["cases"][i], *shops, i);
    if (!c.ok()) return c.status().WithContext("grounding set");
    set.cases.push_back(std::move(*c));
  }
  return set;
}

Result<GroundingEvalSet> LoadGroundingEvalSet(const std::string& path) {
  std::string text;
  if (path.empty()) {
    std::optional<std::string_view> embedded = embedded::Find(kEmbeddedSet);
    if (!embedded) return Status::Internal(std::string(kEmbeddedSet) + " is not compiled into this binary");
    text = std::string(*embedded);
  } else {
    std::ifstream in(path);
    if (!in) return Status::NotFound("cannot read the grounding set '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("grounding set '" + (path.empty() ? kEmbeddedSet : path) + "' is not valid JSON");
  return ParseGroundingEvalSet(j);
}

GroundingEvalReport EvaluateGrounding(const GroundingEvalSet& set, const GroundingOptions& options) {
  GroundingEvalReport rep;
  rep.cases = static_cast<int>(set.cases.size());
  for (const GroundingEvalCase& c : set.cases) rep.results.push_back(RunCase(c, options));
  Score(rep);
  return rep;
}

nlohmann::json GroundingEvalReport::ToJson() const {
  nlohmann::json j = {{"cases", cases},           {"grounded", grounded},
                      {"faulty", faulty},         {"precision", precision},
                      {"recall", recall},         {"true_positive", true_positive},
                      {"false_positive", false_positive}, {"true_negative", true_negative},
                      {"false_negative", false_negative}, {"kinds", nlohmann::json::object()},
                      {"confusion", Confusion(*this)},    {"misses", nlohmann::json::array()}};
  for (const FaultKindScore& k : kinds) {
    j["kinds"][k.fault] = {{"flag", k.flag}, {"cases", k.cases}, {"detected", k.detected}, {"recall", k.recall},
                           {"precision", k.precision}, {"flagged_with_flag", k.flagged_with_flag},
                           {"flag_raised", k.flag_raised}, {"flag_recall", k.flag_recall}};
  }
  for (const auto& r : results) {
    bool wrong = r.faults.empty() ? !r.passed : r.passed;
    if (wrong) j["misses"].push_back({{"id", r.id}, {"faults", r.faults}, {"passed", r.passed}, {"score", r.score},
                                      {"flags", r.flag_kinds}, {"first_flag", r.first_flag}});
  }
  return j;
}

std::string GroundingEvalReport::ToText() const {
  std::string out = fmt::format("grounding evaluator on {} cases ({} grounded, {} with faults)\n\n", cases, grounded, faulty);
  out += fmt::format("{:<22} {:>6} {:>9} {:>7} {:>10} {:>12}  flag\n", "fault", "cases", "detected", "recall",
                     "precision", "flag raised");
  for (const FaultKindScore& k : kinds) {
    out += fmt::format("{:<22} {:>6} {:>9} {:>7.3f} {:>10.3f} {:>12.3f}  {}\n", k.fault, k.cases, k.detected, k.recall,
                       k.precision, k.flag_recall, k.flag);
  }
  out += fmt::format("{:<22} {:>6} {:>9} {:>7.3f} {:>10.3f}\n\n", "overall", faulty, true_positive, recall, precision);
  out += "confusion (rows: label; columns: verdict and flag kinds raised)\n";
  out += fmt::format("{:<22} {:>7} {:>8} {:>7} {:>7} {:>12}\n", "", "passed", "flagged", "number", "entity", "unsupported");
  nlohmann::json c = Confusion(*this);
  for (const auto& [row, v] : c.items()) {
    out += fmt::format("{:<22} {:>7} {:>8} {:>7} {:>7} {:>12}\n", row, v["passed"].get<int>(), v["flagged"].get<int>(),
                       v["number"].get<int>(), v["entity"].get<int>(), v["unsupported"].get<int>());
  }
  int misses = 0;
  for (const auto& r : results) misses += (r.faults.empty() ? !r.passed : r.passed) ? 1 : 0;
  out += fmt::format("\nmisclassified cases: {} (--json lists them). recall counts a case when its text failed "
                     "with the matching flag; 'flag raised' when the flag was raised at all.\n", misses);
  return out;
}

}  // namespace custintel::insight
