// The fake's HTTP door. Everything that touches the real clock, sockets or threads in the
// simulator lives in this file (the determinism guard exempts "http_server" files).
#include "notion_sim/simulator/http_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <curl/curl.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/simulator/api_call.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/fault_plan.h"
#include "notion_sim/simulator/journal.h"

namespace notion_sim::sim {
namespace {

using json = nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr TimeUs kHoldSliceUs = Ms(20);     // how often a hold looks at stop and the client
constexpr TimeUs kListenStartUs = Sec(10);  // bound of the wait for httplib's listening loop
constexpr std::size_t kKeepAliveMaxRequests = 1'000;  // per connection, then it closes
// httplib 0.11 listens with a backlog of 5: a burst of new connections (a load generator, a
// worker pool starting up) overflows it and waits out SYN retransmits. We listen again with this.
constexpr int kListenBacklog = 256;
constexpr std::size_t kMaxFdScan = 65'536;  // bound of the connection-socket lookup
constexpr std::size_t kLedgerPageDefault = 1'000;
constexpr std::size_t kLedgerPageMax = 100'000;
constexpr std::size_t kJournalPageDefault = 100;

// How a hold (delay, hang, stalled body, lost response) ended.
enum class HoldEnd : std::uint8_t {
  kDeadline,    // the requested time, or max_hold_us, passed
  kStopped,     // the server is stopping
  kClientGone,  // the client closed its end
};

// What became of one request at the socket, for metrics and the log.
enum class Outcome : std::uint8_t {
  kAnswered,     // a complete response was written (or handed to httplib to write)
  kReset,        // the connection was dropped (RST)
  kHung,         // never answered; closed when the client left, at the bound or at stop
  kStalled,      // headers and part of the body, then closed
  kLost,         // applied, then the client saw a timeout or a reset
  kHoldRefused,  // a hold beyond the concurrent-hold bound, turned into a reset
};

std::string_view OutcomeLabel(Outcome outcome) {
  switch (outcome) {
    case Outcome::kAnswered:
      return "answered";
    case Outcome::kReset:
      return "reset";
    case Outcome::kHung:
      return "hung";
    case Outcome::kStalled:
      return "stalled";
    case Outcome::kLost:
      return "lost";
    case Outcome::kHoldRefused:
      return "hold_refused";
  }
  return "unknown";
}

TimeUs UsSince(SteadyTime start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// A request id in Notion's UUID form for errors the door itself answers (the core draws its own
// from its Rng); derived from a counter so the door reads no randomness.
std::string DoorRequestId(std::uint64_t n) {
  engine::ObjectId id{engine::Mix64(n ^ 0x646F6F72ULL), engine::Mix64(n + 0x9E3779B97F4A7C15ULL)};
  id.hi = (id.hi & ~0xF000ULL) | 0x4000ULL;
  id.lo = (id.lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);
  return id.ToString();
}

json ErrorJson(int status, std::string_view code, std::string_view message,
               const std::string& request_id) {
  return json{{"object", "error"},
              {"status", status},
              {"code", std::string(code)},
              {"message", std::string(message)},
              {"request_id", request_id}};
}

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

// Constant-time comparison: the admin token must not leak through timing.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::uint64_t> ParseU64(std::string_view text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// The connection's socket, found by its address pair among this process's descriptors.
// cpp-httplib 0.11 does not hand a handler its socket; the handler runs on the thread that owns
// the connection, so the descriptor stays valid while we use it. -1 when not found.
int FindConnectionSocket(const httplib::Request& req) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  std::size_t scanned = 0;
  while (dirent* entry = readdir(dir)) {
    if (++scanned > kMaxFdScan) break;
    if (entry->d_name[0] == '.') continue;
    const auto fd_value = ParseU64(entry->d_name);
    if (!fd_value || *fd_value > INT32_MAX) continue;
    const int fd = static_cast<int>(*fd_value);
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    char host[INET6_ADDRSTRLEN] = {0};
    int peer_port = -1;
    if (peer.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&peer);
      inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
      peer_port = ntohs(in->sin_port);
    } else if (peer.ss_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer);
      inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
      peer_port = ntohs(in6->sin6_port);
    } else {
      continue;
    }
    if (peer_port != req.remote_port || req.remote_addr != host) continue;
    sockaddr_storage local{};
    len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    const int local_port = local.ss_family == AF_INET
                               ? ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port)
                               : ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
    if (local_port != req.local_port) continue;
    found = fd;
    break;
  }
  closedir(dir);
  return found;
}

// Drops the connection with an RST: SO_LINGER {1, 0}, then the descriptor is swapped for an
// unconnected socket with dup2, which closes the connection at once without the FIN that
// httplib's shutdown-then-close would send first. httplib's later write to the swapped
// descriptor fails (EPIPE; SIGPIPE is ignored) and it closes it: no double close, no leak.
bool ResetConnection(int fd) {
  if (fd < 0) return false;
  linger lin{1, 0};
  if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin) != 0) return false;
  const int dead = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (dead < 0) return false;
  const bool ok = dup2(dead, fd) == fd;
  close(dead);
  return ok;
}

std::string QueryOf(const httplib::Request& req) {
  const std::size_t q = req.target.find('?');
  return q == std::string::npos ? std::string() : req.target.substr(q + 1);
}

// Splits "/__admin/faults/12" into {"faults", "12"}.
std::vector<std::string> AdminSegments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t at = std::string("/__admin").size();
  while (at < path.size() && out.size() < 8) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    const std::size_t end = path.find('/', at);
    out.push_back(path.substr(at, end == std::string::npos ? std::string::npos : end - at));
    at = end == std::string::npos ? path.size() : end;
  }
  return out;
}

json LedgerEntryToJson(const engine::LedgerEntry& e) {
  return json{{"at_us", e.at_us},
              {"op_id", e.op_id},
              {"fingerprint", e.fingerprint},
              {"operation", std::string(engine::OperationName(e.operation))},
              {"object", e.object.ToString()},
              {"tenant", e.tenant},
              {"injected_loss", e.injected_loss},
              {"answered_status", e.answered_status}};
}

std::string PromEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// The serving threads. httplib runs a connection on one pool thread for as long as it stays open,
// keep-alive included, so with httplib's fixed pool of N threads connection N+1 got no answer
// until another connection closed (after 1000 requests or keep_alive_timeout_us idle): seconds
// of silence for a client with more connections than threads. This pool starts `min_threads` and
// one more whenever a connection would wait for a thread, up to `max_threads`; past that,
// connections wait their turn. Threads are not retired: a serve's peak is bounded by max_threads.
// Drains its queue on shutdown (each job closes its socket). Thread-safe.
class ConnectionPool final : public httplib::TaskQueue {
 public:
  ConnectionPool(std::size_t min_threads, std::size_t max_threads) : max_threads_(max_threads) {
    std::lock_guard<std::mutex> lock(mu_);
    while (threads_.size() < min_threads) threads_.emplace_back([this] { Work(); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(fn));
      if (jobs_.size() > idle_ && threads_.size() < max_threads_ && !shutdown_) {
        try {
          threads_.emplace_back([this] { Work(); });
        } catch (const std::system_error&) {
          // No thread to be had (a resource limit): the connection waits for a busy one.
        }
      }
    }
    cv_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    // No thread is added once shutdown_ is set, so threads_ no longer changes.
    for (std::thread& t : threads_) t.join();
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      ++idle_;
      cv_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
      --idle_;
      if (jobs_.empty()) return;  // shutting down, and nothing left to serve
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  const std::size_t max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;  // threads waiting for a job
  bool shutdown_ = false;
};

}  // namespace

TimeUs SteadyClock::NowUs() const { return UsSince(start_); }

Result<engine::ObjectId> CreateRootPage(FakeNotion& fake, const std::string& token,
                                        const std::string& title) {
  // A set-up call: through the pipeline like any create (journaled, in the ledger), but no fault
  // rule and no rate budget applies, so a client's budget starts full.
  ApiCall call;
  call.method = engine::Method::kPost;
  call.operation = engine::Operation::kCreatePage;
  call.path = "/v1/pages";
  call.version_given = VersionGiven::kGiven;
  call.version_text = "2025-09-03";
  call.bearer = token;
  call.setup = true;
  call.body_given = BodyGiven::kJson;
  call.body = std::make_shared<const json>(
      json{{"parent", {{"type", "workspace"}, {"workspace", true}}},
           {"properties",
            {{"title",
              {{"title", json::array({{{"type", "text"}, {"text", {{"content", title}}}}})}}}}}});
  const Answer answer = fake.Call(call, /*render=*/true);
  const json reply = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (answer.response.status != 200 || !reply.is_object() || !reply.contains("id") ||
      !reply["id"].is_string()) {
    return Error{ErrorCode::kInternal, "the fake refused the root page: HTTP " +
                                           std::to_string(answer.response.status) + " " +
                                           answer.body.substr(0, 300)};
  }
  const auto id = engine::ObjectId::Parse(reply["id"].get<std::string>());
  if (!id) return Error{ErrorCode::kInternal, "the fake answered a root page without an id"};
  return *id;
}

namespace {

// An exchange being observed (HttpServerOptions::observer): what the observer will be told, and
// the core's clock at the moment the core handled it, to put the door's times on that clock.
struct Observed {
  DoorExchange x;
  TimeUs core_us = 0;
  SteadyTime core_steady;
  TimeUs CoreTime(SteadyTime t) const {
    return core_us + std::chrono::duration_cast<std::chrono::microseconds>(t - core_steady).count();
  }
};

// A header of whole digits (notion-sim's own x-notion-sim-op-id, -attempt); 0 when absent or not.
std::uint64_t HeaderNumber(const httplib::Request& req, const char* name) {
  if (!req.has_header(name)) return 0;
  const std::string v = req.get_header_value(name);
  std::uint64_t n = 0;
  for (char c : v.substr(0, 19)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::int64_t WallUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct HttpServer::Impl {
  Impl(FakeNotion& f, HttpServerOptions o) : fake(f), options(std::move(o)) {}

  // --- dispatch -------------------------------------------------------------------------------
  // `body` is the request body: read by ReadBody for methods that carry one, else empty.
  void Handle(const httplib::Request& req, httplib::Response& res, const std::string& body,
              const std::vector<FormPart>* form = nullptr);
  void HandleCore(const httplib::Request& req, httplib::Response& res, const std::string& body,
                  const std::vector<FormPart>* form);
  void HandleAdmin(const httplib::Request& req, httplib::Response& res, const std::string& body);
  void HandleMetrics(httplib::Response& res);
  // Reads the body when the request announces one (Content-Length or chunked), bounded by
  // max_body_bytes: multipart/form-data into its parts (file uploads), anything else as text.
  // On failure answers the request itself (413 or 400) and returns false.
  bool ReadBody(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader& reader, std::string& body,
                std::vector<FormPart>& form, bool& multipart);
  // A 500 in Notion's shape that says nothing about the server's insides.
  void InternalError(httplib::Response& res);
  void RenderDoorError(const httplib::Request& req, httplib::Response& res);

  // --- admin ----------------------------------------------------------------------------------
  void AdminFaults(const httplib::Request& req, httplib::Response& res,
                   const std::vector<std::string>& seg, const std::string& body);
  void AdminAddFaults(httplib::Response& res, const std::string& body);
  void AdminJournal(const httplib::Request& req, httplib::Response& res,
                    const std::vector<std::string>& seg);
  void AdminLedger(const httplib::Request& req, httplib::Response& res);
  void AdminWebhooks(const httplib::Request& req, httplib::Response& res,
                     const std::vector<std::string>& seg, const std::string& body);
  void AdminError(httplib::Response& res, int status, std::string_view code,
                  const std::string& message);

  // --- observing (options.observer) -----------------------------------------------------------
  // Under the core's lock, right after the core answered.
  std::shared_ptr<Observed> BeginObserving(const httplib::Request& req, const std::string& body,
                                           const std::string& query, const Answer& answer,
                                           SteadyTime arrived, SteadyTime core_start);
  void EndObserving(const std::shared_ptr<Observed>& o, DoorEnd end, SteadyTime answered,
                    int status_sent);

  // --- webhook deliveries (the hub in the core decides; this thread sends) --------------------
  void DeliverLoop();
  // POSTs one delivery, signed; true when the endpoint answered 2xx within the timeout.
  bool Post(const WebhookDelivery& d);

  // --- socket-level actions -------------------------------------------------------------------
  HoldEnd Hold(TimeUs duration_us, int fd);
  bool AcquireHold();
  void ReleaseHold() { holds_in_flight.fetch_sub(1); }
  void Finish(const httplib::Request& req, const std::string& route, const std::string& status,
              Outcome outcome, std::uint64_t seq, SteadyTime start, std::string_view fault,
              std::string_view request_id = {});

  FakeNotion& fake;
  HttpServerOptions options;
  std::mutex core_mu;  // serializes every call into `fake`

  httplib::Server server;
  std::thread listener;
  int bound_port = 0;
  int listen_fd = -1;  // the listening socket, seen through httplib's socket-options hook
  bool started = false;
  std::atomic<bool> stopping{false};
  std::atomic<bool> listen_returned{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  std::atomic<int> holds_in_flight{0};
  std::atomic<std::uint64_t> door_errors{0};
  SteadyTime started_at = std::chrono::steady_clock::now();

  // Door metrics; ordered maps so /metrics prints in a stable order.
  std::mutex metrics_mu;
  std::map<std::pair<std::string, std::string>, std::uint64_t> requests_by_route_status;
  std::map<std::string, std::uint64_t> outcomes;
  std::map<std::string, std::uint64_t> admin_requests;

  std::thread deliverer;
  std::atomic<std::uint64_t> webhook_posts{0};
  std::atomic<std::uint64_t> webhook_posts_ok{0};
};

bool HttpServer::Impl::AcquireHold() {
  const int limit = std::max(1, options.threads / 2);
  int current = holds_in_flight.load();
  while (current < limit) {
    if (holds_in_flight.compare_exchange_weak(current, current + 1)) return true;
  }
  return false;
}

HoldEnd HttpServer::Impl::Hold(TimeUs duration_us, int fd) {
  const SteadyTime start = std::chrono::steady_clock::now();
  const TimeUs bound_us = std::min(std::max<TimeUs>(duration_us, 0), options.max_hold_us);
  // Bounded: each pass waits up to one slice and the deadline is fixed.
  while (true) {
    if (stopping.load()) return HoldEnd::kStopped;
    const TimeUs left_us = bound_us - UsSince(start);
    if (left_us <= 0) return HoldEnd::kDeadline;
    const TimeUs slice_us = std::min(left_us, kHoldSliceUs);
    if (fd >= 0) {
      pollfd p{fd, POLLRDHUP, 0};
      const int ms = static_cast<int>(std::max<TimeUs>(1, slice_us / kUsPerMs));
      if (poll(&p, 1, ms) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
        return HoldEnd::kClientGone;
      }
    } else {
      std::unique_lock<std::mutex> lock(stop_mu);
      stop_cv.wait_for(lock, std::chrono::microseconds(slice_us),
                       [this] { return stopping.load(); });
    }
  }
}

void HttpServer::Impl::Finish(const httplib::Request& req, const std::string& route,
                              const std::string& status, Outcome outcome, std::uint64_t seq,
                              SteadyTime start, std::string_view fault,
                              std::string_view request_id) {
  const TimeUs took_us = UsSince(start);
  {
    std::lock_guard<std::mutex> lock(metrics_mu);
    ++requests_by_route_status[{route, status}];
    ++outcomes[std::string(OutcomeLabel(outcome))];
  }
  if (seq != 0) {
    std::lock_guard<std::mutex> lock(core_mu);
    fake.journal().AmendLatency(seq, took_us);
  }
  if (options.log) {
    std::ostringstream line;
    line << req.method << " " << req.path << " " << status << " " << route << " "
         << (took_us / kUsPerMs) << "ms";
    if (!fault.empty()) line << " fault=" << fault;
    if (outcome != Outcome::kAnswered) line << " " << OutcomeLabel(outcome);
    options.log(line.str());
  }
  if (options.record) {
    HttpServerOptions::RequestRecord r;
    r.method = req.method;
    r.path = req.path;
    r.route = route;
    r.status = status;
    r.fault = fault;
    r.request_id = request_id;
    r.latency_us = took_us;
    r.op_id = HeaderNumber(req, "x-notion-sim-op-id");
    r.attempt = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(HeaderNumber(req, "x-notion-sim-attempt"), UINT32_MAX));
    if (seq != 0) {
      std::lock_guard<std::mutex> lock(core_mu);
      if (const JournalEntry* e = fake.journal().Find(seq)) {
        r.at_us = e->at_us;
        r.tenant = e->tenant;
      }
    }
    options.record(r);
  }
}

void HttpServer::Impl::InternalError(httplib::Response& res) {
  res.headers.clear();
  res.content_provider_ = nullptr;
  const std::string id = DoorRequestId(door_errors.fetch_add(1) + 1);
  SendJson(res, 500, ErrorJson(500, "internal_server_error", "Unexpected error occurred.", id));
}

void HttpServer::Impl::Handle(const httplib::Request& req, httplib::Response& res,
                              const std::string& body, const std::vector<FormPart>* form) {
  // Nothing may escape into httplib: a bug here answers 500, it does not take the server down.
  try {
    const std::string& path = req.path;
    if (path == "/__admin" || path.rfind("/__admin/", 0) == 0) {
      HandleAdmin(req, res, body);
    } else if (path == "/metrics") {
      if (req.method != "GET" && req.method != "HEAD") {
        AdminError(res, 405, "invalid_request", "/metrics answers GET only");
      } else {
        HandleMetrics(res);
      }
    } else if (path.rfind("/v1/", 0) == 0 || path == "/v1" || path.rfind("/upstream/", 0) == 0) {
      HandleCore(req, res, body, form);
    } else {
      const std::string id = DoorRequestId(door_errors.fetch_add(1) + 1);
      SendJson(res, 400, ErrorJson(400, "invalid_request_url", "Invalid request URL.", id));
      Finish(req, "unknown", "400", Outcome::kAnswered, 0, std::chrono::steady_clock::now(), "");
    }
  } catch (...) {
    // Nothing of the server's insides reaches a client: Notion's 500, without the exception.
    InternalError(res);
  }
}

void HttpServer::Impl::HandleCore(const httplib::Request& req, httplib::Response& res,
                                  const std::string& body, const std::vector<FormPart>* form) {
  const SteadyTime start = std::chrono::steady_clock::now();
  const std::string query = QueryOf(req);
  HttpRequestView view;
  view.method = req.method;
  view.path = req.path;
  view.query = query;
  view.body = body;
  view.form = form;
  view.header = [&req](std::string_view name) -> std::optional<std::string> {
    const std::string key(name);
    if (!req.has_header(key)) return std::nullopt;
    return req.get_header_value(key);
  };
  std::string route = "unknown";
  if (const auto method = engine::ParseMethod(req.method)) {
    if (const auto parsed = engine::ParseRoute(*method, req.path)) {
      route = std::string(engine::OperationName(parsed->operation));
    }
  }

  Answer answer;
  std::shared_ptr<Observed> observed;
  bool forward = false;
  {
    std::lock_guard<std::mutex> lock(core_mu);
    // The core reads its clock as it starts: this instant is that reading on the door's clock.
    const SteadyTime core_start = std::chrono::steady_clock::now();
    if (options.forward) {
      forward = fake.DecideForward(view, answer);
    } else {
      answer = fake.HandleHttp(view);
    }
    if (options.observer != nullptr && !forward) {
      observed = BeginObserving(req, body, query, answer, start, core_start);
    }
  }
  if (forward) {
    // The proxy: the target answers, on this thread (it carries this one connection).
    ForwardRequest out{req.method, req.path, query, {}, body};
    for (const auto& [name, value] : req.headers) {
      if (IsForwardedHeader(name)) out.headers.emplace_back(name, value);
    }
    const ForwardedAnswer target = options.forward(out);
    std::lock_guard<std::mutex> lock(core_mu);
    const SteadyTime core_start = std::chrono::steady_clock::now();
    answer = fake.FinishForward(view, answer, target);
    if (options.observer != nullptr) {
      observed = BeginObserving(req, body, query, answer, start, core_start);
    }
  }
  const std::string fault = answer.injected ? std::string(FaultActionName(answer.action)) +
                                                  " rule=" + std::to_string(answer.fault_rule_id)
                                            : std::string();
  const std::string status_text = std::to_string(answer.response.status);
  std::string request_id;
  for (const auto& [name, value] : answer.headers) {
    if (EqualsIgnoreCase(name, "x-notion-request-id")) request_id = value;
  }

  // The connection's socket, for holds (notice a client that left) and resets.
  const bool needs_socket =
      answer.delay_us > 0 ||
      (answer.action != FaultAction::kNone && answer.action != FaultAction::kRespond &&
       answer.action != FaultAction::kCommitThen503 &&
       answer.action != FaultAction::kMalformedJson && answer.action != FaultAction::kHtmlEdge);
  const int fd = needs_socket ? FindConnectionSocket(req) : -1;

  auto drop = [&](Outcome outcome) {
    if (!ResetConnection(fd)) {
      // Could not reach the socket: abort the response instead (headers, then a closed
      // connection before the promised body).
      res.status = 500;
      res.set_content_provider(1, "application/json",
                               [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
    } else {
      res.status = 200;  // never written: the socket is gone
    }
    Finish(req, route, std::string(OutcomeLabel(outcome)), outcome, answer.seq, start, fault,
           request_id);
    if (observed) {
      const DoorEnd end = outcome == Outcome::kLost   ? DoorEnd::kLost
                          : outcome == Outcome::kHung ? DoorEnd::kHung
                                                      : DoorEnd::kReset;
      EndObserving(observed, end, std::chrono::steady_clock::now(), 0);
    }
  };

  if (answer.delay_us > 0 && answer.action != FaultAction::kHang) {
    if (!AcquireHold()) {
      drop(Outcome::kHoldRefused);
      return;
    }
    const HoldEnd end = Hold(answer.delay_us, fd);
    ReleaseHold();
    if (end == HoldEnd::kClientGone) {
      drop(Outcome::kReset);
      return;
    }
  }

  switch (answer.action) {
    case FaultAction::kReset:
      drop(Outcome::kReset);
      return;
    case FaultAction::kLoseAfterCommit:
      if (answer.loss == LossMode::kTimeout) {
        // The client must give up on its own: hold until it does (or the bound), then drop.
        if (AcquireHold()) {
          Hold(options.max_hold_us, fd);
          ReleaseHold();
        }
      }
      drop(Outcome::kLost);
      return;
    case FaultAction::kHang:
      if (!AcquireHold()) {
        drop(Outcome::kHoldRefused);
        return;
      }
      Hold(options.max_hold_us, fd);
      ReleaseHold();
      drop(Outcome::kHung);
      return;
    default:
      break;
  }

  // An answer goes out: status, the core's headers and body.
  res.status = answer.response.status;
  std::string content_type = "application/json; charset=utf-8";
  for (const auto& [name, value] : answer.headers) {
    if (EqualsIgnoreCase(name, "content-type")) {
      content_type = value;
    } else if (answer.retry_after_date_in_s >= 0 && EqualsIgnoreCase(name, "retry-after")) {
      // The core dates it on the workspace's virtual epoch; a client over HTTP compares it with
      // its wall clock. Rounded up to the next whole second, so honouring it is never early.
      const auto wall_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
      const std::int64_t wall_s = (wall_us + kUsPerSec - 1) / kUsPerSec;
      res.set_header(name, HttpDate(wall_s + answer.retry_after_date_in_s));
      if (observed) observed->x.retry_after = HttpDate(wall_s + answer.retry_after_date_in_s);
    } else {
      res.set_header(name, value);
      if (observed && EqualsIgnoreCase(name, "retry-after")) observed->x.retry_after = value;
    }
  }
  // Reports tell injected from emergent failures (engine::HttpAnswer::injected reads this).
  if (answer.injected) res.set_header("x-notion-sim-injected", "1");
  if (answer.action == FaultAction::kStallBody) {
    if (!AcquireHold()) {
      drop(Outcome::kHoldRefused);
      return;
    }
    // Content-Length promises the whole body; half of it is sent, then nothing until the client
    // leaves, the bound passes or the server stops, and the connection closes short.
    auto stalled = std::make_shared<std::string>(std::move(answer.body));
    const std::size_t half = stalled->size() / 2;
    res.set_content_provider(
        stalled->size(), content_type,
        [this, stalled, half, fd](std::size_t offset, std::size_t, httplib::DataSink& sink) {
          if (offset < half) return sink.write(stalled->data() + offset, half - offset);
          Hold(options.max_hold_us, fd);
          return false;
        },
        [this, observed, status = res.status](bool) {
          ReleaseHold();
          if (observed) {
            observed->x.ended_us = observed->CoreTime(std::chrono::steady_clock::now());
            EndObserving(observed, DoorEnd::kStalled, SteadyTime{}, status);
          }
        });
    if (observed) {
      observed->x.answered_us = observed->CoreTime(std::chrono::steady_clock::now());
      observed->x.answered_wall_us = WallUs();
    }
    Finish(req, route, status_text, Outcome::kStalled, answer.seq, start, fault, request_id);
    return;
  }
  res.set_content(answer.body, content_type);
  Finish(req, route, status_text, Outcome::kAnswered, answer.seq, start, fault, request_id);
  if (observed)
    EndObserving(observed, DoorEnd::kAnswered, std::chrono::steady_clock::now(), res.status);
}

std::shared_ptr<Observed> HttpServer::Impl::BeginObserving(const httplib::Request& req,
                                                           const std::string& body,
                                                           const std::string& query,
                                                           const Answer& answer, SteadyTime arrived,
                                                           SteadyTime core_start) {
  auto o = std::make_shared<Observed>();
  DoorExchange& x = o->x;
  x.method = req.method;
  x.path = req.path;
  x.query = query;
  x.body = body;
  x.remote = req.remote_addr + ":" + std::to_string(req.remote_port);
  if (const auto method = engine::ParseMethod(req.method)) {
    if (const auto route = engine::ParseRoute(*method, req.path)) x.operation = route->operation;
  }
  o->core_steady = core_start;
  if (const JournalEntry* e = fake.journal().Find(answer.seq)) {
    x.caller = e->caller;
    x.tenant = e->tenant;
    x.committed = e->committed;
    o->core_us = e->at_us;
  } else {
    // No journal to read (capacity 0): times since the server started, no caller, no commits.
    o->core_us =
        std::chrono::duration_cast<std::chrono::microseconds>(core_start - started_at).count();
  }
  x.code = answer.response.code;
  x.injected = answer.injected;
  if (answer.injected) {
    x.fault = std::string(FaultActionName(answer.action)) +
              " rule=" + std::to_string(answer.fault_rule_id);
  }
  for (const auto& [name, value] : answer.headers) {
    if (EqualsIgnoreCase(name, "x-notion-request-id")) x.request_id = value;
  }
  x.op_id = HeaderNumber(req, "x-notion-sim-op-id");
  x.attempt = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(HeaderNumber(req, "x-notion-sim-attempt"), UINT32_MAX));
  x.arrived_us = o->CoreTime(arrived);
  return o;
}

// `answered` is when the status went out (or the exchange ended without one); a default value
// keeps the times already set (a stalled body sets them itself).
void HttpServer::Impl::EndObserving(const std::shared_ptr<Observed>& o, DoorEnd end,
                                    SteadyTime answered, int status_sent) {
  DoorExchange& x = o->x;
  x.end = end;
  x.status = status_sent;
  if (status_sent == 0) {
    x.code = engine::ApiCode::kNone;
    x.retry_after.clear();
  }
  if (answered != SteadyTime{}) {
    x.answered_us = o->CoreTime(answered);
    x.ended_us = x.answered_us;
    x.answered_wall_us = WallUs();
  }
  options.observer->OnExchange(x);
}

bool HttpServer::Impl::ReadBody(const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& reader, std::string& body,
                                std::vector<FormPart>& form, bool& multipart) {
  const bool announced = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
  if (!announced) return true;
  bool too_large = false;
  std::size_t total = 0;
  bool ok = false;
  multipart = req.is_multipart_form_data();
  if (multipart) {
    // httplib only splits multipart bodies through the two-callback reader (the one-callback
    // reader throws std::bad_function_call on them): parts, each with its own bytes.
    ok = reader(
        [&](const httplib::MultipartFormData& header) {
          if (form.size() >= 64) return false;
          form.push_back(FormPart{header.name, header.filename, header.content_type, ""});
          return true;
        },
        [&](const char* data, std::size_t length) {
          total += length;
          if (total > options.max_body_bytes || form.empty()) {
            too_large = total > options.max_body_bytes;
            return false;
          }
          form.back().content.append(data, length);
          return true;
        });
  } else {
    ok = reader([&](const char* data, std::size_t length) {
      if (body.size() + length > options.max_body_bytes) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
  }
  if (ok) return true;
  const std::string id = DoorRequestId(door_errors.fetch_add(1) + 1);
  if (too_large || res.status == 413) {
    SendJson(res, 413,
             ErrorJson(413, "validation_error",
                       "Request body is larger than " + std::to_string(options.max_body_bytes) +
                           " bytes.",
                       id));
  } else if (multipart) {
    SendJson(res, 400,
             ErrorJson(400, "validation_error",
                       "body failed validation: the multipart/form-data body could not be read "
                       "(its boundary or parts are malformed).",
                       id));
  } else {
    SendJson(res, 400,
             ErrorJson(400, "invalid_request", "The request body could not be read.", id));
  }
  res.set_header("Connection", "close");
  return false;
}

void HttpServer::Impl::AdminError(httplib::Response& res, int status, std::string_view code,
                                  const std::string& message) {
  SendJson(res, status,
           ErrorJson(status, code, message, DoorRequestId(door_errors.fetch_add(1) + 1)));
}

void HttpServer::Impl::HandleAdmin(const httplib::Request& req, httplib::Response& res,
                                   const std::string& body) {
  const std::vector<std::string> seg = AdminSegments(req.path);
  const std::string family = seg.empty() ? std::string() : seg[0];
  {
    // The label set is fixed: a path segment is the caller's text (it could hold anything, a
    // token included) and the request may not even be authorized yet.
    static constexpr std::array<std::string_view, 6> kFamilies = {"faults", "journal", "ledger",
                                                                  "reset",  "health",  "webhooks"};
    const auto& extra = options.admin_extension.families;
    const bool known = std::find(kFamilies.begin(), kFamilies.end(), family) != kFamilies.end() ||
                       std::find(extra.begin(), extra.end(), family) != extra.end();
    std::lock_guard<std::mutex> lock(metrics_mu);
    ++admin_requests[family.empty() ? std::string("root") : known ? family : std::string("other")];
  }
  if (!options.admin_token.empty()) {
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (auth.rfind(prefix, 0) != 0 ||
        !SameSecret(std::string_view(auth).substr(prefix.size()), options.admin_token)) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"notion-sim admin\"");
      AdminError(res, 401, "unauthorized",
                 "The admin API needs the admin token as a bearer token.");
      return;
    }
  }
  const std::string& m = req.method;
  if (family == "faults") {
    AdminFaults(req, res, seg, body);
  } else if (family == "journal") {
    AdminJournal(req, res, seg);
  } else if (family == "ledger" && seg.size() == 1) {
    if (m != "GET") return AdminError(res, 405, "invalid_request", "GET /__admin/ledger only");
    AdminLedger(req, res);
  } else if (family == "reset" && seg.size() == 1) {
    if (m != "POST") return AdminError(res, 405, "invalid_request", "POST /__admin/reset only");
    {
      std::lock_guard<std::mutex> lock(core_mu);
      fake.Reset();
      if (options.after_reset) options.after_reset(fake);
    }
    SendJson(res, 200, json{{"reset", true}});
  } else if (family == "webhooks") {
    AdminWebhooks(req, res, seg, body);
  } else if (family == "health" && seg.size() == 1) {
    if (m != "GET") return AdminError(res, 405, "invalid_request", "GET /__admin/health only");
    json health;
    {
      std::lock_guard<std::mutex> lock(core_mu);
      health = fake.HealthJson();
      health["upstream"] = fake.UpstreamHealthJson();
    }
    health["server"] = json{{"port", bound_port},
                            {"uptime_s", UsSince(started_at) / kUsPerSec},
                            {"holds_in_flight", holds_in_flight.load()},
                            {"threads", options.threads},
                            {"max_threads", options.max_threads},
                            {"max_hold_ms", options.max_hold_us / kUsPerMs}};
    SendJson(res, 200, health);
  } else if (const auto& ext = options.admin_extension;
             ext.handle &&
             std::find(ext.families.begin(), ext.families.end(), family) != ext.families.end()) {
    const AdminReply reply = ext.handle(AdminCall{m, seg, body});
    if (!reply.error_code.empty()) {
      return AdminError(res, reply.status, reply.error_code, reply.error_message);
    }
    res.status = reply.status;
    res.set_content(reply.json, "application/json; charset=utf-8");
  } else {
    std::string routes =
        "faults, faults/{id}, journal, journal/decisions, ledger, reset, health, webhooks";
    for (const std::string& f : options.admin_extension.families) routes += ", " + f;
    AdminError(res, 404, "invalid_request_url",
               "No admin route " + m + " " + req.path + " (" + routes + ").");
  }
}

void HttpServer::Impl::AdminFaults(const httplib::Request& req, httplib::Response& res,
                                   const std::vector<std::string>& seg, const std::string& body) {
  const std::string& m = req.method;
  if (seg.size() == 1) {
    if (m == "GET") {
      json list = json::array();
      {
        std::lock_guard<std::mutex> lock(core_mu);
        const FaultPlan& plan = fake.faults();
        for (const FaultRule& rule : plan.rules()) list.push_back(FaultRuleToJson(rule, plan));
      }
      SendJson(res, 200, json{{"faults", list}});
    } else if (m == "POST") {
      AdminAddFaults(res, body);
    } else if (m == "DELETE") {
      std::size_t removed = 0;
      {
        std::lock_guard<std::mutex> lock(core_mu);
        removed = fake.faults().rules().size();
        fake.faults().Clear();
      }
      SendJson(res, 200, json{{"removed", removed}});
    } else {
      AdminError(res, 405, "invalid_request", "/__admin/faults answers GET, POST and DELETE");
    }
    return;
  }
  const auto id = seg.size() == 2 ? ParseU64(seg[1]) : std::nullopt;
  if (!id) {
    AdminError(res, 404, "invalid_request_url", "Expected /__admin/faults/{numeric id}.");
    return;
  }
  if (m == "GET") {
    std::optional<json> found;
    {
      std::lock_guard<std::mutex> lock(core_mu);
      const FaultPlan& plan = fake.faults();
      for (const FaultRule& rule : plan.rules()) {
        if (rule.id == *id) found = FaultRuleToJson(rule, plan);
      }
    }
    if (!found) return AdminError(res, 404, "object_not_found", "No fault rule " + seg[1] + ".");
    SendJson(res, 200, *found);
  } else if (m == "DELETE") {
    bool removed = false;
    {
      std::lock_guard<std::mutex> lock(core_mu);
      removed = fake.faults().Remove(*id);
    }
    if (!removed) return AdminError(res, 404, "object_not_found", "No fault rule " + seg[1] + ".");
    SendJson(res, 200, json{{"removed", 1}, {"id", *id}});
  } else {
    AdminError(res, 405, "invalid_request", "/__admin/faults/{id} answers GET and DELETE");
  }
}

// GET /__admin/webhooks: the subscriptions and the delivery counters. POST /__admin/webhooks
// {"url", "verification_token"?, "event_types"?}: a subscription, verification request sent at
// once; answers 201 with its index, id and verification token.
void HttpServer::Impl::AdminWebhooks(const httplib::Request& req, httplib::Response& res,
                                     const std::vector<std::string>& seg, const std::string& body) {
  if (seg.size() != 1)
    return AdminError(res, 404, "invalid_request_url", "Expected /__admin/webhooks.");
  if (req.method == "GET") {
    std::lock_guard<std::mutex> lock(core_mu);
    json out = fake.webhooks().Json();
    out["posts"] = webhook_posts.load();
    out["posts_ok"] = webhook_posts_ok.load();
    return SendJson(res, 200, out);
  }
  if (req.method != "POST") {
    return AdminError(res, 405, "invalid_request", "/__admin/webhooks answers GET and POST");
  }
  auto doc = engine::JsonDocument::Parse(body, "request body");
  if (!doc.ok()) return AdminError(res, 400, "invalid_json", doc.error().message);
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  if (!reader.ok()) return AdminError(res, 400, "validation_error", reader.error().message);
  auto spec = ParseWebhookSubscription(root);
  if (!spec.ok()) return AdminError(res, 400, "validation_error", spec.error().message);
  std::lock_guard<std::mutex> lock(core_mu);
  WebhookHub& hub = fake.webhooks();
  const std::uint32_t index = hub.Subscribe(std::move(spec).value());
  json sub = hub.Json()["subscriptions"][index];
  sub["verification_token"] = hub.subscription(index).verification_token;
  SendJson(res, 201, sub);
}

// POST /__admin/faults: one rule ({"action": ...}) or a plan ({"faults": [...]}). All or nothing.
void HttpServer::Impl::AdminAddFaults(httplib::Response& res, const std::string& body) {
  auto doc = engine::JsonDocument::Parse(body, "request body");
  if (!doc.ok()) return AdminError(res, 400, "invalid_json", doc.error().message);
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  std::vector<FaultRule> rules;
  if (reader.ok() && doc->root().contains("faults")) {
    auto plan = ParseFaultPlan(root);
    root.Finish();
    if (!plan.ok()) return AdminError(res, 400, "validation_error", plan.error().message);
    if (!reader.ok()) return AdminError(res, 400, "validation_error", reader.error().message);
    rules = plan->rules();
  } else if (reader.ok()) {
    auto rule = ParseFaultRule(root);
    root.Finish();
    if (!rule.ok()) return AdminError(res, 400, "validation_error", rule.error().message);
    if (!reader.ok()) return AdminError(res, 400, "validation_error", reader.error().message);
    rules.push_back(std::move(rule).value());
  }
  if (!reader.ok()) return AdminError(res, 400, "validation_error", reader.error().message);
  json added = json::array();
  std::lock_guard<std::mutex> lock(core_mu);
  FaultPlan& plan = fake.faults();
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    FaultRule rule = rules[i];
    rule.id = 0;  // the live plan numbers its rules
    auto id = plan.Add(std::move(rule));
    if (!id.ok()) {
      for (std::uint64_t undo : ids) plan.Remove(undo);
      const std::string where =
          rules.size() > 1 ? "request body: at /faults/" + std::to_string(i) + ": " : "";
      return AdminError(res, 400, "validation_error", where + id.error().message);
    }
    ids.push_back(*id);
  }
  for (const FaultRule& rule : plan.rules()) {
    if (std::find(ids.begin(), ids.end(), rule.id) != ids.end()) {
      added.push_back(FaultRuleToJson(rule, plan));
    }
  }
  SendJson(res, 201, json{{"added", added}});
}

// GET /__admin/journal[?limit=N&method=M&path=GLOB&operation=OP]: the newest matching entries
// (at most journal_page_max) and how many matched. GET /__admin/journal/decisions: the fault
// decisions in the form a simulated replay reads. DELETE /__admin/journal clears it.
void HttpServer::Impl::AdminJournal(const httplib::Request& req, httplib::Response& res,
                                    const std::vector<std::string>& seg) {
  if (seg.size() == 2 && seg[1] == "decisions" && req.method == "GET") {
    std::lock_guard<std::mutex> lock(core_mu);
    SendJson(res, 200, fake.journal().DecisionsJson());
    return;
  }
  if (seg.size() != 1) {
    return AdminError(res, 404, "invalid_request_url", "Expected /__admin/journal[/decisions].");
  }
  if (req.method == "DELETE") {
    std::lock_guard<std::mutex> lock(core_mu);
    fake.journal().Clear();
    SendJson(res, 200, json{{"cleared", true}});
    return;
  }
  if (req.method != "GET") {
    return AdminError(res, 405, "invalid_request", "/__admin/journal answers GET and DELETE");
  }
  std::size_t limit = kJournalPageDefault;
  if (req.has_param("limit")) {
    const auto v = ParseU64(req.get_param_value("limit"));
    if (!v || *v == 0) {
      return AdminError(res, 400, "validation_error",
                        "limit should be a positive integer, instead was \"" +
                            req.get_param_value("limit") + "\".");
    }
    limit = static_cast<std::size_t>(*v);
  }
  limit = std::min(limit, options.journal_page_max);
  std::optional<engine::Method> method;
  if (req.has_param("method")) {
    method = engine::ParseMethod(req.get_param_value("method"));
    if (!method) return AdminError(res, 400, "validation_error", "unknown method filter");
  }
  std::optional<engine::Operation> operation;
  if (req.has_param("operation")) {
    operation = engine::ParseOperation(req.get_param_value("operation"));
    if (!operation) return AdminError(res, 400, "validation_error", "unknown operation filter");
  }
  const std::string path_glob = req.get_param_value("path");
  json out;
  {
    std::lock_guard<std::mutex> lock(core_mu);
    const Journal& journal = fake.journal();
    std::vector<const JournalEntry*> matched;
    const std::vector<JournalEntry> entries = journal.Entries();
    for (const JournalEntry& e : entries) {
      if (method && e.method != *method) continue;
      if (operation && e.operation != *operation) continue;
      if (!path_glob.empty() && !GlobMatch(path_glob, e.path)) continue;
      matched.push_back(&e);
    }
    json list = json::array();
    const std::size_t first = matched.size() > limit ? matched.size() - limit : 0;
    for (std::size_t i = first; i < matched.size(); ++i) {
      list.push_back(JournalEntryToJson(*matched[i]));
    }
    out = json{{"capacity", journal.capacity()}, {"total", journal.total()},
               {"dropped", journal.dropped()},   {"held", journal.size()},
               {"count", matched.size()},        {"entries", list}};
  }
  SendJson(res, 200, out);
}

// GET /__admin/ledger[?limit=N]: the newest N committed writes (default 1000, at most 100000) and
// the total.
void HttpServer::Impl::AdminLedger(const httplib::Request& req, httplib::Response& res) {
  std::size_t limit = kLedgerPageDefault;
  if (req.has_param("limit")) {
    const auto v = ParseU64(req.get_param_value("limit"));
    if (!v || *v == 0) {
      return AdminError(res, 400, "validation_error", "limit should be a positive integer.");
    }
    limit = static_cast<std::size_t>(std::min<std::uint64_t>(*v, kLedgerPageMax));
  }
  json list = json::array();
  std::size_t total = 0;
  {
    std::lock_guard<std::mutex> lock(core_mu);
    const engine::Ledger& ledger = fake.ledger();
    total = ledger.size();
    const std::size_t first = total > limit ? total - limit : 0;
    for (std::size_t i = first; i < total; ++i) list.push_back(LedgerEntryToJson(ledger[i]));
  }
  SendJson(res, 200, json{{"count", total}, {"entries", list}});
}

void HttpServer::Impl::HandleMetrics(httplib::Response& res) {
  std::ostringstream out;
  {
    std::lock_guard<std::mutex> lock(metrics_mu);
    out << "# HELP notion_sim_http_requests_total Requests the HTTP door served, by route "
           "(operation) and status (HTTP status, or how the connection ended).\n"
        << "# TYPE notion_sim_http_requests_total counter\n";
    for (const auto& [key, n] : requests_by_route_status) {
      out << "notion_sim_http_requests_total{route=\"" << PromEscape(key.first) << "\",status=\""
          << PromEscape(key.second) << "\"} " << n << "\n";
    }
    out << "# HELP notion_sim_http_outcomes_total How requests ended at the socket.\n"
        << "# TYPE notion_sim_http_outcomes_total counter\n";
    for (const auto& [label, n] : outcomes) {
      out << "notion_sim_http_outcomes_total{outcome=\"" << label << "\"} " << n << "\n";
    }
    out << "# HELP notion_sim_admin_requests_total Admin API requests, by family.\n"
        << "# TYPE notion_sim_admin_requests_total counter\n";
    for (const auto& [label, n] : admin_requests) {
      out << "notion_sim_admin_requests_total{family=\"" << PromEscape(label) << "\"} " << n
          << "\n";
    }
  }
  out << "# HELP notion_sim_http_holds_in_flight Connections held by a delay, hang or stall.\n"
      << "# TYPE notion_sim_http_holds_in_flight gauge\n"
      << "notion_sim_http_holds_in_flight " << holds_in_flight.load() << "\n";
  {
    // The core's own families (notion_sim_fake_*): faults injected by action, rate limited,
    // journal size, writes.
    std::lock_guard<std::mutex> lock(core_mu);
    out << fake.MetricsText();
  }
  res.status = 200;
  res.set_content(out.str(), "text/plain; version=0.0.4; charset=utf-8");
}

// Errors httplib answers itself (a request it cannot parse, a body over the limit, a method it
// has no handler for) get Notion's JSON error shape instead of an empty body.
void HttpServer::Impl::RenderDoorError(const httplib::Request& req, httplib::Response& res) {
  (void)req;
  const int status = res.status;
  std::string code = "invalid_request";
  std::string message = "Unsupported request.";
  if (status == 400 || status == 404 || status == 414) {
    code = "invalid_request_url";
    message = "Invalid request URL.";
  } else if (status == 413) {
    code = "validation_error";
    message = "Request body is larger than " + std::to_string(options.max_body_bytes) + " bytes.";
  }
  const std::string id = DoorRequestId(door_errors.fetch_add(1) + 1);
  res.set_content(ErrorJson(status, code, message, id).dump(), "application/json; charset=utf-8");
}

HttpServer::HttpServer(FakeNotion& fake, HttpServerOptions options)
    : fake_(fake), impl_(std::make_unique<Impl>(fake, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

std::mutex& HttpServer::core_mutex() { return impl_->core_mu; }

int HttpServer::port() const { return impl_->bound_port; }

std::string HttpServer::BaseUrl() const {
  const std::string& host = impl_->options.bind_address;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->bound_port);
}

namespace {

size_t DiscardBody(char*, size_t size, size_t n, void*) { return size * n; }

// Aborts a delivery in flight once the server is stopping.
int AbortWhenStopping(void* stopping, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(stopping)->load() ? 1 : 0;
}

}  // namespace

bool HttpServer::Impl::Post(const WebhookDelivery& d) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return false;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "User-Agent: notion-api");
  std::string signature;
  if (!d.verification) {
    // A planted bad signature is well-formed (sha256= and 64 hex digits) and signs with another
    // key, so only the HMAC comparison can catch it.
    signature = "X-Notion-Signature: " +
                WebhookHub::Signature(d.body, d.bad_signature ? d.verification_token + "-tampered"
                                                              : d.verification_token);
    headers = curl_slist_append(headers, signature.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, d.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, d.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(d.body.size()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(options.webhook_timeout_us / kUsPerMs));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.webhook_timeout_us / kUsPerMs));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortWhenStopping);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &stopping);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  webhook_posts.fetch_add(1);
  const bool ok = rc == CURLE_OK && status >= 200 && status < 300;
  if (ok) webhook_posts_ok.fetch_add(1);
  if (options.log) {
    options.log("webhook " + std::string(d.verification ? "verification" : d.type) + " attempt " +
                std::to_string(d.attempt) + " -> " +
                (rc == CURLE_OK ? std::to_string(status) : std::string(curl_easy_strerror(rc))));
  }
  return ok;
}

// Takes what the hub says is due, sends it outside the core's lock, reports each answer; wakes
// every webhook_poll_us (and at once on Stop) to look again.
void HttpServer::Impl::DeliverLoop() {
  while (!stopping.load()) {
    std::vector<WebhookDelivery> due;
    {
      std::lock_guard<std::mutex> lock(core_mu);
      due = fake.webhooks().TakeDue();
    }
    for (const WebhookDelivery& d : due) {
      const bool ok = !stopping.load() && Post(d);
      std::lock_guard<std::mutex> lock(core_mu);
      fake.webhooks().Report(d, ok);
    }
    std::unique_lock<std::mutex> lock(stop_mu);
    stop_cv.wait_for(lock, std::chrono::microseconds(options.webhook_poll_us),
                     [this] { return stopping.load(); });
  }
}

Result<int> HttpServer::Start() {
  Impl& m = *impl_;
  assert(!m.started && "HttpServer::Start called twice");
  if (m.started) return Error{ErrorCode::kInternal, "HttpServer::Start called twice"};
  // A client that disconnects while we write must not kill the process.
  signal(SIGPIPE, SIG_IGN);
  const auto threads = static_cast<std::size_t>(std::max(2, m.options.threads));
  const auto max_threads =
      static_cast<std::size_t>(std::max({2, m.options.threads, m.options.max_threads}));
  m.server.new_task_queue = [threads, max_threads] {
    return new ConnectionPool(threads, max_threads);
  };
  m.server.set_keep_alive_timeout(
      static_cast<time_t>(std::max<TimeUs>(1, m.options.keep_alive_timeout_us / kUsPerSec)));
  // httplib closes a keep-alive connection after 5 requests by default; SDK clients reuse theirs.
  m.server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  m.server.set_payload_max_length(m.options.max_body_bytes);
  // Small keep-alive answers must not wait for Nagle and the peer's delayed ACK (~40 ms each).
  // Accepted sockets inherit the option from the listening one.
  m.server.set_tcp_nodelay(true);
  m.server.set_socket_options([&m](int fd) {
    httplib::default_socket_options(fd);
    m.listen_fd = fd;
  });
  const std::string all = ".*";
  auto handler = [&m](const httplib::Request& req, httplib::Response& res) {
    m.Handle(req, res, std::string());
  };
  // Anything thrown past our handlers (httplib's own parsing, say) becomes Notion's 500, not
  // httplib's EXCEPTION_WHAT header.
  m.server.set_exception_handler([&m](const httplib::Request&, httplib::Response& res,
                                      const std::exception_ptr&) { m.InternalError(res); });
  // Methods that may carry a body take it through a content reader: httplib would otherwise wait
  // for the peer to close when a DELETE or POST comes without Content-Length (curl -X DELETE),
  // where HTTP/1.1 says there is no body.
  auto with_body = [&m](const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader& reader) {
    try {
      std::string body;
      std::vector<FormPart> form;
      bool multipart = false;
      if (!m.ReadBody(req, res, reader, body, form, multipart)) return;
      m.Handle(req, res, body, multipart ? &form : nullptr);
    } catch (...) {
      m.InternalError(res);
    }
  };
  m.server.Get(all, handler);
  m.server.Options(all, handler);
  m.server.Post(all, with_body);
  m.server.Patch(all, with_body);
  m.server.Delete(all, with_body);
  m.server.Put(all, with_body);
  m.server.set_error_handler(httplib::Server::HandlerWithResponse(
      [&m](const httplib::Request& req, httplib::Response& res) {
        if (res.body.empty() && !res.content_provider_) {
          m.RenderDoorError(req, res);
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      }));
  if (m.options.port == 0) {
    m.bound_port = m.server.bind_to_any_port(m.options.bind_address);
  } else if (m.server.bind_to_port(m.options.bind_address, m.options.port)) {
    m.bound_port = m.options.port;
  } else {
    m.bound_port = -1;
  }
  if (m.bound_port <= 0) {
    return Error{ErrorCode::kIo, "cannot listen on " + m.options.bind_address + ":" +
                                     std::to_string(m.options.port) +
                                     " (address in use, or not an address of this machine)"};
  }
  // Listening again on a listening socket only changes its backlog (Linux, BSD).
  if (m.listen_fd < 0 || ::listen(m.listen_fd, kListenBacklog) != 0) {
    return Error{ErrorCode::kIo, "cannot set the listen backlog on " + m.options.bind_address +
                                     ":" + std::to_string(m.bound_port)};
  }
  m.started = true;
  m.started_at = std::chrono::steady_clock::now();
  m.listener = std::thread([&m] {
    m.server.listen_after_bind();
    m.listen_returned.store(true);
  });
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  m.deliverer = std::thread([&m] { m.DeliverLoop(); });
  // httplib's stop() does nothing until the listening loop has started, so a Stop() right after
  // Start() would leave it running forever: wait (bounded) until it runs.
  const SteadyTime wait_start = std::chrono::steady_clock::now();
  while (!m.server.is_running() && !m.listen_returned.load() &&
         UsSince(wait_start) < kListenStartUs) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!m.server.is_running()) {
    Stop();
    return Error{ErrorCode::kIo, "the listener on " + m.options.bind_address + ":" +
                                     std::to_string(m.bound_port) + " did not start"};
  }
  return m.bound_port;
}

void HttpServer::Stop() {
  Impl& m = *impl_;
  if (!m.started) return;
  {
    std::lock_guard<std::mutex> lock(m.stop_mu);
    m.stopping.store(true);
  }
  m.stop_cv.notify_all();
  m.server.stop();
  if (m.listener.joinable()) m.listener.join();
  if (m.deliverer.joinable()) m.deliverer.join();
  m.started = false;
}

}  // namespace notion_sim::sim
