#include "pg/settings.h"

#include <climits>
#include <sstream>

#include "pg/engine.h"
#include "pg/pg_door.h"

namespace custintel::pg {

void DefineWorkerSettings();  // worker.cc

namespace {

// GUC storage (PostgreSQL writes these).
char* g_backend = nullptr;
char* g_model = nullptr;
char* g_base_url = nullptr;
char* g_api_key_env = nullptr;
int g_threads = 0;
int g_n_parallel = 8;
int g_n_ctx = 4096;
int g_timeout_ms = 60000;
int g_max_retries = 4;
int g_http_concurrency = 4;
int g_max_tokens = 512;
bool g_cache = true;
bool g_cache_builtin = false;
bool g_mask_pii = true;
int g_max_calls_per_role_day = 0;
int g_max_tokens_per_role_day = 0;

bool CheckBackend(char** value, void**, GucSource) {
  std::string v = *value ? *value : "";
  if (v == "builtin" || v == "http" || v == "llama") return true;
  GUC_check_errdetail("custintel.backend must be builtin, http or llama.");
  return false;
}

std::vector<std::string> SplitUrls(const char* s) {
  std::vector<std::string> out;
  std::stringstream in(s ? s : "");
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

}  // namespace

Settings CurrentSettings() {
  Settings s;
  s.ai.backend = g_backend ? g_backend : "builtin";
  s.ai.model = g_model ? g_model : "";
  s.ai.base_urls = SplitUrls(g_base_url);
  s.ai.api_key_env = g_api_key_env ? g_api_key_env : "";
  s.ai.threads = g_threads;
  s.ai.n_parallel = g_n_parallel;
  s.ai.n_ctx = g_n_ctx;
  s.ai.timeout_ms = g_timeout_ms;
  s.ai.max_retries = g_max_retries;
  s.ai.http_concurrency = g_http_concurrency;
  s.default_max_tokens = g_max_tokens;
  s.cache = g_cache;
  s.cache_builtin = g_cache_builtin;
  s.mask_pii = g_mask_pii;
  s.max_calls_per_role_day = g_max_calls_per_role_day;
  s.max_tokens_per_role_day = g_max_tokens_per_role_day;
  return s;
}

void DefineSettings() {
  DefineCustomStringVariable("custintel.backend", "Who answers the AI functions: builtin, http or llama.",
                             "builtin (the default) is the text engine: choices, JSON, summaries, themes, "
                             "sentiment, embeddings, no model. http: an OpenAI-compatible server "
                             "(custintel.base_url). llama: a GGUF file run in this process (custintel.model).",
                             &g_backend, "builtin", PGC_USERSET, 0, CheckBackend, nullptr, nullptr);
  DefineCustomStringVariable("custintel.model", "llama: the GGUF file; http: the server's model id.", nullptr,
                             &g_model, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("custintel.base_url",
                             "http: OpenAI-compatible server URLs, comma-separated (requests spread by load).",
                             nullptr, &g_base_url, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("custintel.api_key_env",
                             "http: name of the server's environment variable that holds the API key.",
                             "The key itself never appears in a setting or a log.", &g_api_key_env, "", PGC_SUSET, 0,
                             nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.threads", "llama: CPU threads (0 = all cores).", nullptr, &g_threads, 0, 0, 256,
                          PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.n_parallel", "llama: sequences decoded together in one batch.", nullptr,
                          &g_n_parallel, 8, 1, 512, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.n_ctx", "llama: context tokens shared by the parallel sequences.", nullptr,
                          &g_n_ctx, 4096, 256, 1 << 20, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.http_concurrency", "http: requests in flight per server.", nullptr,
                          &g_http_concurrency, 4, 1, 256, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.timeout_ms", "http: timeout of one request.", nullptr, &g_timeout_ms, 60000,
                          100, 3600000, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.max_retries", "http: retries on 429, 5xx and timeouts.", nullptr,
                          &g_max_retries, 4, 0, 20, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.max_tokens", "Most tokens a generation writes when max_tokens is NULL.",
                          nullptr, &g_max_tokens, 512, 1, 1 << 20, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("custintel.cache", "Keep every model answer in the extension's cache table.", nullptr,
                           &g_cache, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("custintel.cache_builtin",
                           "Also cache the builtin text engine's answers (cheaper to recompute than to look up).",
                           nullptr, &g_cache_builtin, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("custintel.mask_pii",
                           "Mask emails, phones, cards, IBANs ... in everything sent to a model backend.",
                           "The placeholders in the answer are put back; the model never sees the values.",
                           &g_mask_pii, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.max_calls_per_role_day",
                          "Model calls a role may make per UTC day (0 = no cap; cache hits are free).",
                          "Per role: ALTER ROLE analyst SET custintel.max_calls_per_role_day = 1000.",
                          &g_max_calls_per_role_day, 0, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.max_tokens_per_role_day", "Model tokens a role may use per UTC day (0 = no cap).",
                          nullptr, &g_max_tokens_per_role_day, 0, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

}  // namespace custintel::pg

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
void _PG_init(void) {
  custintel::pg::DefineSettings();
  custintel::pg::DefineWorkerSettings();
  custintel::pg::Engine::Get().SetInterruptRaiser(&custintel::pg::RaisePendingInterrupts);
  // After every custintel.* setting is defined: a misspelt one is then an error, not a placeholder.
  MarkGUCPrefixReserved("custintel");
}
}
