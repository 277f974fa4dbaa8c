// llama.cpp's own server as a test's child process, on a free loopback port (ai and pg tests).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"

namespace custintel::testing {

// A TCP port free on 127.0.0.1 right now (the kernel's pick).
int FreeLoopbackPort();

// llama-server (CUSTINTEL_LLAMA_SERVER) as a child process: started on a free port with `model`
// and `extra` arguments, ready once /health says 200, terminated (then killed) by the destructor.
class LlamaServer {
 public:
  LlamaServer(const std::string& model, std::vector<std::string> extra, const std::string& log);
  ~LlamaServer();
  LlamaServer(const LlamaServer&) = delete;
  LlamaServer& operator=(const LlamaServer&) = delete;
  // Polls /health until 200, the process exits, or `timeout` passes.
  Status WaitReady(std::chrono::seconds timeout);
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

}  // namespace custintel::testing
