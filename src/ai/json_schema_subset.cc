#include "ai/json_schema_subset.h"

#include <nlohmann/json.hpp>

#include "ai/json_schema.h"

#include <set>

namespace custintel::ai {

using Json = nlohmann::json;

struct JsonSchema::Impl {
  Json schema;
};

namespace {

const std::set<std::string> kKeywords = {
    "type", "properties", "required", "additionalProperties", "enum", "items", "minItems",
    "maxItems", "minLength", "maxLength", "description", "title", "$schema"};
const std::set<std::string> kTypes = {"object", "array", "string", "number", "integer", "boolean", "null"};

Status Refuse(const std::string& path, const std::string& why) {
  return Status::InvalidArgument("json schema " + path + ": " + why);
}

Status CheckNode(const Json& s, const std::string& path);

Status CheckType(const Json& type, const std::string& path) {
  auto known = [](const Json& t) { return t.is_string() && kTypes.count(t.get<std::string>()) > 0; };
  if (known(type)) return Status::Ok();
  if (type.is_array() && !type.empty()) {
    for (const Json& t : type) {
      if (!known(t)) return Refuse(path, "type list holds " + t.dump() + ", not a JSON type name");
    }
    return Status::Ok();
  }
  return Refuse(path, "type " + type.dump() + " is not a JSON type name");
}

Status CheckCount(const Json& s, const char* key, const std::string& path) {
  if (s.contains(key) && !(s[key].is_number_integer() && s[key].get<int64_t>() >= 0)) {
    return Refuse(path, std::string(key) + " must be a non-negative integer");
  }
  return Status::Ok();
}

Status CheckNode(const Json& s, const std::string& path) {
  if (!s.is_object()) return Refuse(path, "a schema must be an object");
  for (const auto& [key, value] : s.items()) {
    if (!kKeywords.count(key)) return Refuse(path, "keyword '" + key + "' is not supported");
  }
  if (!s.contains("type") && !s.contains("enum")) return Refuse(path, "needs a type or an enum");
  if (s.contains("type")) CI_RETURN_IF_ERROR(CheckType(s["type"], path));
  if (s.contains("enum") && !(s["enum"].is_array() && !s["enum"].empty())) {
    return Refuse(path, "enum must be a non-empty array");
  }
  for (const char* key : {"minItems", "maxItems", "minLength", "maxLength"}) {
    CI_RETURN_IF_ERROR(CheckCount(s, key, path));
  }
  if (s.contains("additionalProperties") && !s["additionalProperties"].is_boolean()) {
    return Refuse(path, "additionalProperties must be true or false");
  }
  if (s.contains("required")) {
    if (!s["required"].is_array()) return Refuse(path, "required must be an array of names");
    for (const Json& r : s["required"]) {
      if (!r.is_string()) return Refuse(path, "required must be an array of names");
    }
  }
  if (s.contains("properties")) {
    if (!s["properties"].is_object()) return Refuse(path, "properties must be an object");
    for (const auto& [name, sub] : s["properties"].items()) CI_RETURN_IF_ERROR(CheckNode(sub, path + "." + name));
  }
  if (s.contains("items")) CI_RETURN_IF_ERROR(CheckNode(s["items"], path + "[]"));
  return Status::Ok();
}

}  // namespace

Result<JsonSchema> JsonSchema::Parse(const std::string& schema_text) {
  Json schema = Json::parse(schema_text, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) return Status::InvalidArgument("the json schema is not valid JSON");
  CI_RETURN_IF_ERROR(CheckNode(schema, "$"));
  JsonSchema out;
  out.text_ = schema_text;
  out.impl_ = std::make_shared<const Impl>(Impl{std::move(schema)});
  return out;
}

Status JsonSchema::Validate(std::string_view json_text) const {
  Json value = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Status::InvalidArgument("output is not valid JSON: " + std::string(json_text));
  return ValidateJson(impl_->schema, value);
}

}  // namespace custintel::ai
