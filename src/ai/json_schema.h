// The JSON-schema subset the AI layer speaks: DuckDB STRUCT type descriptions turned into JSON
// Schema (for ai_json), bare property maps read as object schemas, and validation of a model's
// answer against a schema. (How the builtin backend fills a schema: ai/builtin_json.h.)
//
// Supported keywords: type (object, array, string, number, integer, boolean, null, or a list),
// properties, required, additionalProperties: false, items, minItems, maxItems, minLength,
// maxLength (code points), enum, const. Anything else in a schema is ignored by validation
// (accepted), never rejected. This is the AI layer's one validator: the llama backend's
// JsonSchema (json_schema_subset.h) refuses unsupported keywords up front, then validates here.
//
//   auto schema = StructTypeToJsonSchema("STRUCT(label VARCHAR, score DOUBLE, tags VARCHAR[])");
//   Status ok = ValidateJson(*schema, nlohmann::json::parse(R"({"label":"x","score":1,"tags":[]})"));
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace custintel::ai {

// True when `text` is a DuckDB STRUCT type description ("STRUCT(...)", any case).
bool IsStructDescription(std::string_view text);
// JSON Schema for a STRUCT/LIST/scalar DuckDB type description. Every field is required.
Result<nlohmann::json> StructTypeToJsonSchema(std::string_view description);
// The `structure` argument of DuckDB's json_transform for the same description, which turns
// the JSON text into that STRUCT.
Result<nlohmann::json> StructTypeToJsonStructure(std::string_view description);
// Parses a schema argument: a STRUCT description, a JSON Schema document, or a bare map of
// properties ({"urgency": {"type": "string"}, ...}, no "type": "object"), which becomes an object
// schema requiring every property. A document with a schema keyword in its keyword shape
// ("type" a string or list, "properties" an object, ...) is a schema, not a map.
Result<nlohmann::json> ParseSchemaArgument(std::string_view schema);

// Ok when `value` satisfies `schema`; otherwise InvalidArgument naming the JSON path.
Status ValidateJson(const nlohmann::json& schema, const nlohmann::json& value);

}  // namespace custintel::ai
