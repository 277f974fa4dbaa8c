// JsonSchema: the subset of JSON Schema that the llama backend's generate_json supports
// (checked up front), validated by the AI layer's one validator (ai/json_schema.h ValidateJson).
//
// generate_json's promise is "the output parses and is valid for the schema"; the grammar makes
// it so and this validator proves it on every row (a failure is a bug, reported loudly).
//
// Supported keywords: type (object, array, string, number, integer, boolean, null, or a list of
// these), properties, required, additionalProperties (true/false), enum, items, minItems,
// maxItems, minLength, maxLength; description, title and $schema are ignored. Every schema node
// needs a type or an enum. Anything else is refused up front with the keyword's path, so the
// grammar llama.cpp builds and this validator always agree on what is valid.
//
//   CI_ASSIGN_OR_RETURN(JsonSchema s, JsonSchema::Parse(R"({"type":"object", ...})"));
//   CI_RETURN_IF_ERROR(s.Validate(R"({"label":"positive"})"));
//
// No nlohmann type appears here: llama.cpp vendors its own nlohmann copy, which the llama_*
// files that include this header see; the .cc (not a llama_* file) uses the system copy that
// json_schema.h speaks. Thread safety: immutable after Parse; Validate is const and reentrant.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace custintel::ai {

class JsonSchema {
 public:
  // Errors: InvalidArgument when the text is not JSON or uses an unsupported keyword.
  static Result<JsonSchema> Parse(const std::string& schema_text);

  // Ok when `json_text` parses and satisfies the schema; else InvalidArgument naming the
  // first offending path ("$.items[2].label: 'x' is not one of the enum values").
  Status Validate(std::string_view json_text) const;

  const std::string& text() const { return text_; }

 private:
  struct Impl;
  std::string text_;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace custintel::ai
