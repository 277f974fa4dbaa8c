#include "server/dashboard.h"

#include <cstdlib>

#include "core/embedded.h"
#include "core/log.h"
#include "core/strings.h"

#ifndef CUSTINTEL_DEFAULT_DEPS
#define CUSTINTEL_DEFAULT_DEPS ""
#endif

namespace custintel::server {
namespace {

std::string TypeOf(const std::string& path) {
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

HttpResponse File(std::string body, const std::string& name, const char* cache) {
  HttpResponse r{200, TypeOf(name), std::move(body), {}};
  r.headers.push_back({"Cache-Control", cache});
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  r.headers.push_back({"Content-Security-Policy",
                       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                       "connect-src 'self'; frame-ancestors 'none'"});
  return r;
}

}  // namespace

std::string DepsCacheDir() {
  if (const char* env = std::getenv("CUSTINTEL_DEPS"); env && *env) return env;
  return CUSTINTEL_DEFAULT_DEPS;
}

void Dashboard::Load(const std::string& assets_dir) {
  std::string dir = assets_dir.empty() ? DepsCacheDir() + "/echarts-5.6.0/dist" : assets_dir;
  charts_path_ = dir + "/echarts.min.js";
  if (!ReadFileToString(charts_path_, &echarts_)) {
    echarts_.clear();
    LogWarn("dashboard: " + charts_path_ + " not found; charts are unavailable (run scripts/deps.sh)");
  }
}

std::optional<HttpResponse> Dashboard::Serve(const std::string& path) const {
  if (path == "/" || path == "/index.html") {
    auto f = embedded::Find("server/assets/index.html");
    if (f) return File(std::string(*f), "index.html", "no-cache");
  }
  if (path == "/assets/echarts.min.js") {
    if (echarts_.empty()) return std::nullopt;
    return File(echarts_, path, "public, max-age=86400");
  }
  const std::string prefix = "/assets/";
  if (path.compare(0, prefix.size(), prefix) == 0 && path.find("..") == std::string::npos) {
    auto f = embedded::Find("server/assets/" + path.substr(prefix.size()));
    if (f) return File(std::string(*f), path, "no-cache");
  }
  return std::nullopt;
}

}  // namespace custintel::server
