// Test helpers for the fake's HTTP door: a tiny blocking libcurl client and a child-process
// runner for `notion-sim serve`. Test-only; deliberately independent of the engine's live
// transport so the door is tested against a client nobody here wrote.
//
// Every call is bounded: curl requests have a total timeout (default 2 s), child processes are
// killed when the handle goes out of scope. Thread-compatible (one client per thread).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace notion_sim::httptest {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::string body;                  // sent when not empty (or when send_empty_body)
  std::vector<std::string> headers;  // "Name: value"
  long timeout_ms = 2000;            // total, including connect
};

struct HttpReply {
  int curl_code = 0;  // CURLcode; 0 = a complete response arrived
  std::string curl_error;
  long status = 0;                             // HTTP status (0 if no status line arrived)
  std::string body;                            // the bytes received, also on a timeout
  std::map<std::string, std::string> headers;  // lower-cased names; last value wins
  long elapsed_ms = 0;

  bool ok() const { return curl_code == 0; }
  bool timed_out() const;  // CURLE_OPERATION_TIMEDOUT
  bool reset() const;      // the connection dropped (RECV_ERROR, GOT_NOTHING, SEND_ERROR)
  std::optional<std::string> Header(const std::string& lower_name) const;
  // The body as JSON; a discarded value when it is not JSON.
  nlohmann::json Json() const;
};

HttpReply Fetch(const HttpCall& call);

// A client preset for the fake's Notion API: base URL, bearer token, Notion-Version.
class NotionClient {
 public:
  NotionClient(std::string base_url, std::string token, std::string version = "2025-09-03")
      : base_url_(std::move(base_url)), token_(std::move(token)), version_(std::move(version)) {}

  HttpReply Call(const std::string& method, const std::string& path,
                 const nlohmann::json& body = nullptr, long timeout_ms = 2000) const;
  HttpReply Get(const std::string& path) const { return Call("GET", path); }
  HttpReply Post(const std::string& path, const nlohmann::json& body) const {
    return Call("POST", path, body);
  }
  HttpReply Patch(const std::string& path, const nlohmann::json& body) const {
    return Call("PATCH", path, body);
  }
  // Admin API calls (no Notion headers; `admin_token` as bearer when not empty).
  HttpReply Admin(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& admin_token = "") const;

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string token_;
  std::string version_;
};

// `notion-sim serve ...` as a child process with its stdout and stderr captured.
class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`; extra environment entries as "NAME=value".
  static std::optional<ChildProcess> Start(const std::vector<std::string>& argv,
                                           const std::vector<std::string>& env = {});
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();  // SIGKILLs and reaps a child still running

  // Reads stdout up to and including the next '\n', waiting at most `timeout_ms`.
  std::optional<std::string> ReadLine(long timeout_ms);
  // Sends `signal` and waits at most `timeout_ms` for the exit. The exit code, or nullopt when
  // the child did not exit in time (it is then killed) or died from a signal.
  std::optional<int> SignalAndWait(int signal, long timeout_ms);
  // Waits at most `timeout_ms` for the exit without signalling; reads stdout and stderr meanwhile,
  // so a child that writes more than a pipe holds still exits.
  std::optional<int> Wait(long timeout_ms);
  // All of stderr the child wrote so far (after it exited: all of it).
  std::string Stderr();
  // Everything read from stdout so far.
  const std::string& stdout_text() const { return out_; }

 private:
  ChildProcess() = default;
  void Drain(int fd, std::string& into, long timeout_ms);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::size_t out_consumed_ = 0;
  std::string err_;
  bool exited_ = false;
  int status_ = 0;
};

// The value of `key=` in a `notion-sim serve` banner line ("... token=abc root_page=..."), or
// empty.
std::string BannerField(const std::string& line, const std::string& key);

}  // namespace notion_sim::httptest
