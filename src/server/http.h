// The one door to cpp-httplib: a small HTTP server and client over our own request and
// response types. Nothing else in custintel includes httplib.h.
//
// The server has no routing of its own: every request of every method goes to one handler
// (server/server.cc routes, authenticates and audits), so deny-by-default is one check there.
// A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3): it is
// answered at once, never left waiting for a body that is not coming. Connections are kept
// alive for keep_alive_max_requests requests.
//
//   HttpServer http({.host = "127.0.0.1", .port = 0});
//   CI_ASSIGN_OR_RETURN(int port, http.Bind());
//   http.Serve([](const HttpRequest& r) { return HttpResponse{200, "text/plain", "hi"}; });
//
// Thread safety: the handler is called from many worker threads at once. Stop() may be called
// from any thread; Serve() returns after it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace custintel::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string remote_addr;

  // The first value of query parameter `name`, or nullptr.
  const std::string* Query(const std::string& name) const;
  // Header value by lowercased name, or "".
  std::string Header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                     // 0 = any free port (Bind() says which)
  int threads = 16;
  size_t max_body_bytes = 1 << 20;  // larger bodies: 413 before the handler runs
  int read_timeout_s = 10;          // slow or silent clients are dropped
  int write_timeout_s = 10;
  int keep_alive_timeout_s = 5;     // an idle kept-alive connection is closed after this
  int keep_alive_max_requests = 1000;  // then the connection is closed (the client reconnects)
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Answers for requests refused before the handler (413, 400): status -> response body.
  using ErrorBody = std::function<std::string(int status)>;

  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; returns the port. Unavailable when the port is taken.
  Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  Status Serve(Handler handler, ErrorBody error_body);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A blocking HTTP/1.1 client for tests and tools (loopback).
struct HttpClientResult {
  int status = 0;  // 0 = no response (connection refused, timeout)
  std::string body;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string error;                           // when status == 0
};

class HttpClient {
 public:
  HttpClient(std::string host, int port, int timeout_s = 30);
  ~HttpClient();
  HttpClientResult Get(const std::string& path_and_query, const std::map<std::string, std::string>& headers = {});
  HttpClientResult Post(const std::string& path, const std::string& body,
                        const std::map<std::string, std::string>& headers = {},
                        const std::string& content_type = "application/json");
  // Any method (PUT, DELETE, PATCH...).
  HttpClientResult Send(const std::string& method, const std::string& path, const std::string& body,
                        const std::map<std::string, std::string>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a query-string value.
std::string UrlEncode(const std::string& s);

}  // namespace custintel::server
