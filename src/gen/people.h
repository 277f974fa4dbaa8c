// People: names, e-mail addresses, regions and account (company) slugs of synthetic customers.
// Names include some non-ASCII spellings (UTF-8) so loaders and maskers see them; e-mail
// addresses use reserved example domains only.
//
// Thread safety: pure functions of the caller's Rng.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/random.h"

namespace custintel::gen {

struct PersonName {
  std::string_view first, last;              // display (UTF-8)
  std::string_view first_ascii, last_ascii;  // for e-mail local parts and slugs
};

PersonName DrawName(Rng& rng);
// A last name alone (households share one).
PersonName DrawNameWithLast(Rng& rng, const PersonName& family);
std::string_view DrawRegion(Rng& rng);
// A company slug such as "bluepeak"; `first_customer` keeps it unique ("bluepeak-1041").
// The very first account of a shop is "acme".
std::string CompanySlug(Rng& rng, int64_t first_customer);
// "jane.doe1041@example.com", or at the company domain for business accounts.
std::string Email(const PersonName& name, int64_t customer_number, std::string_view company_slug);

}  // namespace custintel::gen
