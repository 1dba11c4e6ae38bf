// Servers for the live tests, on 127.0.0.1 and an ephemeral port, stopped by their destructors.
//
// ScriptedServer: cpp-httplib answering every method and path with a script the test sets, and
// recording what it received (requests, distinct client connections). RawServer: a bare socket
// server for what httplib cannot script — never answering, stalling a body, resetting.
// Thread-safe where the server threads and the test thread meet (recordings under a mutex).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

namespace notion_sim::testing {

struct Received {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;
  std::string body;
  httplib::Headers headers;
  bool HasHeader(const std::string& name) const { return headers.count(name) > 0; }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);  // httplib compares header names case-insensitively
    return it == headers.end() ? "" : it->second;
  }
};

class ScriptedServer {
 public:
  using Script = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    // One worker per connection can sit in a keep-alive read; give enough for the tests' 20
    // concurrent connections so none waits for another's idle timeout.
    server_.new_task_queue = [] { return new httplib::ThreadPool(48); };
    server_.set_keep_alive_max_count(100'000);
    server_.set_keep_alive_timeout(2);
    server_.set_tcp_nodelay(true);  // no Nagle + delayed-ACK stall between head and body
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        Received r;
        r.method = req.method;
        r.path = req.path;
        for (const auto& [k, v] : req.params) r.params.emplace(k, v);
        r.body = req.body;
        r.headers = req.headers;
        received_.push_back(std::move(r));
        connections_.insert(req.remote_addr + ":" + std::to_string(req.remote_port));
      }
      script_(req, res);
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Patch(".*", handler);
    server_.Delete(".*", handler);
    // httplib listens with a backlog of 5: more simultaneous connects overflow it and the
    // kernel drops the SYNs, which the client retries only after a second. Catch the
    // listening socket and listen again with room for every connection we open.
    server_.set_socket_options([this](int fd) {
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      listen_fd_ = fd;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (listen_fd_ >= 0) ::listen(listen_fd_, 256);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Bounded wait for the accept loop, so that stop() cannot race with its start.
    for (int i = 0; i < 400 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  int port() const { return port_; }
  bool running() const { return port_ > 0 && server_.is_running(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Received> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  // Distinct (address, port) pairs the requests came from: the client's connections.
  std::size_t connections() const {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_.size();
  }

 private:
  Script script_;
  httplib::Server server_;
  int port_ = -1;
  int listen_fd_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Received> received_;
  std::set<std::string> connections_;
};

// Accepts connections, reads each request's head, then misbehaves as told.
class RawServer {
 public:
  enum class Behavior : std::uint8_t {
    kHang,       // never answers
    kStallBody,  // sends headers and part of the body, then nothing
    kReset,      // closes with an RST after reading the request
    // Answers the first request of each connection (200, "{}", kept alive) and resets the
    // connection on the second: a reset on a reused connection.
    kAnswerThenReset,
  };

  explicit RawServer(Behavior behavior) : behavior_(behavior) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ok_ = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          ::listen(listen_fd_, 16) == 0;
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RawServer() {
    stop_ = true;
    thread_.join();
    for (int fd : open_) ::close(fd);
    ::close(listen_fd_);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_; }
  // Request heads read, over all connections.
  int requests() const { return requests_; }

 private:
  // Bounded by the owner's lifetime: every wait is a short poll that re-checks stop_.
  void Serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++accepted_;
      if (!ReadHead(fd)) {
        ::close(fd);
        continue;
      }
      switch (behavior_) {
        case Behavior::kHang:
          open_.push_back(fd);
          break;
        case Behavior::kStallBody: {
          static constexpr char kHead[] =
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
              "{\"object\":";
          [[maybe_unused]] ssize_t n = ::send(fd, kHead, sizeof kHead - 1, MSG_NOSIGNAL);
          open_.push_back(fd);
          break;
        }
        case Behavior::kReset:
          Reset(fd);
          break;
        case Behavior::kAnswerThenReset: {
          static constexpr char kOk[] =
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
          [[maybe_unused]] ssize_t n = ::send(fd, kOk, sizeof kOk - 1, MSG_NOSIGNAL);
          if (ReadHead(fd)) {
            Reset(fd);
          } else {
            ::close(fd);
          }
          break;
        }
      }
    }
  }
  static void Reset(int fd) {
    linger l{1, 0};  // close() then sends RST instead of FIN
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
  }
  // Reads until the end of the request head (bounded: 64 KiB or stop). Request bodies are left
  // unread: the behaviours never answer after one.
  bool ReadHead(int fd) {
    std::string head;
    char buf[4096];
    while (!stop_ && head.size() < 65536) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      head.append(buf, static_cast<std::size_t>(n));
      if (head.find("\r\n\r\n") != std::string::npos) {
        ++requests_;
        return true;
      }
    }
    return false;
  }

  Behavior behavior_;
  int listen_fd_ = -1;
  int port_ = 0;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::vector<int> open_;  // touched by the server thread only until join
  std::thread thread_;
};

// A port on 127.0.0.1 with nobody listening (bound then closed; the kernel refuses connections).
inline int RefusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace notion_sim::testing
