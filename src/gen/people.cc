#include "gen/people.h"

#include <array>
#include <cctype>

namespace custintel::gen {
namespace {

struct Name {
  std::string_view display, ascii;
};

constexpr Name kFirst[] = {
    {"Olivia", "olivia"}, {"Liam", "liam"}, {"Emma", "emma"}, {"Noah", "noah"},
    {"Amelia", "amelia"}, {"Oliver", "oliver"}, {"Ava", "ava"}, {"Elijah", "elijah"},
    {"Sophia", "sophia"}, {"James", "james"}, {"Isabella", "isabella"}, {"William", "william"},
    {"Mia", "mia"}, {"Lucas", "lucas"}, {"Charlotte", "charlotte"}, {"Henry", "henry"},
    {"Harper", "harper"}, {"Mateo", "mateo"}, {"Evelyn", "evelyn"}, {"Benjamin", "benjamin"},
    {"Aisha", "aisha"}, {"Wei", "wei"}, {"Priya", "priya"}, {"Kenji", "kenji"},
    {"Fatima", "fatima"}, {"Diego", "diego"}, {"Ingrid", "ingrid"}, {"Tomás", "tomas"},
    {"José", "jose"}, {"Zoë", "zoe"}, {"Søren", "soren"}, {"Łukasz", "lukasz"},
    {"Chloé", "chloe"}, {"Björn", "bjorn"}, {"Anaïs", "anais"}, {"Nadia", "nadia"},
    {"Omar", "omar"}, {"Grace", "grace"}, {"Samuel", "samuel"}, {"Hannah", "hannah"},
    {"David", "david"}, {"Sara", "sara"}, {"Daniel", "daniel"}, {"Leah", "leah"},
    {"Joseph", "joseph"}, {"Maya", "maya"}, {"Ethan", "ethan"}, {"Nora", "nora"},
};

constexpr Name kLast[] = {
    {"Smith", "smith"}, {"Johnson", "johnson"}, {"Williams", "williams"}, {"Brown", "brown"},
    {"Jones", "jones"}, {"Garcia", "garcia"}, {"Miller", "miller"}, {"Davis", "davis"},
    {"Rodriguez", "rodriguez"}, {"Martinez", "martinez"}, {"Lee", "lee"}, {"Walker", "walker"},
    {"Hall", "hall"}, {"Allen", "allen"}, {"Young", "young"}, {"King", "king"},
    {"Wright", "wright"}, {"Scott", "scott"}, {"Green", "green"}, {"Baker", "baker"},
    {"Nguyen", "nguyen"}, {"Chen", "chen"}, {"Patel", "patel"}, {"Kim", "kim"},
    {"Tanaka", "tanaka"}, {"Okafor", "okafor"}, {"Müller", "muller"}, {"Schröder", "schroder"},
    {"Núñez", "nunez"}, {"Østergaard", "ostergaard"}, {"Kowalski", "kowalski"}, {"Dubois", "dubois"},
    {"Rossi", "rossi"}, {"Silva", "silva"}, {"Cohen", "cohen"}, {"Murphy", "murphy"},
    {"O'Brien", "obrien"}, {"Andersson", "andersson"}, {"Ivanova", "ivanova"}, {"Haddad", "haddad"},
};

constexpr std::string_view kCompanyA[] = {
    "blue", "north", "bright", "iron", "silver", "green", "rapid", "clear", "summit", "harbor",
    "cedar", "orbit", "prime", "lumen", "terra", "vertex", "maple", "nova", "atlas", "delta",
};
constexpr std::string_view kCompanyB[] = {
    "peak", "wind", "works", "labs", "field", "forge", "stone", "point", "wave", "bridge",
    "line", "grid", "path", "craft", "river", "logic", "trade", "systems", "foods", "retail",
};

constexpr std::string_view kRegions[] = {"us-east", "us-west", "canada", "uk", "eu", "apac", "latam"};
constexpr double kRegionWeights[] = {0.26, 0.2, 0.07, 0.12, 0.2, 0.1, 0.05};

constexpr std::string_view kConsumerDomains[] = {
    "example.com", "example.net", "example.org", "mail.example.com"};

template <class T, size_t N>
const T& PickOne(Rng& rng, const T (&items)[N]) {
  return items[rng.Below(N)];
}

}  // namespace

PersonName DrawName(Rng& rng) {
  const Name& f = PickOne(rng, kFirst);
  const Name& l = PickOne(rng, kLast);
  return {f.display, l.display, f.ascii, l.ascii};
}

PersonName DrawNameWithLast(Rng& rng, const PersonName& family) {
  const Name& f = PickOne(rng, kFirst);
  return {f.display, family.last, f.ascii, family.last_ascii};
}

std::string_view DrawRegion(Rng& rng) { return kRegions[rng.Pick(kRegionWeights)]; }

std::string CompanySlug(Rng& rng, int64_t first_customer) {
  const std::string_view a = PickOne(rng, kCompanyA);
  const std::string_view b = PickOne(rng, kCompanyB);
  if (first_customer == 0) return "acme";
  return std::string(a) + std::string(b) + "-" + std::to_string(first_customer + 1);
}

std::string Email(const PersonName& name, int64_t customer_number, std::string_view company_slug) {
  std::string out;
  out.reserve(48);
  out.append(name.first_ascii).push_back('.');
  out.append(name.last_ascii);
  out.append(std::to_string(customer_number)).push_back('@');
  if (company_slug.empty()) {
    out.append(kConsumerDomains[static_cast<size_t>(customer_number) % 4]);
  } else {
    out.append(company_slug).append(".example");
  }
  return out;
}

}  // namespace custintel::gen
