#include "core/config.h"

#include <fmt/format.h>

#include <filesystem>
// Errors as values, not exceptions (the door to toml++ is this file only).
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "core/embedded.h"
#include "core/strings.h"

namespace custintel {
namespace {

Status ParseSegments(const toml::table& root, const std::string& source, Config* config) {
  const toml::node* node = root.get("segments");
  if (!node) return Status::Ok();
  const toml::array* arr = node->as_array();
  if (!arr) return Status::InvalidArgument(source + ": 'segments' must be an array of tables ([[segments]])");
  std::vector<SegmentRule> rules;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::table* t = arr->get(i)->as_table();
    auto name = t ? t->get_as<std::string>("name") : nullptr;
    auto when = t ? t->get_as<std::string>("when") : nullptr;
    if (!name || !when) {
      return Status::InvalidArgument(
          fmt::format("{}: segments[{}] needs both name = \"...\" and when = \"<SQL predicate>\"", source, i));
    }
    rules.push_back({name->get(), when->get()});
  }
  if (rules.empty()) return Status::InvalidArgument(source + ": segments is empty");
  config->segments = std::move(rules);
  return Status::Ok();
}

// Reads key `k` of table `t` into *out when present; a value of the wrong type is an error.
template <class T, class Out>
Status ReadKey(const toml::table& t, const char* k, const std::string& where, Out* out) {
  const toml::node* n = t.get(k);
  if (!n) return Status::Ok();
  auto v = n->value<T>();
  if (!v) return Status::InvalidArgument(fmt::format("{}.{} has the wrong type", where, k));
  *out = static_cast<Out>(*v);
  return Status::Ok();
}

Status ParseServer(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* t = root["server"].as_table();
  if (!t) return Status::Ok();
  ServerConfig& s = config->server;
  std::string w = source + ": server";
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "host", w, &s.host));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "port", w, &s.port));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "threads", w, &s.threads));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "keep_alive_max_requests", w, &s.keep_alive_max_requests));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "keep_alive_timeout_s", w, &s.keep_alive_timeout_s));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "max_body_bytes", w, &s.max_body_bytes));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "read_timeout_s", w, &s.read_timeout_s));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "write_timeout_s", w, &s.write_timeout_s));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "request_timeout_s", w, &s.request_timeout_s));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "response_cache_bytes", w, &s.response_cache_bytes));
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "default_tier", w, &s.default_tier));
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "operator_token_env", w, &s.operator_token_env));
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "assets_dir", w, &s.assets_dir));
  if (s.port < 0 || s.port > 65535 || s.threads < 1 || s.max_body_bytes < 1 || s.response_cache_bytes < 0 ||
      s.keep_alive_max_requests < 1 || s.keep_alive_timeout_s < 1) {
    return Status::InvalidArgument(w + ": port must be 0..65535, threads, max_body_bytes, keep_alive_max_requests "
                                   "and keep_alive_timeout_s positive, response_cache_bytes not negative");
  }
  return Status::Ok();
}

Status ParseTiers(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* tiers = root["tiers"].as_table();
  if (!tiers) return Status::Ok();
  for (const auto& [name, node] : *tiers) {
    const toml::table* t = node.as_table();
    std::string w = fmt::format("{}: tiers.{}", source, name.str());
    if (!t) return Status::InvalidArgument(w + " must be a table ([tiers." + std::string(name.str()) + "])");
    TierConfig tier = config->tiers[std::string(name.str())];
    CI_RETURN_IF_ERROR(ReadKey<double>(*t, "requests_per_second", w, &tier.requests_per_second));
    CI_RETURN_IF_ERROR(ReadKey<double>(*t, "burst", w, &tier.burst));
    CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "ai_calls_per_day", w, &tier.ai_calls_per_day));
    if (!(tier.requests_per_second > 0) || !(tier.burst >= 1) || tier.ai_calls_per_day < 0) {
      return Status::InvalidArgument(w + ": requests_per_second must be > 0, burst >= 1, ai_calls_per_day >= 0");
    }
    config->tiers[std::string(name.str())] = tier;
  }
  return Status::Ok();
}

Status ParseRefresh(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* t = root["refresh"].as_table();
  if (!t) return Status::Ok();
  return ReadKey<std::string>(*t, "schedule", source + ": refresh", &config->refresh.schedule);
}

Status ParsePipeline(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* t = root["pipeline"].as_table();
  if (!t) return Status::Ok();
  double& share = config->pipeline.max_changed_share;
  CI_RETURN_IF_ERROR(ReadKey<double>(*t, "max_changed_share", source + ": pipeline", &share));
  if (!(share >= 0 && share <= 1)) {
    return Status::InvalidArgument(source + ": pipeline: max_changed_share must be between 0 and 1");
  }
  return Status::Ok();
}

Status ParseChurn(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* t = root["churn"].as_table();
  if (!t) return Status::Ok();
  double& high = config->churn.high_risk;
  CI_RETURN_IF_ERROR(ReadKey<double>(*t, "high_risk", source + ": churn", &high));
  if (!(high > 0 && high < 1)) {
    return Status::InvalidArgument(source +
                                   ": churn: high_risk must be a churn probability between 0 and 1 (exclusive)");
  }
  const toml::table* st = (*t)["status"].as_table();
  if (!st) return Status::Ok();
  CustomerStatusConfig& c = config->churn.status;
  const std::string where = source + ": churn.status";
  CI_RETURN_IF_ERROR(ReadKey<double>(*st, "at_risk_quantile", where, &c.at_risk_quantile));
  CI_RETURN_IF_ERROR(ReadKey<double>(*st, "lapsed_quantile", where, &c.lapsed_quantile));
  CI_RETURN_IF_ERROR(ReadKey<double>(*st, "lapsed_p_alive", where, &c.lapsed_p_alive));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*st, "new_days", where, &c.new_days));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*st, "min_gaps", where, &c.min_gaps));
  if (!(c.at_risk_quantile > 0 && c.at_risk_quantile < c.lapsed_quantile && c.lapsed_quantile < 1)) {
    return Status::InvalidArgument(where + ": need 0 < at_risk_quantile < lapsed_quantile < 1 (got " +
                                   std::to_string(c.at_risk_quantile) + " and " + std::to_string(c.lapsed_quantile) +
                                   ")");
  }
  if (!(c.lapsed_p_alive >= 0 && c.lapsed_p_alive < 1)) {
    return Status::InvalidArgument(where + ": lapsed_p_alive must be a probability in [0, 1)");
  }
  if (c.new_days < 0 || c.min_gaps < 1) {
    return Status::InvalidArgument(where + ": new_days must be >= 0 and min_gaps >= 1");
  }
  return Status::Ok();
}

// A list of non-empty strings, lower-cased (statuses match ignoring case).
Status ReadWords(const toml::table& t, const char* k, const std::string& where, std::vector<std::string>* out) {
  const toml::node* n = t.get(k);
  if (!n) return Status::Ok();
  const toml::array* arr = n->as_array();
  if (!arr) return Status::InvalidArgument(fmt::format("{}.{} must be a list of strings", where, k));
  std::vector<std::string> words;
  for (const auto& item : *arr) {
    auto v = item.value<std::string>();
    std::string word = v ? ToLower(Trim(*v)) : "";
    if (word.empty()) return Status::InvalidArgument(fmt::format("{}.{} must be a list of non-empty strings", where, k));
    words.push_back(std::move(word));
  }
  *out = std::move(words);
  return Status::Ok();
}

Status ParseOrders(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* t = root["orders"].as_table();
  if (!t) return Status::Ok();
  OrdersConfig& o = config->orders;
  const std::string w = source + ": orders";
  CI_RETURN_IF_ERROR(ReadWords(*t, "purchase_statuses", w, &o.purchase_statuses));
  CI_RETURN_IF_ERROR(ReadWords(*t, "excluded_statuses", w, &o.excluded_statuses));
  std::string unknown = o.unknown_is_purchase ? "purchase" : "excluded";
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "unknown_statuses", w, &unknown));
  if (unknown != "purchase" && unknown != "excluded") {
    return Status::InvalidArgument(w + ".unknown_statuses '" + unknown + "' is not one of purchase, excluded");
  }
  o.unknown_is_purchase = unknown == "purchase";
  return Status::Ok();
}

// The hour for dates-only data may not fall in the quiet hours (same rule as QuietHours::Contains):
// one set explicitly there is an error; the default moves to the hour the quiet hours end.
Status CheckDefaultHour(NotificationsConfig& n, bool explicit_hour, const std::string& where) {
  const int h = n.default_hour, a = n.quiet_start, b = n.quiet_end;
  const bool quiet = a != b && (a < b ? (h >= a && h < b) : (h >= a || h < b));
  if (!quiet) return Status::Ok();
  if (!explicit_hour) {
    n.default_hour = b;
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("{}.default_hour {} lies inside the quiet hours {:02d}:00-{:02d}:00",
                                             where, h, a, b));
}

// "21-8" → [21, 8); "none" → no quiet hours.
Status ParseNotifications(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* t = root["notifications"].as_table();
  if (!t) return Status::Ok();
  NotificationsConfig& n = config->notifications;
  const std::string w = source + ": notifications";
  CI_RETURN_IF_ERROR(ReadKey<double>(*t, "half_life_days", w, &n.half_life_days));
  CI_RETURN_IF_ERROR(ReadKey<double>(*t, "prior_purchases", w, &n.prior_purchases));
  if (!(n.half_life_days > 0) || !(n.prior_purchases >= 0)) {
    return Status::InvalidArgument(w + ": half_life_days must be > 0 and prior_purchases >= 0");
  }
  int64_t default_hour = n.default_hour;
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "default_hour", w, &default_hour));
  if (default_hour < 0 || default_hour > 23) {
    return Status::InvalidArgument(fmt::format("{}.default_hour {}: expected a whole hour 0..23", w, default_hour));
  }
  n.default_hour = int(default_hour);
  const bool explicit_hour = t->contains("default_hour");
  std::string quiet;
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "quiet_hours", w, &quiet));
  if (quiet.empty()) return CheckDefaultHour(n, explicit_hour, w);
  const std::string q(Trim(quiet));
  if (q == "none") {
    n.quiet_start = n.quiet_end = 0;
    return Status::Ok();
  }
  auto hour = [](std::string_view v) {
    v = Trim(v);
    if (v.empty() || v.size() > 2 || v.find_first_not_of("0123456789") != std::string_view::npos) return -1;
    const int h = std::stoi(std::string(v));
    return h <= 24 ? h % 24 : -1;
  };
  const size_t dash = q.find('-');
  const int a = dash == std::string::npos ? -1 : hour(std::string_view(q).substr(0, dash));
  const int b = dash == std::string::npos ? -1 : hour(std::string_view(q).substr(dash + 1));
  if (a < 0 || b < 0 || (a == b)) {
    return Status::InvalidArgument(fmt::format(
        "{}.quiet_hours '{}': expected \"START-END\" in whole hours of the data's clock, START != END (e.g. \"21-8\" "
        "for 21:00 to 08:00), or \"none\"",
        w, quiet));
  }
  n.quiet_start = a;
  n.quiet_end = b;
  return CheckDefaultHour(n, explicit_hour, w);
}

Status ParseDatabase(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* t = root["database"].as_table();
  if (!t) return Status::Ok();
  return ReadKey<std::string>(*t, "memory_limit", source + ": database", &config->database.memory_limit);
}

Status ParseAi(const toml::table& root, const std::string& source, Config* config) {
  const toml::table* t = root["ai"].as_table();
  if (!t) return Status::Ok();
  AiConfig& a = config->ai;
  std::string w = source + ": ai";
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "backend", w, &a.backend));
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "model", w, &a.model));
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "api_key_env", w, &a.api_key_env));
  CI_RETURN_IF_ERROR(ReadKey<std::string>(*t, "tenant", w, &a.tenant));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "n_parallel", w, &a.n_parallel));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "n_ctx", w, &a.n_ctx));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "threads", w, &a.threads));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "seed", w, &a.seed));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "max_tokens", w, &a.max_tokens));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "http_concurrency", w, &a.http_concurrency));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "timeout_ms", w, &a.timeout_ms));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "max_retries", w, &a.max_retries));
  CI_RETURN_IF_ERROR(ReadKey<bool>(*t, "cache", w, &a.cache));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "max_calls_per_run", w, &a.max_calls_per_run));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "max_tokens_per_run", w, &a.max_tokens_per_run));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "max_calls_per_tenant_day", w, &a.max_calls_per_tenant_day));
  CI_RETURN_IF_ERROR(ReadKey<int64_t>(*t, "max_tokens_per_tenant_day", w, &a.max_tokens_per_tenant_day));
  if (const toml::array* urls = (*t)["base_urls"].as_array()) {
    a.base_urls.clear();
    for (const auto& u : *urls) {
      auto v = u.value<std::string>();
      if (!v) return Status::InvalidArgument(w + ".base_urls must be a list of strings");
      a.base_urls.push_back(*v);
    }
  }
  if (a.backend != "builtin" && a.backend != "llama" && a.backend != "http") {
    return Status::InvalidArgument(w + ".backend '" + a.backend + "' is not one of builtin, llama, http");
  }
  if (a.n_parallel < 1 || a.n_ctx < 0 || a.threads < 0 || a.max_tokens < 1 || a.http_concurrency < 1 ||
      a.timeout_ms < 1 || a.max_retries < 0) {
    return Status::InvalidArgument(w + ": n_parallel, max_tokens, http_concurrency, timeout_ms must be positive; "
                                       "n_ctx, threads, max_retries not negative");
  }
  return Status::Ok();
}

}  // namespace

Result<Config> ParseConfig(const std::string& text, const std::string& source, Config base) {
  toml::parse_result parsed = toml::parse(text, source);
  if (!parsed) {
    const auto& err = parsed.error();
    return Status::InvalidArgument(fmt::format("{} line {}: {}", source, err.source().begin.line,
                                               std::string(err.description())));
  }
  CI_RETURN_IF_ERROR(ParseSegments(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParseServer(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParseTiers(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParseRefresh(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParsePipeline(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParseChurn(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParseOrders(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParseNotifications(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParseDatabase(parsed.table(), source, &base));
  CI_RETURN_IF_ERROR(ParseAi(parsed.table(), source, &base));
  base.source = source;
  return base;
}

Config DefaultConfig() {
  auto text = embedded::Find("core/default_config.toml");
  auto config = ParseConfig(std::string(text.value_or("")), "default_config.toml", Config{});
  // The defaults are part of the binary; failing to parse them is a bug caught by tests.
  if (!config.ok()) return Config{};
  config->source.clear();
  return *config;
}

Result<Config> LoadConfig(const std::string& path) {
  std::string text;
  if (!std::filesystem::exists(path)) return Status::NotFound(path + ": no such config file");
  if (!ReadFileToString(path, &text)) return Status::IoError(path + ": cannot be read");
  return ParseConfig(text, path, DefaultConfig());
}

}  // namespace custintel
