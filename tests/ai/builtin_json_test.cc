// The builtin engine's generate_json (issue 21): bare properties maps and full schemas are
// filled from the text engine's measures, or refused with an error naming each field it cannot
// fill — never a placeholder.
#include <gtest/gtest.h>

#include "ai/builtin_backend.h"
#include "ai/builtin_json.h"
#include "ai/json_schema.h"

namespace custintel::ai {
namespace {

using nlohmann::json;

json Fill(const std::string& schema_text, const std::string& prompt) {
  auto schema = ParseSchemaArgument(schema_text);
  EXPECT_TRUE(schema.ok()) << schema.status().message();
  auto filled = FillFromText(*schema, prompt);
  EXPECT_TRUE(filled.ok()) << filled.status().message();
  if (!filled.ok()) return json();
  EXPECT_TRUE(ValidateJson(*schema, *filled).ok()) << filled->dump();
  return *filled;
}

std::string FillError(const std::string& schema_text, const std::string& prompt) {
  auto schema = ParseSchemaArgument(schema_text);
  EXPECT_TRUE(schema.ok()) << schema.status().message();
  auto filled = FillFromText(*schema, prompt);
  EXPECT_FALSE(filled.ok()) << filled->dump();
  return filled.ok() ? "" : filled.status().message();
}

bool Contains(const json& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

const char* kTicket =
    "Extract the fields from this support ticket:\nHi, my email is jane.doe@example.com. I was charged twice for "
    "order 1182 and nobody answers my emails. Please refund me immediately!";

TEST(BuiltinJson, ABarePropertiesMapIsAnObjectSchema) {
  auto schema = ParseSchemaArgument(R"({"urgency": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}})");
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ((*schema)["type"], "object");
  EXPECT_EQ((*schema)["required"], json::array({"tags", "urgency"}));
  // A property named like a keyword, with an object value, is still a property.
  auto typed = ParseSchemaArgument(R"({"type": {"type": "string"}, "summary": {"type": "string"}})");
  ASSERT_TRUE(typed.ok());
  EXPECT_TRUE((*typed)["properties"].contains("type"));
  // Real schemas stay as they are.
  auto full = ParseSchemaArgument(R"({"type": "object", "properties": {"a": {"type": "string"}}})");
  EXPECT_FALSE(full->contains("required"));
  auto scalar = ParseSchemaArgument(R"({"type": "string"})");
  EXPECT_EQ((*scalar)["type"], "string");
}

TEST(BuiltinJson, FillsEveryFieldItKnowsFromABareMap) {
  json j = Fill(R"({
      "sentiment": {"type": "string", "enum": ["positive", "neutral", "negative"]},
      "emotion": {"type": "string"},
      "urgency": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
      "priority": {"type": "string"},
      "category": {"type": "string"},
      "root_cause": {"type": "string"},
      "tags": {"type": "array", "items": {"type": "string"}},
      "themes": {"type": "array", "items": {"type": "string"}},
      "keywords": {"type": "array", "items": {"type": "string"}},
      "summary": {"type": "string"},
      "follow_up_needed": {"type": "boolean"},
      "refund_requested": {"type": "boolean"},
      "suggested_resolution": {"type": "string"},
      "language": {"type": "string"},
      "contains_pii": {"type": "boolean"},
      "sentiment_score": {"type": "number"}
    })",
                kTicket);
  EXPECT_EQ(j["sentiment"], "negative");
  EXPECT_TRUE(j["emotion"] == "angry" || j["emotion"] == "frustrated") << j.dump();
  EXPECT_TRUE(j["urgency"] == "high" || j["urgency"] == "critical") << j.dump();
  EXPECT_EQ(j["priority"], j["urgency"]);
  EXPECT_EQ(j["category"], "billing");
  EXPECT_EQ(j["root_cause"], "billing");
  EXPECT_TRUE(Contains(j["tags"], "refund_request")) << j.dump();
  EXPECT_TRUE(Contains(j["themes"], "billing")) << j.dump();
  EXPECT_FALSE(j["keywords"].empty());
  EXPECT_NE(j["summary"].get<std::string>().find("charged twice"), std::string::npos) << j.dump();
  EXPECT_EQ(j["follow_up_needed"], true);
  EXPECT_EQ(j["refund_requested"], true);
  EXPECT_NE(j["suggested_resolution"].get<std::string>().find("charges"), std::string::npos) << j.dump();
  EXPECT_EQ(j["language"], "en");
  EXPECT_EQ(j["contains_pii"], true);
  EXPECT_LT(j["sentiment_score"].get<double>(), 0);
  // The instruction is not part of what is analysed.
  EXPECT_EQ(j["summary"].get<std::string>().find("Extract"), std::string::npos);
}

TEST(BuiltinJson, FullSchemasWithNestingEnumsAndLimits) {
  json j = Fill(R"({
      "type": "object", "additionalProperties": false,
      "required": ["triage", "summary"],
      "properties": {
        "triage": {"type": "object", "required": ["mood", "needs_escalation"], "properties": {
          "mood": {"type": "string", "enum": ["Angry", "Frustrated", "Neutral", "Satisfied", "Happy"]},
          "needs_escalation": {"type": "boolean"},
          "topic": {"type": "string", "enum": ["Shipping", "Billing", "Account", "Other"]}}},
        "summary": {"type": "string", "maxLength": 40},
        "rating": {"type": "integer"},
        "order_total": {"type": "number"}
      }})",
                "The parcel never arrived, tracking has been stuck for two weeks. I want to speak to a manager.");
  EXPECT_TRUE(j["triage"]["mood"] == "Frustrated" || j["triage"]["mood"] == "Angry") << j.dump();
  EXPECT_EQ(j["triage"]["needs_escalation"], true);
  EXPECT_EQ(j["triage"]["topic"], "Shipping");
  EXPECT_LE(j["summary"].get<std::string>().size(), 40u);
  EXPECT_LE(j["rating"].get<int>(), 2);
  // Optional and unknown: left out rather than invented.
  EXPECT_FALSE(j.contains("order_total"));

  json de = Fill(R"({"language": {"type": "string"}, "language_name": {"type": "string"}})",
                 "Die Lieferung kam zu spät und der Karton war kaputt, ich bin sehr enttäuscht.");
  EXPECT_EQ(de["language"], "de");
  EXPECT_EQ(de["language_name"], "German");

  json stars = Fill(R"({"stars": {"type": "integer", "enum": [1, 2, 3, 4, 5]}, "tone": {"type": "string", "enum": ["good", "bad"]}})",
                    "Absolutely love it, best purchase this year!");
  EXPECT_GE(stars["stars"].get<int>(), 4);
  EXPECT_EQ(stars["tone"], "good");
}

TEST(BuiltinJson, RequiredFieldsItCannotFillAreNamedInOneError) {
  std::string err = FillError(R"({"customer_name": {"type": "string"}, "order_total": {"type": "number"},
                                  "sentiment": {"type": "string"}})",
                              "I was charged twice");
  EXPECT_NE(err.find("'customer_name' (no measure of that name)"), std::string::npos) << err;
  EXPECT_NE(err.find("'order_total' (no measure of that name)"), std::string::npos) << err;
  EXPECT_EQ(err.find("'sentiment'"), std::string::npos) << err;
  EXPECT_NE(err.find("required fields"), std::string::npos) << err;
  // Known by name, not in that type.
  err = FillError(R"({"type": "object", "required": ["urgency"], "properties": {"urgency": {"type": "integer"}}})", "help");
  EXPECT_NE(err.find("'urgency' (the engine knows 'urgency' but not as \"integer\")"), std::string::npos) << err;
  // Nested paths are named in full.
  err = FillError(R"({"meta": {"type": "object", "required": ["owner"], "properties": {"owner": {"type": "string"}}}})",
                  "help");
  EXPECT_NE(err.find("'meta.owner'"), std::string::npos) << err;
  // A language it cannot tell.
  err = FillError(R"({"language": {"type": "string"}})", "ok");
  EXPECT_NE(err.find("too few words to tell its language"), std::string::npos) << err;
  // A bare value schema has no names to go by.
  auto scalar = FillFromText(json{{"type", "string"}}, "text");
  ASSERT_FALSE(scalar.ok());
  EXPECT_NE(scalar.status().message().find("Wrap the value in an object"), std::string::npos);
}

TEST(BuiltinJson, TheBackendAnswersEachRowOrItsError) {
  BuiltinBackend b;
  std::vector<std::string> prompts = {"Great service, thank you!", "The app crashes on start"};
  auto ok = b.GenerateJson(prompts, R"({"sentiment": {"type": "string"}, "is_bug": {"type": "boolean"}})", {});
  ASSERT_TRUE(ok[0].ok() && ok[1].ok());
  EXPECT_EQ(json::parse(ok[0]->text)["is_bug"], false);
  EXPECT_EQ(json::parse(ok[1]->text)["is_bug"], true);
  auto bad = b.GenerateJson(prompts, R"({"invoice_id": {"type": "string"}})", {});
  ASSERT_FALSE(bad[0].ok());
  EXPECT_NE(bad[0].status().message().find("'invoice_id'"), std::string::npos);
}

}  // namespace
}  // namespace custintel::ai
