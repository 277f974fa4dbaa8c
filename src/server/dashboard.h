// The dashboard's static files: index.html, app.js and app.css are compiled into the binary
// (src/server/assets/); the charting library (echarts.min.js, from the pinned npm package that
// scripts/deps.sh unpacks into the deps cache) is read from disk once at start.
//
// Thread safety: immutable after Load; share freely.
#pragma once

#include <optional>
#include <string>

#include "server/http.h"

namespace custintel::server {

class Dashboard {
 public:
  // assets_dir: folder holding echarts.min.js; "" = the deps cache's echarts-5.6.0/dist.
  // A missing library is not fatal: the API works; the page says charts are unavailable.
  void Load(const std::string& assets_dir);
  // The static file for `path` ("/", "/index.html", "/assets/..."), or nullopt.
  std::optional<HttpResponse> Serve(const std::string& path) const;
  bool charts_loaded() const { return !echarts_.empty(); }
  const std::string& charts_path() const { return charts_path_; }

 private:
  std::string echarts_;
  std::string charts_path_;
};

// The deps cache: $CUSTINTEL_DEPS, else the directory the build used.
std::string DepsCacheDir();

}  // namespace custintel::server
