#include "ai/http/http_client.h"

#include <httplib.h>

#include <fmt/format.h>

namespace custintel::ai {

namespace {

// One request: a POST of `body` when it is given, else a GET.
Result<HttpResponse> Send(const std::string& base_url, const std::string& path, const std::string* body,
                          const HttpHeaders& headers, const HttpRequestOptions& options) {
  if (base_url.rfind("https://", 0) == 0) {
    return Status::InvalidArgument(base_url + ": https is not supported by this build; use http:// (e.g. a local "
                                              "server or a TLS-terminating proxy on loopback)");
  }
  try {
    httplib::Client client(base_url);
    if (!client.is_valid()) return Status::InvalidArgument(base_url + " is not a valid http:// base URL");
    client.set_connection_timeout(options.connect_timeout_ms / 1000, (options.connect_timeout_ms % 1000) * 1000);
    client.set_read_timeout(options.timeout_ms / 1000, (options.timeout_ms % 1000) * 1000);
    client.set_write_timeout(options.timeout_ms / 1000, (options.timeout_ms % 1000) * 1000);
    httplib::Headers h;
    for (const auto& [k, v] : headers) h.emplace(k, v);
    httplib::Result res = body ? client.Post(path.c_str(), h, *body, "application/json") : client.Get(path.c_str(), h);
    if (!res) {
      return Status::Unavailable(fmt::format("{}{}: {}", base_url, path, httplib::to_string(res.error())));
    }
    HttpResponse out;
    out.status = res->status;
    out.body = std::move(res->body);
    out.retry_after = res->get_header_value("Retry-After");
    return out;
  } catch (const std::exception& e) {  // httplib throws on a few malformed inputs
    return Status::Unavailable(fmt::format("{}{}: {}", base_url, path, e.what()));
  }
}

}  // namespace

Result<HttpResponse> HttpPostJson(const std::string& base_url, const std::string& path, const std::string& body,
                                  const HttpHeaders& headers, const HttpRequestOptions& options) {
  return Send(base_url, path, &body, headers, options);
}

Result<HttpResponse> HttpGet(const std::string& base_url, const std::string& path, const HttpHeaders& headers,
                             const HttpRequestOptions& options) {
  return Send(base_url, path, nullptr, headers, options);
}

}  // namespace custintel::ai
