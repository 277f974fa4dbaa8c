// The builtin writer's segment, customer, account and run texts (writer_builtin.h).
#include "insight/writer_builtin.h"

#include <fmt/format.h>

#include "insight/drivers.h"
#include "insight/fact_builders_internal.h"

namespace custintel::insight {
namespace {

// What a text part adds: its sentences and the snippets they use.
struct Draft {
  std::vector<std::string> summary, drivers, actions;
  std::vector<std::string> cited;

  void Cite(const std::string& id) {
    if (std::find(cited.begin(), cited.end(), id) == cited.end()) cited.push_back(id);
  }
  WrittenText Finish() const {
    WrittenText w;
    std::vector<std::string> all = summary;
    all.insert(all.end(), drivers.begin(), drivers.end());
    all.insert(all.end(), actions.begin(), actions.end());
    for (const std::string& s : all) w.text += (w.text.empty() ? "" : " ") + s;
    w.parts = {{"summary", fmt::format("{}", fmt::join(summary, " "))}, {"drivers", drivers}, {"actions", actions}};
    w.cited = cited;
    return w;
  }
};

bool LabelSays(const Fact* f, std::string_view word) {
  return f && f->label.find(std::string(" ") + std::string(word) + " ") != std::string::npos;
}

// "theme_shipping_mentions" facts in sheet order, with the theme key and name.
struct ThemeFact {
  std::string key, name;
  const Fact* mentions;
  const Fact* negative;
};

std::vector<ThemeFact> Themes(const FactSheet& s) {
  std::vector<ThemeFact> out;
  const std::string prefix = "mentions of ", suffix = " in the segment's";
  for (const Fact& f : s.facts) {
    if (!f.name.starts_with("theme_") || !f.name.ends_with("_mentions")) continue;
    std::string key = f.name.substr(6, f.name.size() - 6 - 9);
    size_t end = f.label.find(suffix);
    std::string name = f.label.substr(prefix.size(), end - prefix.size());
    out.push_back({key, name, &f, s.Find("theme_" + key + "_negative_share")});
  }
  return out;
}

// "customers in the segment who bought X" facts: (product name, printed count).
std::vector<std::pair<std::string, std::string>> Products(const FactSheet& s) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string prefix = "customers in the segment who bought ";
  for (const Fact& f : s.facts) {
    if (f.name.starts_with("product_") && f.label.starts_with(prefix)) {
      out.emplace_back(f.label.substr(prefix.size()), FormatFact(f));
    }
  }
  return out;
}

bool HasSnippet(const FactSheet& s, const std::string& id) {
  for (const Snippet& sn : s.snippets) {
    if (sn.id == id) return true;
  }
  return false;
}

// The playbook action for `key` as a sentence, cited; false when the playbook lacks it.
bool AddAction(Draft& d, const Playbook& pb, const std::string& key, const std::string& lead = "") {
  const PlaybookEntry* e = pb.Find(key);
  if (!e || e->action.empty()) return false;
  d.actions.push_back(lead.empty() ? e->action + "." : lead + Uncapitalized(e->action) + ".");
  d.Cite("playbook:" + key);
  return true;
}

void SegmentWho(const FactSheet& s, Draft& d) {
  const std::string t = s.title, size = FactText(s, "size"), share = FactText(s, "share"),
                    rev = FactText(s, "revenue_share");
  if (rev.empty()) {  // no spend in the data (orders without amounts): no revenue, no lifetime value
    d.summary.push_back(fmt::format("{} has {} customers, {} of all customers.", t, size, share));
  } else {
    const std::string who[] = {
        fmt::format("{} has {} customers, {} of all customers, and brings {} of all revenue.", t, size, share, rev),
        fmt::format("{} counts {} customers ({} of all customers) who bring {} of all revenue.", t, size, share, rev),
        fmt::format("With {} customers, {} is {} of all customers and brings {} of all revenue.", size, t, share, rev)};
    d.summary.push_back(who[Variant(s.subject.id, 3)]);
  }
  const Fact* vs = s.Find("avg_ltv_vs_all");
  if (vs) d.summary.push_back(fmt::format(
      "Their average lifetime value (spend to date) is {}, {} {} the average of all customers, and their average "
      "predicted customer lifetime value is {}.",
      FactText(s, "avg_ltv"), FactText(s, "avg_ltv_vs_all"), LabelSays(vs, "above") ? "above" : "below",
      FactText(s, "avg_clv")));
  std::vector<std::string> items;
  for (const auto& [name, n] : Products(s)) items.push_back(fmt::format("{} ({} customers)", name, n));
  if (!items.empty()) {
    d.summary.push_back("The products bought by the most customers in the segment are " + JoinWords(items) + ".");
  }
}

void SegmentWhy(const FactSheet& s, Draft& d) {
  const Fact* vs = s.Find("avg_churn_risk_vs_all");
  d.drivers.push_back(fmt::format(
      "Their average churn risk is {}, {} {} the average of all customers, and on average {} have passed since "
      "their last order.",
      FactText(s, "avg_churn_risk"), FactText(s, "avg_churn_risk_vs_all"), LabelSays(vs, "above") ? "above" : "below",
      FactText(s, "avg_recency")));
  static const std::pair<const char*, const char*> kPrev[] = {
      {"size_vs_prev", "the number of customers in the segment"},
      {"avg_churn_risk_vs_prev", "the average churn risk"},
      {"avg_ltv_vs_prev", "the average lifetime value"}};
  for (const auto& [name, what] : kPrev) {
    const Fact* f = s.Find(name);
    if (!f) continue;
    d.drivers.push_back(fmt::format("Since the previous run, {} went {} by {}.", what,
                                    LabelSays(f, "up") ? "up" : "down", FormatFact(*f)));
  }
  std::vector<ThemeFact> themes = Themes(s);
  for (size_t i = 0; i < themes.size() && i < 2; ++i) {
    const ThemeFact& t = themes[i];
    std::string neg = t.negative ? FormatFact(*t.negative) : "";
    d.drivers.push_back(i == 0 ? fmt::format("The theme they raise most is {}, with {} mentions in their reviews and "
                                             "tickets, {} of them negative.", t.name, FormatFact(*t.mentions), neg)
                               : fmt::format("{} follows with {} mentions, {} of them negative.", t.name,
                                             FormatFact(*t.mentions), neg));
  }
}

// Most of the segment's customers are at risk of lapsing (gold.customer_scores.high_risk: status at_risk).
bool MostlyHighRisk(const FactSheet& s) {
  const Fact* high = s.Find("high_risk_share");
  return high && high->value >= 0.5;
}

void SegmentActions(const FactSheet& s, const Playbook& pb, Draft& d) {
  std::vector<ThemeFact> themes = Themes(s);
  if (!themes.empty() && HasSnippet(s, "playbook:" + themes[0].key)) {
    AddAction(d, pb, themes[0].key, "What might help: ");
  }
  // The note retrieval found for the top theme (fact_builders_segment.cc), cited by its id.
  for (const Snippet& sn : s.snippets) {
    if (themes.empty() || sn.source != "note" || sn.topic != themes[0].key) continue;
    const std::string note = sn.id.substr(sn.id.find(':') + 1);
    d.actions.push_back(fmt::format("For {}, follow note {}.", themes[0].name, note));
    d.Cite(sn.id);
    break;
  }
  std::string second = LabelSays(s.Find("avg_ltv_vs_all"), "above") ? "vip"
                       : MostlyHighRisk(s)                           ? "retention"
                                                                     : "crosssell";
  AddAction(d, pb, second, d.actions.empty() ? "What might help: " : "");
}

}  // namespace

WrittenText WriteSegmentBuiltin(const FactSheet& sheet, const Playbook& playbook) {
  Draft d;
  SegmentWho(sheet, d);
  SegmentWhy(sheet, d);
  SegmentActions(sheet, playbook, d);
  return d.Finish();
}

nlohmann::json SegmentProfile(const FactSheet& sheet) {
  nlohmann::json p = nlohmann::json::object();
  for (const Fact& f : sheet.facts) p[f.name] = FormatFact(f);
  nlohmann::json themes = nlohmann::json::array(), products = nlohmann::json::array();
  for (const ThemeFact& t : Themes(sheet)) themes.push_back(t.name);
  for (const auto& [name, n] : Products(sheet)) products.push_back(name);
  p["top_themes"] = themes;
  p["top_products"] = products;
  p["entities"] = sheet.entities;
  return p;
}

nlohmann::json SegmentStrategies(const FactSheet& sheet, const Playbook& playbook) {
  std::vector<std::string> keys;
  std::vector<ThemeFact> themes = Themes(sheet);
  if (!themes.empty()) keys.push_back(themes[0].key);
  if (LabelSays(sheet.Find("avg_ltv_vs_all"), "above")) keys.insert(keys.end(), {"vip", "loyalty"});
  if (MostlyHighRisk(sheet)) keys.insert(keys.end(), {"retention", "winback"});
  keys.insert(keys.end(), {"crosssell", "loyalty", "onboarding", "retention"});
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::string> used;
  for (const std::string& k : keys) {
    const PlaybookEntry* e = playbook.Find(k);
    if (!e || std::find(used.begin(), used.end(), k) != used.end() || out.size() == 3) continue;
    used.push_back(k);
    out.push_back({{"name", e->title}, {"description", e->action + "."}, {"expected_impact", e->expected_impact}});
  }
  return out;
}

WrittenText WriteCustomerBuiltin(const CustomerSheet& customer, const Playbook& playbook) {
  const FactSheet& s = customer.sheet;
  const CustomerContext& c = customer.context;
  Draft d;
  const std::string churn = FactText(s, "churn_risk");
  const std::string lead[] = {
      fmt::format("This customer belongs to {} and has a churn risk of {}.", c.segment, churn),
      fmt::format("With a churn risk of {}, this customer sits in {}.", churn, c.segment),
      fmt::format("This customer of {} has a churn risk of {}.", c.segment, churn)};
  d.summary.push_back(lead[Variant(c.customer_id, 3)]);
  std::string aov = FactText(s, "avg_order_value");
  const Fact* orders = s.Find("orders");
  if (s.Find("lifetime_value")) {
    d.summary.push_back(fmt::format("They placed {} {} worth {} in lifetime value (spend to date){}.",
                                    FactText(s, "orders"), orders && orders->value == 1 ? "order" : "orders",
                                    FactText(s, "lifetime_value"),
                                    aov.empty() ? "" : ", " + aov + " per order on average"));
  } else {  // the data has no amounts
    d.summary.push_back(fmt::format("They placed {} {}.", FactText(s, "orders"),
                                    orders && orders->value == 1 ? "order" : "orders"));
  }
  if (std::string r = FactText(s, "recency_days"); !r.empty()) {
    d.summary.push_back(fmt::format("Their last order was {} ago, after {} as a customer.", r, FactText(s, "tenure_days")));
  }
  int listed = 0;
  for (const std::string& f : c.drivers) {
    const Fact* fact = s.Find("driver_" + f);
    if (!fact || listed == 2) continue;
    ++listed;
    d.drivers.push_back(fmt::format("Churn risk is driven up by {} ({}).", DriverWords(f), FormatFact(*fact)));
  }
  if (!c.rebuy_product.empty()) d.summary.push_back(fmt::format("They rebuy {}.", c.rebuy_product));
  int acted = 0;
  for (const std::string& f : c.drivers) {
    if (acted < 2 && AddAction(d, playbook, f)) ++acted;
  }
  if (acted == 0) AddAction(d, playbook, c.high_risk ? "retention" : "crosssell");
  if (!c.liked_product.empty()) {
    d.actions.push_back(fmt::format("A product they would like: {}, from {}.", c.liked_product, c.liked_category));
  }
  return d.Finish();
}

WrittenText WriteAccountBuiltin(const FactSheet& sheet, const Playbook& playbook) {
  Draft d;
  d.summary.push_back(fmt::format("This account has {} customers with an average churn risk of {}, and {} of them are "
                                  "at risk of lapsing.",
                                  FactText(sheet, "customers"), FactText(sheet, "avg_churn_risk"),
                                  FactText(sheet, "high_risk")));
  if (sheet.Find("lifetime_value")) {
    d.summary.push_back(fmt::format("Its lifetime value (spend to date) is {}.", FactText(sheet, "lifetime_value")));
  }
  if (!sheet.entities.empty()) d.summary.push_back("Its customers belong to " + JoinWords(sheet.entities) + ".");
  const Fact* high = sheet.Find("high_risk");
  AddAction(d, playbook, high && high->value > 0 ? "retention" : "vip");
  return d.Finish();
}

WrittenText WriteRunBuiltin(const FactSheet& s) {
  Draft d;
  d.summary.push_back(fmt::format("This run scored {} customers, and {} of them ({}) are at risk of lapsing but "
                                  "still saveable.",
                                  FactText(s, "customers"), FactText(s, "high_risk"), FactText(s, "high_risk_share")));
  if (s.Find("value_at_stake")) {  // absent when the data has no amounts or CLV could not be fitted
    d.summary.push_back(fmt::format("The value at stake among them is {}.", FactText(s, "value_at_stake")));
  }
  if (s.Find("lapsed")) {
    d.summary.push_back(fmt::format("Another {} customers have already lapsed.", FactText(s, "lapsed")));
  }
  if (s.Find("avg_ltv")) {  // absent when the data has no amounts
    d.summary.push_back(fmt::format("The average lifetime value (spend to date) is {}.", FactText(s, "avg_ltv")));
  }
  if (s.Find("reviews") && s.Find("avg_rating")) {
    d.summary.push_back(fmt::format("Customers wrote {} reviews with an average review rating of {}, and {} support "
                                    "tickets are open.",
                                    FactText(s, "reviews"), FactText(s, "avg_rating"), FactText(s, "open_tickets")));
  }
  const Fact* largest = s.Find("largest_segment_size");
  const Fact* riskiest = s.Find("riskiest_segment_churn_risk");
  if (largest && riskiest) {
    std::string big = largest->label.substr(largest->label.rfind(", ") + 2),
                risky = riskiest->label.substr(riskiest->label.rfind(", ") + 2);
    d.drivers.push_back(fmt::format("The largest segment is {} with {} customers, and {} the highest average churn "
                                    "risk at {}.",
                                    big, FormatFact(*largest), risky == big ? "it also has" : risky + " has",
                                    FormatFact(*riskiest)));
  }
  for (const Fact& f : s.facts) {
    if (!f.name.ends_with("_change")) continue;
    const Fact* base = s.Find(f.name.substr(0, f.name.size() - 7));
    d.drivers.push_back(fmt::format("Since the previous run, the {} went {} by {}.", base ? base->label : f.name,
                                    LabelSays(&f, "up") ? "up" : "down", FormatFact(f)));
  }
  return d.Finish();
}

}  // namespace custintel::insight
