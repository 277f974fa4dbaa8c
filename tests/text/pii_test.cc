#include "text/pii.h"

#include <gtest/gtest.h>

namespace custintel::text {
namespace {

TEST(Pii, MasksEmailsWithTypedPlaceholders) {
  PiiMasked m = MaskPii("write to jane.doe+x@mail.example.com or JOHN@x.io, again jane.doe+x@mail.example.com");
  EXPECT_EQ(m.text, "write to [EMAIL_1] or [EMAIL_2], again [EMAIL_1]");
  EXPECT_EQ(m.counts["EMAIL"], 2);
}

TEST(Pii, MasksInternationalPhoneNumbers) {
  for (const char* phone : {"+44 20 7946 0958", "+1 (415) 555-0132", "0049 30 1234567", "(555) 123-4567",
                            "555-123-4567", "+33612345678"}) {
    PiiMasked m = MaskPii(std::string("call ") + phone + " today");
    EXPECT_EQ(m.text, "call [PHONE_1] today") << phone;
  }
}

TEST(Pii, LeavesOrderNumbersAndDatesAlone) {
  PiiMasked m = MaskPii("order 12345678 placed 2024-01-15, ticket 88123");
  EXPECT_EQ(m.text, "order 12345678 placed 2024-01-15, ticket 88123");
}

TEST(Pii, CardNumbersNeedAValidLuhnChecksum) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_EQ(MaskPii("card 4111 1111 1111 1111 ok").text, "card [CARD_1] ok");
  EXPECT_EQ(MaskPii("card 4111-1111-1111-1111").text, "card [CARD_1]");
  EXPECT_EQ(MaskPii("ref 4111 1111 1111 1112").counts.count("CARD"), 0u);
}

TEST(Pii, IbansNeedAValidMod97Checksum) {
  EXPECT_TRUE(IbanValid("DE89 3704 0044 0532 0130 00"));
  EXPECT_TRUE(IbanValid("GB82WEST12345698765432"));
  EXPECT_FALSE(IbanValid("DE89 3704 0044 0532 0130 01"));
  EXPECT_EQ(MaskPii("pay to DE89 3704 0044 0532 0130 00 please").text, "pay to [IBAN_1] please");
  EXPECT_EQ(MaskPii("pay to GB82WEST12345698765431").counts.count("IBAN"), 0u);
}

TEST(Pii, MasksIpAddresses) {
  EXPECT_EQ(MaskPii("from 192.168.1.20 and 2001:db8::8a2e:370:7334").text, "from [IP_1] and [IP_2]");
  EXPECT_EQ(MaskPii("version 999.1.2.3").counts.count("IP"), 0u);
}

TEST(Pii, MasksRecognisableStreetAddresses) {
  EXPECT_EQ(MaskPii("ship to 221B Baker Street, London").text, "ship to [ADDRESS_1], London");
  EXPECT_EQ(MaskPii("send to 1600 Pennsylvania Ave, Apt 4").text, "send to [ADDRESS_1]");
  EXPECT_EQ(MaskPii("wohne Hauptstraße 12a in Berlin").text, "wohne [ADDRESS_1] in Berlin");
}

TEST(Pii, MasksKnownCustomerNames) {
  PiiOptions o;
  o.names = {"Jane Doe", "Bob Stone"};
  PiiMasked m = MaskPii("JANE DOE called; Jane said Bob Stone knows.", o);
  EXPECT_EQ(m.text, "[NAME_1] called; [NAME_3] said [NAME_2] knows.");
  // Lower-case parts are ordinary words and stay: "jane" alone is not masked.
  EXPECT_EQ(MaskPii("a jane of all trades", o).text, "a jane of all trades");
}

TEST(Pii, UnmaskRestoresTheOriginal) {
  PiiOptions o;
  o.names = {"Jane Doe"};
  std::string text = "Jane Doe (jane@x.io, +44 20 7946 0958) paid with 4111111111111111 from 10.0.0.1";
  PiiMasked m = MaskPii(text, o);
  EXPECT_EQ(m.text.find("jane@x.io"), std::string::npos);
  EXPECT_EQ(m.text.find("4111"), std::string::npos);
  EXPECT_EQ(Unmask(m.text, m.mapping), text);
}

}  // namespace
}  // namespace custintel::text
