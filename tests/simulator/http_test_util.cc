#include "http_test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <thread>

#include <curl/curl.h>

extern char** environ;

namespace notion_sim::httptest {
namespace {

std::size_t WriteBody(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t WriteHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  const std::size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;  // the status line or the blank line
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.pop_back();
  }
  (*headers)[name] = value;
  return size * n;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

long MsSince(std::chrono::steady_clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - start)
                               .count());
}

}  // namespace

bool HttpReply::timed_out() const { return curl_code == CURLE_OPERATION_TIMEDOUT; }

bool HttpReply::reset() const {
  return curl_code == CURLE_RECV_ERROR || curl_code == CURLE_GOT_NOTHING ||
         curl_code == CURLE_SEND_ERROR;
}

std::optional<std::string> HttpReply::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

nlohmann::json HttpReply::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

HttpReply Fetch(const HttpCall& call) {
  static CurlGlobal global;
  HttpReply reply;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    reply.curl_code = CURLE_FAILED_INIT;
    return reply;
  }
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const std::string& h : call.headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  if (call.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!call.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  const auto start = std::chrono::steady_clock::now();
  reply.curl_code = static_cast<int>(curl_easy_perform(curl));
  reply.elapsed_ms = MsSince(start);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.curl_error = error;
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

HttpReply NotionClient::Call(const std::string& method, const std::string& path,
                             const nlohmann::json& body, long timeout_ms) const {
  HttpCall call;
  call.method = method;
  call.url = base_url_ + path;
  call.timeout_ms = timeout_ms;
  if (!token_.empty()) call.headers.push_back("Authorization: Bearer " + token_);
  if (!version_.empty()) call.headers.push_back("Notion-Version: " + version_);
  if (!body.is_null()) {
    call.body = body.dump();
    call.headers.push_back("Content-Type: application/json");
  }
  return Fetch(call);
}

HttpReply NotionClient::Admin(const std::string& method, const std::string& path,
                              const std::string& body, const std::string& admin_token) const {
  HttpCall call;
  call.method = method;
  call.url = base_url_ + path;
  call.body = body;
  if (!body.empty()) call.headers.push_back("Content-Type: application/json");
  if (!admin_token.empty()) call.headers.push_back("Authorization: Bearer " + admin_token);
  return Fetch(call);
}

std::optional<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                const std::vector<std::string>& env) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0) return std::nullopt;
  if (pipe(err_pipe) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  ChildProcess child;
  const int rc =
      posix_spawn(&child.pid_, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  child.out_fd_ = out_pipe[0];
  child.err_fd_ = err_pipe[0];
  if (rc != 0) {
    child.pid_ = -1;
    return std::nullopt;
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      out_fd_(other.out_fd_),
      err_fd_(other.err_fd_),
      out_(std::move(other.out_)),
      out_consumed_(other.out_consumed_),
      err_(std::move(other.err_)),
      exited_(other.exited_),
      status_(other.status_) {
  other.pid_ = -1;
  other.out_fd_ = -1;
  other.err_fd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void ChildProcess::Drain(int fd, std::string& into, long timeout_ms) {
  if (fd < 0) return;
  // Waits at most `timeout_ms` for the first bytes, then takes everything already in the pipe, so
  // that a child writing a lot never blocks on a full pipe while it is being waited for.
  pollfd p{fd, POLLIN, 0};
  int wait_ms = static_cast<int>(timeout_ms);
  char buf[65536];
  while (poll(&p, 1, wait_ms) > 0) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return;
    into.append(buf, static_cast<std::size_t>(n));
    wait_ms = 0;
  }
}

std::optional<std::string> ChildProcess::ReadLine(long timeout_ms) {
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    const std::size_t nl = out_.find('\n', out_consumed_);
    if (nl != std::string::npos) {
      std::string line = out_.substr(out_consumed_, nl - out_consumed_);
      out_consumed_ = nl + 1;
      return line;
    }
    const long left = timeout_ms - MsSince(start);
    if (left <= 0) return std::nullopt;
    const std::size_t before = out_.size();
    Drain(out_fd_, out_, std::min(left, 50L));
    Drain(err_fd_, err_, 0);
    if (out_.size() == before && Wait(0).has_value()) {
      // The child exited and stdout has nothing more.
      Drain(out_fd_, out_, 0);
      if (out_.find('\n', out_consumed_) == std::string::npos) return std::nullopt;
    }
  }
}

std::optional<int> ChildProcess::Wait(long timeout_ms) {
  const auto start = std::chrono::steady_clock::now();
  while (!exited_) {
    const pid_t r = waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      break;
    }
    if (MsSince(start) >= timeout_ms) return std::nullopt;
    Drain(out_fd_, out_, 0);
    Drain(err_fd_, err_, 10);
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return std::nullopt;
}

std::optional<int> ChildProcess::SignalAndWait(int signal, long timeout_ms) {
  if (!exited_) kill(pid_, signal);
  return Wait(timeout_ms);
}

std::string ChildProcess::Stderr() {
  for (int i = 0; i < 1000; ++i) {
    const std::size_t before = err_.size();
    Drain(err_fd_, err_, exited_ ? 20 : 0);
    if (err_.size() == before) break;
  }
  return err_;
}

std::string BannerField(const std::string& line, const std::string& key) {
  const std::string needle = key + "=";
  std::size_t at = 0;
  while ((at = line.find(needle, at)) != std::string::npos) {
    if (at == 0 || line[at - 1] == ' ') {
      const std::size_t start = at + needle.size();
      const std::size_t end = line.find(' ', start);
      return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    at += needle.size();
  }
  return "";
}

}  // namespace notion_sim::httptest
