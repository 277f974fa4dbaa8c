#include "server/http.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

#include "core/strings.h"

namespace custintel::server {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

HttpRequest Convert(const httplib::Request& r) {
  HttpRequest out;
  out.method = r.method;
  out.path = r.path;
  // Only the query string: httplib also parses form bodies into params, which are not queries.
  httplib::Params query;
  if (size_t q = r.target.find('?'); q != std::string::npos) httplib::detail::parse_query_text(r.target.substr(q + 1), query);
  for (const auto& [k, v] : query) out.query.emplace(k, v);
  for (const auto& [k, v] : r.headers) out.headers.emplace(Lower(k), v);
  out.body = r.body;
  out.remote_addr = r.remote_addr;
  return out;
}

void Apply(const HttpResponse& in, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [k, v] : in.headers) out.set_header(k, v);
  out.set_content(in.body, in.content_type);
}

HttpClientResult Convert(const httplib::Result& r) {
  HttpClientResult out;
  if (!r) {
    out.error = httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  for (const auto& [k, v] : r->headers) out.headers.emplace(Lower(k), v);
  return out;
}

httplib::Headers ToHeaders(const std::map<std::string, std::string>& h) {
  return httplib::Headers(h.begin(), h.end());
}

}  // namespace

const std::string* HttpRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

struct HttpServer::Impl {
  HttpServerOptions options;
  httplib::Server server;
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  auto& s = impl_->server;
  const int threads = std::max(1, impl_->options.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(impl_->options.max_body_bytes);
  s.set_read_timeout(impl_->options.read_timeout_s, 0);
  s.set_write_timeout(impl_->options.write_timeout_s, 0);
  s.set_keep_alive_timeout(impl_->options.keep_alive_timeout_s);
  s.set_keep_alive_max_count(static_cast<size_t>(std::max(1, impl_->options.keep_alive_max_requests)));
  s.set_tcp_nodelay(true);
}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Bind() {
  const auto& o = impl_->options;
  if (o.port == 0) {
    int port = impl_->server.bind_to_any_port(o.host);
    if (port <= 0) return Status::Unavailable("cannot listen on " + o.host);
    return port;
  }
  if (!impl_->server.bind_to_port(o.host, o.port)) {
    return Status::Unavailable(o.host + ":" + std::to_string(o.port) + " is in use or not available");
  }
  return o.port;
}

Status HttpServer::Serve(Handler handler, ErrorBody error_body) {
  auto& s = impl_->server;
  auto route = [handler](const httplib::Request& req, httplib::Response& res) { Apply(handler(Convert(req)), res); };
  // httplib (0.11) reads a POST without Content-Length until the peer closes, and then refuses
  // it: such a request has no body, so it is handled here before httplib tries to read one.
  s.set_pre_routing_handler([route](const httplib::Request& req, httplib::Response& res) {
    const bool may_have_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                               req.method == "DELETE";
    if (!may_have_body || req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    route(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  const std::string any = ".*";
  s.Get(any, route);
  s.Post(any, route);
  s.Put(any, route);
  s.Patch(any, route);
  s.Delete(any, route);
  s.Options(any, route);
  // Refusals made by httplib itself (413 body too large, 400 malformed) carry no body: give
  // them our JSON error. Responses our handler wrote are left alone.
  httplib::Server::HandlerWithResponse on_error = [error_body](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    res.set_content(error_body(res.status), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  };
  s.set_error_handler(on_error);
  s.set_exception_handler([error_body](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(error_body(500), "application/json");
  });
  if (!s.listen_after_bind()) return Status::Unavailable("the HTTP server stopped unexpectedly");
  return Status::Ok();
}

void HttpServer::Stop() {
  if (impl_) impl_->server.stop();
}

struct HttpClient::Impl {
  httplib::Client client;
  Impl(const std::string& host, int port) : client(host, port) {}
};

HttpClient::HttpClient(std::string host, int port, int timeout_s) : impl_(std::make_unique<Impl>(host, port)) {
  impl_->client.set_connection_timeout(timeout_s, 0);
  impl_->client.set_read_timeout(timeout_s, 0);
  impl_->client.set_write_timeout(timeout_s, 0);
  impl_->client.set_keep_alive(true);
}

HttpClient::~HttpClient() = default;

HttpClientResult HttpClient::Get(const std::string& path, const std::map<std::string, std::string>& headers) {
  return Convert(impl_->client.Get(path, ToHeaders(headers)));
}

HttpClientResult HttpClient::Post(const std::string& path, const std::string& body,
                                  const std::map<std::string, std::string>& headers, const std::string& content_type) {
  return Convert(impl_->client.Post(path, ToHeaders(headers), body, content_type));
}

HttpClientResult HttpClient::Send(const std::string& method, const std::string& path, const std::string& body,
                                  const std::map<std::string, std::string>& headers) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = ToHeaders(headers);
  req.body = body;
  if (!body.empty()) req.set_header("Content-Type", "application/json");
  return Convert(impl_->client.send(req));
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace custintel::server
