#include "testing/llama_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "ai/http/http_client.h"

namespace custintel::testing {

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

LlamaServer::LlamaServer(const std::string& model, std::vector<std::string> extra, const std::string& log) {
    const int port = FreeLoopbackPort();
    url_ = "http://127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {CUSTINTEL_LLAMA_SERVER, "-m", model, "--host", "127.0.0.1", "--port",
                                     std::to_string(port), "-c", "1024", "-np", "2", "-t", "1", "--no-webui",
                                     "--no-jinja", "--log-file", log};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
LlamaServer::~LlamaServer() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
Status LlamaServer::WaitReady(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ai::HttpRequestOptions o;
    o.connect_timeout_ms = 500;
    o.timeout_ms = 2000;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return Status::Unavailable("llama-server exited before it was ready");
      }
      auto r = ai::HttpGet(url_, "/health", {}, o);
      if (r.ok() && r->status == 200) return Status::Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return Status::Unavailable("llama-server not healthy within " + std::to_string(timeout.count()) + " s at " + url_);
  }

}  // namespace custintel::testing
