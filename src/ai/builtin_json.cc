#include "ai/builtin_json.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "ai/builtin_choose.h"
#include "ai/choose_scales.h"
#include "ai/json_schema.h"
#include "core/strings.h"
#include "text/analyzer.h"
#include "text/language.h"
#include "text/pii.h"

namespace custintel::ai {
namespace {

using nlohmann::json;

// The measures a property can name.
enum class Known {
  kSentiment, kScore, kRating, kEmotion, kUrgency, kCause, kTags, kThemes, kKeywords, kSummary,
  kResolution, kLanguage, kLanguageName, kPii, kYesNo
};

struct Measured {
  std::string text;
  text::Analysis analysis;  // with triage
};

bool Allows(const json& schema, std::string_view type) {
  auto it = schema.find("type");
  if (it == schema.end()) return type == "object" ? schema.contains("properties") : !schema.contains("properties");
  if (it->is_string()) return *it == type || (type == "number" && *it == "integer");
  if (it->is_array()) {
    for (const auto& t : *it) {
      if (t == type || (type == "number" && t == "integer")) return true;
    }
  }
  return false;
}

bool HasAny(const std::vector<std::string>& words, std::initializer_list<std::string_view> any) {
  for (const std::string& w : words) {
    for (std::string_view a : any) {
      if (w == a) return true;
    }
  }
  return false;
}

std::optional<Known> KnownField(const std::string& name, const json& schema) {
  const std::vector<std::string> w = Split(name, ' ');
  const bool boolean = Allows(schema, "boolean");
  if (HasAny(w, {"pii"}) || name == "contains personal data" || name == "personal data") return Known::kPii;
  if (HasAny(w, {"language", "lang", "locale"})) return HasAny(w, {"name"}) ? Known::kLanguageName : Known::kLanguage;
  if (HasAny(w, {"summary", "tldr", "synopsis", "gist", "abstract"})) return Known::kSummary;
  if (HasAny(w, {"resolution"}) || name.find("next step") != std::string::npos ||
      name == "recommended action" || name == "suggested action" || name == "suggested fix")
    return Known::kResolution;
  if (!w.empty() && HasAny({w.back()}, {"tags", "labels"})) return Known::kTags;
  if (!w.empty() && HasAny({w.back()}, {"themes", "topics", "aspects"})) return Known::kThemes;
  if (HasAny(w, {"keywords", "keyphrases", "phrases"})) return Known::kKeywords;
  if (boolean) {
    if (RecognizeScale(std::vector<std::string>{"yes", "no"}, name)) return Known::kYesNo;
    return std::nullopt;
  }
  if (HasAny(w, {"emotion", "mood", "feeling", "feelings"})) return Known::kEmotion;
  if (HasAny(w, {"urgency", "priority", "severity"})) return Known::kUrgency;
  if (HasAny(w, {"rating", "stars", "star"})) return Known::kRating;
  if (HasAny(w, {"sentiment", "tone", "polarity", "score"})) {
    return Allows(schema, "number") && !Allows(schema, "string") ? Known::kScore : Known::kSentiment;
  }
  if (HasAny(w, {"category", "cause", "topic", "reason", "theme"}) || name == "issue type" || name == "type of issue")
    return Known::kCause;
  return std::nullopt;
}

std::vector<std::string> EnumStrings(const json& schema) {
  std::vector<std::string> out;
  auto it = schema.find("enum");
  if (it == schema.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (!v.is_string()) return {};
    out.push_back(v.get<std::string>());
  }
  return out;
}

// Cuts `s` to at most `max` code points at a word boundary.
std::string CutToLength(const std::string& s, size_t max) {
  size_t points = 0, cut = s.size(), last_space = std::string::npos;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (points == max) {
      cut = i;
      break;
    }
    if (s[i] == ' ') last_space = i;
    ++points;
  }
  if (cut == s.size()) return s;
  return std::string(Trim(std::string_view(s).substr(0, last_space != std::string::npos ? last_space : cut)));
}

json StringList(const std::vector<std::string>& items, const json& schema) {
  std::vector<std::string> out;
  const json items_schema = schema.value("items", json::object());
  const std::vector<std::string> allowed = EnumStrings(items_schema);
  for (const std::string& s : items) {
    if (std::find(out.begin(), out.end(), s) != out.end()) continue;
    if (!allowed.empty()) {
      auto hit = std::find_if(allowed.begin(), allowed.end(),
                              [&](const std::string& a) { return NormalizeLabel(a) == NormalizeLabel(s); });
      if (hit == allowed.end()) continue;
      out.push_back(*hit);
    } else {
      out.push_back(s);
    }
  }
  if (schema.contains("maxItems") && out.size() > schema["maxItems"].get<size_t>()) out.resize(schema["maxItems"].get<size_t>());
  if (Allows(schema, "array")) return out;
  return Join(out, ", ");
}

// The value of a known measure in the shape `schema` asks for; nullopt with `why` set when the
// engine has it but not in that shape.
std::optional<json> ValueOf(Known k, const std::string& name, const json& schema, const Measured& m, std::string* why) {
  const text::Analysis& a = m.analysis;
  const text::TicketTriage& t = *a.triage;
  const bool str = Allows(schema, "string"), num = Allows(schema, "number"), arr = Allows(schema, "array");
  switch (k) {
    case Known::kSentiment:
      if (str) return a.label;
      if (num) return a.score;
      break;
    case Known::kScore:
      if (num) return a.score;
      break;
    case Known::kRating: {
      std::vector<std::string> stars = {"1", "2", "3", "4", "5"};
      const std::string got = BuiltinChooseFor("star rating", m.text, stars).label;
      if (num) return std::stoi(got);
      if (str) return got;
      break;
    }
    case Known::kEmotion:
      if (str) return std::string(text::ToString(t.sentiment));
      break;
    case Known::kUrgency:
      if (str) return std::string(text::ToString(t.urgency));
      break;
    case Known::kCause:
      if (str) return t.root_cause;
      break;
    case Known::kTags:
    case Known::kThemes:
    case Known::kKeywords: {
      std::vector<std::string> items;
      if (k == Known::kTags) items = t.tags;
      if (k == Known::kThemes) for (const auto& th : a.themes.themes) items.push_back(th.id);
      if (k == Known::kKeywords) items = a.themes.keyphrases;
      if (arr || str) return StringList(items, schema);
      break;
    }
    case Known::kSummary:
      if (str && a.summary.empty()) {
        *why = "the text has no sentence to summarise";
        return std::nullopt;
      }
      if (str) return schema.contains("maxLength") ? CutToLength(a.summary, schema["maxLength"].get<size_t>()) : a.summary;
      break;
    case Known::kResolution:
      if (str) return schema.contains("maxLength") ? CutToLength(t.suggested_resolution, schema["maxLength"].get<size_t>())
                                                   : t.suggested_resolution;
      break;
    case Known::kLanguage:
    case Known::kLanguageName: {
      text::DetectedLanguage lang = text::DetectLanguage(m.text);
      if (lang.code.empty()) {
        *why = "the text has too few words to tell its language";
        return std::nullopt;
      }
      if (str) return k == Known::kLanguage ? lang.code : lang.name;
      break;
    }
    case Known::kPii:
      if (Allows(schema, "boolean")) return !text::MaskPii(m.text).counts.empty();
      break;
    case Known::kYesNo:
      return BuiltinChooseFor(name, m.text, std::vector<std::string>{"yes", "no"}).label == "yes";
  }
  *why = fmt::format("the engine knows '{}' but not as {}", name, schema.value("type", json("this type")).dump());
  return std::nullopt;
}

// Fills one property, or says why not.
std::optional<json> FillProperty(const std::string& key, const json& schema, const Measured& m, const std::string& path,
                                 std::vector<std::string>* errors);

json FillObject(const json& schema, const Measured& m, const std::string& path, std::vector<std::string>* errors) {
  json out = json::object();
  std::vector<std::string> required;
  if (auto r = schema.find("required"); r != schema.end() && r->is_array()) {
    for (const auto& x : *r) if (x.is_string()) required.push_back(x.get<std::string>());
  }
  auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object()) return out;
  for (auto it = props->begin(); it != props->end(); ++it) {
    const std::string field_path = path.empty() ? it.key() : path + "." + it.key();
    const bool needed = std::find(required.begin(), required.end(), it.key()) != required.end();
    std::vector<std::string> inner;
    std::optional<json> v = FillProperty(it.key(), it.value(), m, field_path, &inner);
    if (v) {
      out[it.key()] = *v;
    } else if (needed) {
      errors->insert(errors->end(), inner.begin(), inner.end());
    }
  }
  for (const std::string& r : required) {
    if (!props->contains(r)) errors->push_back(fmt::format("'{}' (required but has no schema)", path.empty() ? r : path + "." + r));
  }
  return out;
}

std::optional<json> FillProperty(const std::string& key, const json& schema, const Measured& m, const std::string& path,
                                 std::vector<std::string>* errors) {
  if (!schema.is_object()) {
    errors->push_back(fmt::format("'{}' (its schema is not an object)", path));
    return std::nullopt;
  }
  if (Allows(schema, "object") && schema.contains("properties")) {
    const size_t before = errors->size();
    json v = FillObject(schema, m, path, errors);
    if (errors->size() > before) return std::nullopt;
    return v;
  }
  const std::string name = NormalizeLabel(key);
  std::string why;
  std::optional<json> value;
  const std::vector<std::string> choices = EnumStrings(schema);
  std::optional<Known> known = KnownField(name, schema);
  if (!choices.empty() && (known || RecognizeScale(choices, name))) {
    // An enum the engine can answer: a scale of its measures, or labels of a known property.
    value = BuiltinChooseFor(name, m.text, choices).label;
  } else if (known) {
    value = ValueOf(*known, name, schema, m, &why);
  } else {
    why = "no measure of that name";
  }
  if (value) {
    Status valid = ValidateJson(schema, *value);
    if (valid.ok()) return value;
    why = "the engine's value " + value->dump() + " does not fit: " + valid.message();
  }
  errors->push_back(fmt::format("'{}' ({})", path, why));
  return std::nullopt;
}

}  // namespace

Result<json> FillFromText(const json& schema, std::string_view prompt) {
  if (!schema.is_object() || !Allows(schema, "object") || !schema.contains("properties")) {
    return Status::InvalidArgument(
        "the builtin engine fills JSON objects whose properties it knows by name (sentiment, urgency, summary, "
        "tags, ...); this schema has no properties. Wrap the value in an object, e.g. {\"summary\": {\"type\": "
        "\"string\"}}, or give a model (--model FILE.gguf or --backend http)");
  }
  PromptParts parts = SplitTaskWords(prompt);
  Measured m;
  m.text = parts.text;
  text::AnalyzeOptions options;
  options.triage = true;
  m.analysis = text::Analyze(m.text, options);
  std::vector<std::string> errors;
  json out = FillObject(schema, m, "", &errors);
  if (!errors.empty()) {
    return Status::InvalidArgument(fmt::format(
        "the builtin engine cannot fill the required field{} {}; make {} optional, or give a model "
        "(--model FILE.gguf or --backend http)",
        errors.size() > 1 ? "s" : "", Join(errors, ", "), errors.size() > 1 ? "them" : "it"));
  }
  return out;
}

}  // namespace custintel::ai
