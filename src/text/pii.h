// PII masking: e-mails, phone numbers (international forms), card numbers (Luhn-checked),
// IBANs (mod-97-checked), IPv4/IPv6 addresses, recognisable street addresses and known
// customer names become typed placeholders ([EMAIL_1], [PHONE_1], [NAME_1] ...). The same
// value gets the same placeholder within one text. Unmask() restores the original.
//
// The mapping holds the raw PII: never log it, never put it in a prompt, never serialise it
// next to the masked text. Only counts per kind are meant for reports.
//
//   PiiMasked m = MaskPii("Mail jane@x.io or call +44 20 7946 0958", {.names = {"Jane Doe"}});
//   // m.text == "Mail [EMAIL_1] or call [PHONE_1]"
//   std::string back = Unmask(m.text, m.mapping);
//
// Thread safety: pure functions (compiled patterns are shared, immutable).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace custintel::text {

struct PiiOptions {
  std::vector<std::string> names;  // known customer names (full or partial), matched case-insensitively
  bool emails = true;
  bool phones = true;
  bool cards = true;
  bool ibans = true;
  bool ips = true;
  bool addresses = true;
};

struct PiiReplacement {
  std::string placeholder;  // e.g. "[EMAIL_1]"
  std::string original;     // the raw value: sensitive
};

struct PiiMasked {
  std::string text;                      // masked text
  std::vector<PiiReplacement> mapping;   // sensitive; see the file comment
  std::map<std::string, int> counts;     // kind ("EMAIL", "PHONE", ...) -> distinct values masked
};

PiiMasked MaskPii(std::string_view text, const PiiOptions& options = {});
std::string Unmask(std::string_view masked, const std::vector<PiiReplacement>& mapping);

// Checks used by the masker, exposed for tests.
bool LuhnValid(std::string_view digits);
bool IbanValid(std::string_view iban);  // spaces allowed

}  // namespace custintel::text
