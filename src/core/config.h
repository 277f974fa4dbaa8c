// Configuration: custintel.toml, layered over the embedded defaults
// (src/core/default_config.toml). Options are plain structs with in-class defaults; CLI flags
// override them in cli/ — that is the one place flags, file keys and environment meet.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace custintel {

struct SegmentRule {
  std::string name;
  std::string when;  // SQL predicate over customer features and scores
};

// [server]: `custintel serve` (flags override). Sizes in bytes, times in seconds.
struct ServerConfig {
  std::string host = "127.0.0.1";      // loopback unless told otherwise
  int port = 8080;
  // HTTP worker threads. A kept-alive connection holds its thread while it is open (the HTTP
  // library's model), so this bounds the connections served at once: keep it above the
  // clients you expect (64 connections of a dashboard wall or a load test); idle threads cost
  // only their stacks' address space.
  int threads = 256;
  int keep_alive_max_requests = 1000;  // requests one connection may send before it is closed
  int keep_alive_timeout_s = 5;        // an idle kept-alive connection is closed after this
  int64_t max_body_bytes = 1 << 20;    // larger request bodies get 413
  int read_timeout_s = 10;             // a client that sends nothing for this long is dropped
  int write_timeout_s = 10;
  int request_timeout_s = 30;          // a query running longer is interrupted (503)
  // Finished answers of read routes kept per tenant data generation (0 = off). Raise it when
  // many distinct customers are read repeatedly; each refresh or write invalidates them.
  int64_t response_cache_bytes = 64 << 20;
  std::string default_tier = "free";   // tier of keys created without --tier
  // Environment variable holding the operator's token (16+ characters): `Authorization: Bearer
  // <token>` on GET /metrics then reads the whole server's metrics; tenant admins read their
  // tenant's only. Unset or empty: no operator view.
  std::string operator_token_env = "CUSTINTEL_OPERATOR_TOKEN";
  std::string assets_dir;              // charting library folder; "" = $CUSTINTEL_DEPS/echarts-5.6.0
};

// [tiers.<name>]: what a tenant's keys may spend.
struct TierConfig {
  double requests_per_second = 20;  // token bucket refill rate per tenant
  double burst = 40;                // bucket size
  int64_t ai_calls_per_day = 100;   // requests that use AI (ask, refresh-insight) per UTC day
};

// [refresh]: the scheduled pipeline run of a tenant (its own config file under the data dir).
struct RefreshConfig {
  std::string schedule;  // 5-field cron in UTC, e.g. "0 3 * * *"; "" = never
};

// [pipeline]: `custintel run` (src/pipeline/plan.h).
struct PipelineConfig {
  // A run is incremental only while at most this share of the customers changed since the
  // last full run (the population models are refitted by full runs only); 0 = always full.
  double max_changed_share = 0.2;
};

// [churn] and [churn.status]: what counts as "at risk" everywhere (summary, API KPIs, executive
// metrics, retention strategies, offers, the ask model's high_risk condition) — the customer
// status, the decision on top of churn_risk (models/customer_status.h; the status step flags
// gold.customer_scores.high_risk = status at_risk and records the settings in
// gold.risk_definition; readers use the flag). A customer is judged against the gaps between
// purchases: their own when they have two or more (scaled by how far any customer's gaps stray
// from their own mean), the population's otherwise.
struct CustomerStatusConfig {
  double at_risk_quantile = 0.75;  // silence longer than this share of gaps: at risk
  double lapsed_quantile = 0.95;   // longer than this share: lapsed
  double lapsed_p_alive = 0.1;     // P(alive) of the customer-base model below this: lapsed
  int64_t new_days = 30;           // first seen under this many days ago, at most one purchase: new
  int64_t min_gaps = 20;           // fewer repeat-purchase gaps in the shop: no rhythm (churn_risk decides)
};

struct ChurnConfig {
  // Without a purchase rhythm (no orders, or fewer than status.min_gaps gaps): at risk = churn_risk
  // above this probability. A churn probability, 0 < high_risk < 1.
  double high_risk = 0.7;
  CustomerStatusConfig status;
};

// [orders]: which orders are purchases — the one definition every consumer applies (features,
// RFM, CLV, the churn label and snapshots, recommendations, cohorts, KPIs, the ask model), through
// the SQL macros is_purchase(status) and order_status_class(status) that every engine connection
// carries (core/order_status.h). A status matches a word when it contains it, ignoring case
// ("cancel" matches "Cancelled" and "canceled"); an excluded word wins over a purchase word; an
// order without a status is a purchase.
struct OrdersConfig {
  std::vector<std::string> purchase_statuses;  // words of statuses that are purchases
  std::vector<std::string> excluded_statuses;  // words of statuses that are not
  // A status matching neither list: counted as a purchase (true) or not. Either way ingest,
  // doctor and run report such statuses with their order counts.
  bool unknown_is_purchase = true;
};

// [notifications]: when messages go out (models/timing/send_time.h). quiet_hours "21-8" = no send
// time from 21:00 to 07:59 on the data's clock ("none" = any hour); each purchase counts
// 2^(-age / half_life_days); the shop's pattern counts as prior_purchases purchases against a
// customer's own. default_hour: the hour used when the orders carry dates only (no time of day to
// learn from); it must lie outside the quiet hours.
struct NotificationsConfig {
  int quiet_start = 21;
  int quiet_end = 8;
  int default_hour = 10;
  double half_life_days = 730;
  double prior_purchases = 2;
};

// [database]: the DuckDB engine of every command (the --memory-limit flag overrides).
struct DatabaseConfig {
  // DuckDB's buffer memory, e.g. "3GiB" or "80%" (of RAM); "" = DuckDB's default (80%). Work that
  // does not fit spills to a temp folder beside the database file (<db>.tmp), so a smaller limit
  // bounds the process's memory at some cost in time.
  std::string memory_limit;
};

// [ai]: who writes and embeds text (DESIGN.md §5). CLI flags --backend, --model and --base-url
// override backend, model and base_urls.
struct AiConfig {
  std::string backend = "builtin";     // builtin | llama | http
  std::string model;                   // llama: GGUF file path; http: the server's model id
  std::vector<std::string> base_urls;  // http: OpenAI-compatible servers, requests spread by load
  std::string api_key_env;             // http: name of the environment variable holding the key
  int n_parallel = 8;                  // llama: sequences decoded together in one batch
  int n_ctx = 4096;                    // llama: context tokens shared by the parallel sequences
  int threads = 0;                     // llama: CPU threads (0 = all cores)
  int64_t seed = 42;                   // sampling seed (part of every cache key)
  int max_tokens = 256;                // default most tokens per generation
  int http_concurrency = 4;            // http: requests in flight per base URL
  int timeout_ms = 60000;              // http: per request
  int max_retries = 4;                 // http: retries on 429, 5xx and timeouts
  bool cache = true;                   // keep every answer in meta.ai_cache
  std::string tenant = "default";      // whose daily budget the calls count against
  int64_t max_calls_per_run = 0;       // 0 = no cap (same for the three below)
  int64_t max_tokens_per_run = 0;
  int64_t max_calls_per_tenant_day = 0;
  int64_t max_tokens_per_tenant_day = 0;
};

struct Config {
  // Ordered; first match wins. The last rule should be a catch-all ("TRUE").
  std::vector<SegmentRule> segments;
  ServerConfig server;
  std::map<std::string, TierConfig> tiers;  // by tier name
  RefreshConfig refresh;
  PipelineConfig pipeline;
  ChurnConfig churn;
  OrdersConfig orders;
  NotificationsConfig notifications;
  DatabaseConfig database;
  AiConfig ai;
  // The file the config came from ("" = defaults only).
  std::string source;
};

// The embedded defaults.
Config DefaultConfig();
// Defaults overlaid with the TOML file at `path`. A missing file is NotFound; a malformed one
// is InvalidArgument naming the line.
Result<Config> LoadConfig(const std::string& path);
// Parses TOML text (for tests and for the defaults).
Result<Config> ParseConfig(const std::string& text, const std::string& source, Config base);

}  // namespace custintel
