// A minimal HTTP/1.1 client for JSON APIs: the one client-side door to cpp-httplib.
//
//   HttpRequestOptions o;
//   o.timeout_ms = 5000;
//   Result<HttpResponse> r = HttpPostJson("http://127.0.0.1:8080", "/v1/embeddings", body, headers, o);
//   if (r.ok() && r->status == 200) ...
//
// Transport failures (refused, reset, timed out) are Status::Unavailable with the URL and the
// reason; any HTTP answer, 4xx and 5xx included, is an HttpResponse. Header values are never
// put into messages (they may carry an API key). Plain http only: this build has no TLS.
//
// Thread safety: each call uses its own connection; call from any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace custintel::ai {

struct HttpRequestOptions {
  int connect_timeout_ms = 3000;  // to open the TCP connection
  int timeout_ms = 60000;         // for each read/write on it: a server that hangs costs this much
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header ("" when absent)
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

Result<HttpResponse> HttpPostJson(const std::string& base_url, const std::string& path, const std::string& body,
                                  const HttpHeaders& headers, const HttpRequestOptions& options);
// GET base_url + path (health checks: a server's /health).
Result<HttpResponse> HttpGet(const std::string& base_url, const std::string& path, const HttpHeaders& headers,
                             const HttpRequestOptions& options);

}  // namespace custintel::ai
