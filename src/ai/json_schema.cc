#include "ai/json_schema.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace custintel::ai {
namespace {

using nlohmann::json;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "a INT, b STRUCT(x INT, y INT)" at top-level commas.
std::vector<std::string_view> SplitTopLevel(std::string_view s) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (s[i] == ',' && depth == 0) {
      parts.push_back(TrimView(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (start < s.size()) parts.push_back(TrimView(s.substr(start)));
  return parts;
}

// One (schema, structure) pair per type; `depth` bounds recursion on hostile input.
Status ConvertType(std::string_view desc, int depth, json* schema, json* structure);

Status ConvertStruct(std::string_view body, int depth, json* schema, json* structure) {
  *schema = {{"type", "object"}, {"properties", json::object()}, {"required", json::array()},
             {"additionalProperties", false}};
  *structure = json::object();
  for (std::string_view field : SplitTopLevel(body)) {
    size_t sp = field.find_first_of(" \t\n");
    if (sp == std::string_view::npos) return Status::InvalidArgument(fmt::format("STRUCT field '{}' has no type", field));
    std::string name(TrimView(field.substr(0, sp)));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    json fs, fst;
    CI_RETURN_IF_ERROR(ConvertType(TrimView(field.substr(sp)), depth + 1, &fs, &fst));
    (*schema)["properties"][name] = fs;
    (*schema)["required"].push_back(name);
    (*structure)[name] = fst;
  }
  if ((*schema)["required"].empty()) return Status::InvalidArgument("STRUCT() has no fields");
  return Status::Ok();
}

Status ConvertScalar(const std::string& t, json* schema, json* structure) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {"VARCHAR", "string"}, {"TEXT", "string"},     {"STRING", "string"},   {"JSON", "string"},
      {"INTEGER", "integer"}, {"INT", "integer"},   {"BIGINT", "integer"},  {"SMALLINT", "integer"},
      {"TINYINT", "integer"}, {"HUGEINT", "integer"}, {"DOUBLE", "number"}, {"FLOAT", "number"},
      {"REAL", "number"},    {"DECIMAL", "number"},  {"BOOLEAN", "boolean"}, {"BOOL", "boolean"}};
  std::string base = t.substr(0, t.find('('));  // DECIMAL(10,2)
  for (const auto& [name, json_type] : kTypes) {
    if (base == name) {
      *schema = {{"type", json_type}};
      *structure = t;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("type '" + t + "' is not supported in ai_json (use VARCHAR, INTEGER, BIGINT, "
                                 "DOUBLE, BOOLEAN, T[] or STRUCT(...))");
}

Status ConvertType(std::string_view desc, int depth, json* schema, json* structure) {
  if (depth > 16) return Status::InvalidArgument("STRUCT description nests deeper than 16 levels");
  std::string t = Upper(TrimView(desc));
  if (t.size() > 2 && t.ends_with("[]")) {
    json is, ist;
    CI_RETURN_IF_ERROR(ConvertType(std::string_view(t).substr(0, t.size() - 2), depth + 1, &is, &ist));
    *schema = {{"type", "array"}, {"items", is}};
    *structure = json::array({ist});
    return Status::Ok();
  }
  if (t.starts_with("STRUCT")) {
    size_t open = desc.find('(');
    size_t close = desc.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
      return Status::InvalidArgument("STRUCT description is missing its parentheses: " + std::string(desc));
    }
    return ConvertStruct(desc.substr(open + 1, close - open - 1), depth, schema, structure);
  }
  return ConvertScalar(t, schema, structure);
}

bool TypeMatches(const std::string& type, const json& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<int64_t>(v.get<double>()));
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  return true;
}

Status Fail(const std::string& path, const std::string& what) {
  return Status::InvalidArgument(fmt::format("JSON at {}: {}", path.empty() ? "$" : path, what));
}

// Code points, not bytes: JSON Schema lengths count characters.
size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Status ValidateString(const json& schema, const std::string& v, const std::string& path) {
  const size_t n = Utf8Length(v);
  if (schema.contains("minLength") && n < schema["minLength"].get<size_t>()) return Fail(path, "is shorter than minLength");
  if (schema.contains("maxLength") && n > schema["maxLength"].get<size_t>()) return Fail(path, "is longer than maxLength");
  return Status::Ok();
}

Status Validate(const json& schema, const json& v, const std::string& path) {
  if (!schema.is_object()) return Status::Ok();
  if (auto it = schema.find("const"); it != schema.end() && *it != v) return Fail(path, "must be " + it->dump());
  if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
    if (std::find(it->begin(), it->end(), v) == it->end()) return Fail(path, "is not one of " + it->dump());
  }
  if (auto it = schema.find("type"); it != schema.end()) {
    bool ok = false;
    if (it->is_string()) ok = TypeMatches(it->get<std::string>(), v);
    if (it->is_array()) {
      for (const auto& t : *it) ok = ok || (t.is_string() && TypeMatches(t.get<std::string>(), v));
    }
    if (!ok) return Fail(path, "must be of type " + it->dump());
  }
  if (v.is_object()) {
    if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
      for (const auto& r : *req) {
        if (r.is_string() && !v.contains(r.get<std::string>())) return Fail(path, "misses required " + r.dump());
      }
    }
    const json* props = schema.contains("properties") ? &schema["properties"] : nullptr;
    const bool closed = schema.value("additionalProperties", json(true)) == json(false);
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props && props->contains(it.key())) {
        CI_RETURN_IF_ERROR(Validate((*props)[it.key()], it.value(), path + "." + it.key()));
      } else if (closed) {
        return Fail(path, "has the unexpected property \"" + it.key() + "\"");
      }
    }
  }
  if (v.is_array()) {
    if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>()) return Fail(path, "has too few items");
    if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>()) return Fail(path, "has too many items");
    if (auto items = schema.find("items"); items != schema.end()) {
      for (size_t i = 0; i < v.size(); ++i) CI_RETURN_IF_ERROR(Validate(*items, v[i], fmt::format("{}[{}]", path, i)));
    }
  }
  if (v.is_string()) return ValidateString(schema, v.get<std::string>(), path);
  return Status::Ok();
}

// Keywords that make a document a schema rather than a bare map of properties, with the shape
// each has as a keyword (a property named "type" is an object, the keyword a string or list).
bool HasSchemaKeyword(const json& doc) {
  auto is = [&](const char* key, auto&& shape) { return doc.contains(key) && shape(doc[key]); };
  return is("type", [](const json& v) { return v.is_string() || v.is_array(); }) ||
         is("properties", [](const json& v) { return v.is_object(); }) ||
         is("required", [](const json& v) { return v.is_array(); }) ||
         is("enum", [](const json& v) { return v.is_array(); }) ||
         is("items", [](const json& v) { return v.is_object(); }) ||
         is("additionalProperties", [](const json& v) { return v.is_boolean(); }) || doc.contains("const") ||
         doc.contains("$schema") || doc.contains("$ref") || doc.contains("anyOf") || doc.contains("oneOf") ||
         doc.contains("allOf");
}

// {"urgency": {"type": "string"}, "tags": {...}}: every value a schema of its own.
bool IsBarePropertiesMap(const json& doc) {
  if (!doc.is_object() || doc.empty() || HasSchemaKeyword(doc)) return false;
  return std::all_of(doc.begin(), doc.end(), [](const json& v) { return v.is_object(); });
}

}  // namespace

bool IsStructDescription(std::string_view text) {
  std::string t = Upper(TrimView(text));
  return t.starts_with("STRUCT") && t.find('(') != std::string::npos;
}

Result<json> StructTypeToJsonSchema(std::string_view description) {
  json schema, structure;
  CI_RETURN_IF_ERROR(ConvertType(description, 0, &schema, &structure));
  return schema;
}

Result<json> StructTypeToJsonStructure(std::string_view description) {
  json schema, structure;
  CI_RETURN_IF_ERROR(ConvertType(description, 0, &schema, &structure));
  return structure;
}

Result<json> ParseSchemaArgument(std::string_view schema) {
  if (IsStructDescription(schema)) return StructTypeToJsonSchema(schema);
  json parsed = json::parse(schema, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::InvalidArgument("schema is neither a JSON Schema object nor a STRUCT(...) description");
  }
  if (IsBarePropertiesMap(parsed)) {
    // The way SteadyText users write it: a map of properties, each one asked for.
    json required = json::array();
    for (auto it = parsed.begin(); it != parsed.end(); ++it) required.push_back(it.key());
    return json{{"type", "object"}, {"properties", parsed}, {"required", required}};
  }
  return parsed;
}

Status ValidateJson(const json& schema, const json& value) { return Validate(schema, value, ""); }

}  // namespace custintel::ai
