#include "insight/grounding/facts.h"

#include <fmt/format.h>

#include <cmath>

#include "core/hash.h"
#include "core/money.h"

namespace custintel::insight {
namespace {

constexpr std::string_view kUnitNames[] = {"count", "money", "percent", "days", "score"};
constexpr std::string_view kSubjectNames[] = {"segment", "customer", "account", "run"};

// Rounds half away from zero and never prints "-0".
std::string Fixed(double v, int decimals) {
  double scale = std::pow(10.0, decimals);
  double r = std::round(v * scale) / scale;
  if (r == 0) r = 0;
  return fmt::format("{:.{}f}", r, decimals);
}

}  // namespace

std::string_view FactUnitName(FactUnit unit) { return kUnitNames[static_cast<int>(unit)]; }

Result<FactUnit> ParseFactUnit(std::string_view name) {
  for (size_t i = 0; i < std::size(kUnitNames); ++i) {
    if (kUnitNames[i] == name) return static_cast<FactUnit>(i);
  }
  return Status::InvalidArgument(fmt::format("unknown fact unit '{}' (count, money, percent, days, score)", name));
}

std::string_view SubjectKindName(SubjectKind kind) { return kSubjectNames[static_cast<int>(kind)]; }

std::string FormatFact(const Fact& fact) {
  const double v = fact.value;
  switch (fact.unit) {
    case FactUnit::kCount: return GroupedFixed(v, 0);
    case FactUnit::kMoney: return MoneyText(v, fact.currency, std::fabs(v) >= 100 ? 0 : 2);
    case FactUnit::kPercent: return Fixed(v * 100, 1) + "%";
    case FactUnit::kDays: {
      std::string d = Fixed(v, 0);
      return d + (d == "1" || d == "-1" ? " day" : " days");
    }
    case FactUnit::kScore: return Fixed(v, 2);
  }
  return Fixed(v, 2);
}

const Fact* FactSheet::Find(std::string_view name) const {
  for (const Fact& f : facts) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string FactSheet::InputHash() const {
  Sha256Builder h;
  h.Add(SubjectKindName(subject.kind)).Add(subject.id).Add(title);
  for (const Fact& f : facts) h.Add(f.name).Add(FactUnitName(f.unit)).Add(FormatFact(f));
  for (const Snippet& s : snippets) h.Add(s.id).Add(s.text);
  for (const std::string& e : entities) h.Add(e);
  return h.FinishHex();
}

nlohmann::json FactSheet::ToJson() const {
  nlohmann::json j = {{"subject", {{"kind", SubjectKindName(subject.kind)}, {"id", subject.id}}},
                      {"title", title},
                      {"facts", nlohmann::json::array()},
                      {"snippets", nlohmann::json::array()},
                      {"entities", entities}};
  for (const Fact& f : facts) {
    j["facts"].push_back({{"name", f.name}, {"value", f.value}, {"unit", FactUnitName(f.unit)},
                          {"label", f.label}, {"text", FormatFact(f)}});
    if (!f.currency.empty()) j["facts"].back()["currency"] = f.currency;
  }
  for (const Snippet& s : snippets) {
    j["snippets"].push_back({{"id", s.id}, {"source", s.source}, {"text", s.text}, {"score", s.score},
                               {"topic", s.topic}});
  }
  return j;
}

Result<FactSheet> FactSheet::FromJson(const nlohmann::json& j) {
  FactSheet sheet;
  try {
    std::string kind = j.at("subject").at("kind").get<std::string>();
    bool known = false;
    for (size_t i = 0; i < std::size(kSubjectNames); ++i) {
      if (kSubjectNames[i] == kind) sheet.subject.kind = static_cast<SubjectKind>(i), known = true;
    }
    if (!known) return Status::InvalidArgument("fact sheet: unknown subject kind '" + kind + "'");
    sheet.subject.id = j.at("subject").value("id", "");
    sheet.title = j.value("title", sheet.subject.id);
    for (const auto& f : j.value("facts", nlohmann::json::array())) {
      CI_ASSIGN_OR_RETURN(FactUnit unit, ParseFactUnit(f.value("unit", "count")));
      sheet.facts.push_back({f.at("name").get<std::string>(), f.at("value").get<double>(), unit, f.value("label", ""),
                             f.value("currency", "")});
    }
    for (const auto& s : j.value("snippets", nlohmann::json::array())) {
      sheet.snippets.push_back({s.at("id").get<std::string>(), s.value("source", ""), s.at("text").get<std::string>(),
                                s.value("score", 0.0), s.value("topic", "")});
    }
    sheet.entities = j.value("entities", std::vector<std::string>{});
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("fact sheet: ") + e.what());
  }
  return sheet;
}

}  // namespace custintel::insight
