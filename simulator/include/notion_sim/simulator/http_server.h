// HttpServer: the fake Notion's HTTP door (`notion-sim serve`).
//
// Serves the core (FakeNotion) over HTTP/1.1 with cpp-httplib, so the official SDK (`baseUrl`) and
// real integrations can use the fake:
//
//   /v1/..., /upstream/...   through FakeNotion::HandleHttp; the Answer's fault action is made
//                            real on the socket (delay, hang, stalled body, connection reset)
//   /__admin/...             faults (list, add a rule or a plan, remove, clear), journal, ledger,
//                            reset, health, webhooks (subscribe, list); optionally behind a
//                            bearer token
//   webhooks                 the core's webhook deliveries POSTed to the subscriptions' URLs with
//                            libcurl, signed (X-Notion-Signature), from a background thread
//   /metrics                 Prometheus text: requests by route and status, realized actions,
//                            plus the core's own counters
//   anything else            Notion's 400 invalid_request_url
//
//   SteadyClock clock;
//   FakeNotion fake(clock, engine::Rng(seed).Fork("fake"), nullptr, config);
//   HttpServer server(fake, HttpServerOptions{});
//   Result<int> port = server.Start();     // port 0 in the options: a free one is picked
//   ...
//   server.Stop();
//
// Real time lives here and in no other simulator file: the core reads a SteadyClock, and holds
// (delay, hang, stall) sleep on the real clock outside the core's lock, never longer than
// `max_hold_us` and never past Stop(), so neither a test nor a shutdown waits on a fault.
//
// Thread-safe: cpp-httplib serves on a thread pool and every call into the core is serialized by
// one mutex owned by the server. While the server runs, touch the core only through WithCore.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/simulator/forward.h"
#include "notion_sim/simulator/redact.h"  // RedactToken, for callers that show tokens
#include "notion_sim/simulator/traffic_observer.h"
#include "notion_sim/simulator/workspace.h"

namespace notion_sim::sim {

class FakeNotion;

// Creates a page at the workspace root through the pipeline, so a served workspace has a page to
// create under; the create is journaled and in the ledger like any other, but as serve's own
// set-up call it meets no fault and spends no rate budget. Returns the page id. Not thread-safe:
// call before Start() or inside WithCore / after_reset.
Result<engine::ObjectId> CreateRootPage(FakeNotion& fake, const std::string& token,
                                        const std::string& title = "notion-sim root");

// Microseconds since construction, from std::chrono::steady_clock: the core's clock when it is
// served over HTTP. Thread-safe.
class SteadyClock final : public engine::Clock {
 public:
  SteadyClock() : start_(std::chrono::steady_clock::now()) {}
  TimeUs NowUs() const override;

 private:
  std::chrono::steady_clock::time_point start_;
};

// An admin request for a family the embedding program answers (see HttpServerOptions).
struct AdminCall {
  std::string method;
  std::vector<std::string> segments;  // "/__admin/verdict/x" -> {"verdict", "x"}
  std::string body;
};
struct AdminReply {
  int status = 200;
  std::string json;  // the body when error_code is empty
  // An error answered in Notion's error shape: {"object": "error", "status", "code", "message"}.
  std::string error_code;
  std::string error_message;
};
struct AdminExtension {
  std::vector<std::string> families;  // e.g. {"scenario", "verdict"}
  // Called on a serving thread, outside the core's lock (use HttpServer::WithCore for the core).
  std::function<AdminReply(const AdminCall& call)> handle;
};

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0: the kernel picks a free port; Start() returns it
  // When not empty, every /__admin request must carry `Authorization: Bearer <admin_token>`.
  std::string admin_token;
  // Worker threads started with the server. A connection occupies one for as long as it stays
  // open (keep-alive included); when all are busy, a new connection gets a new thread, up to
  // `max_threads`, so clients with many connections are not left waiting for others to close.
  // Held connections (hang, stall, delay) each occupy one, and at most threads / 2 hold at a
  // time; a hold beyond that becomes an immediate reset (counted in /metrics).
  int threads = 16;
  int max_threads = 256;
  // Upper bound of any delay, hang or stalled body.
  TimeUs max_hold_us = Sec(120);
  // Upper bound of GET /__admin/journal?limit=N.
  std::size_t journal_page_max = 1000;
  // Request bodies above this size get 413 before they reach the core (Notion's own 500 KB
  // payload limit is the core's to enforce, as a validation_error). Room for a 20 MB file part.
  std::size_t max_body_bytes = (20u << 20) + (1u << 20);
  // Webhook deliveries (FakeNotion::webhooks()): a background thread POSTs what the hub says is
  // due, looking every `webhook_poll_us`; one delivery may take `webhook_timeout_us` (connect and
  // answer), after which it counts as failed and the hub retries it on Notion's schedule.
  TimeUs webhook_poll_us = Ms(20);
  TimeUs webhook_timeout_us = Sec(5);
  // How long an idle keep-alive connection stays open; Stop() can wait this long for one.
  TimeUs keep_alive_timeout_us = Sec(2);
  // One line per request (method, path, status, action, duration); never contains a token.
  // Called on the serving threads, outside the core's lock; may be empty.
  std::function<void(std::string_view line)> log;
  // Told of every API request and what became of it (traffic_observer.h); may be null. Must
  // outlive the server. Needs a journal (the core's, capacity >= 1) for callers and commits.
  TrafficObserver* observer = nullptr;
  // Admin families the embedding program answers, behind the same admin token as the door's own.
  AdminExtension admin_extension;
  // When set, the door is a proxy (`notion-sim proxy`, forward.h): an API request meets the core's
  // fault plan only (FakeNotion::DecideForward), and one no fault pre-empts is handed to
  // `forward` on its serving thread, outside the core's lock; the target's answer goes back with
  // the fault's delay, loss (forwarded, then dropped) or stall made real as for the fake's own
  // answers, and the observer sees it like any other. Must be thread-safe.
  std::function<ForwardedAnswer(const ForwardRequest& request)> forward;
  // One record per request to /v1/ or /upstream/ (serve --log writes it as a JSON line). Called
  // on the serving threads, outside the core's lock; may be empty. Holds no token.
  struct RequestRecord {
    std::string_view method;
    std::string_view path;
    std::string_view route;       // the operation, or "unknown"
    std::string_view status;      // "503", or what happened instead ("reset", "hung", ...)
    std::string_view fault;       // "respond rule=3", or empty
    std::string_view request_id;  // x-notion-request-id of the answer; empty when none
    std::uint64_t op_id = 0;      // from x-notion-sim-op-id (0: the client sent none)
    std::uint32_t attempt = 0;    // from x-notion-sim-attempt
    TimeUs at_us = 0;             // the core's clock when it handled the request (0: unknown)
    TimeUs latency_us = 0;        // the whole exchange, as the door measured it
    std::uint16_t tenant = 0;
  };
  std::function<void(const RequestRecord& record)> record;
  // Runs under the core's lock right after POST /__admin/reset reset the core, e.g. to recreate
  // the root page (its id repeats: the core's ids after a Reset repeat a fresh instance's).
  std::function<void(FakeNotion& fake)> after_reset;
};

class HttpServer {
 public:
  // `fake` must outlive the server.
  HttpServer(FakeNotion& fake, HttpServerOptions options);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on a background thread. Returns the port (the picked one when the
  // options said 0). Fails with kIo when the address cannot be bound. Call at most once.
  Result<int> Start();
  // Wakes every held connection, stops accepting and joins the serving threads. Idempotent. May
  // wait up to keep_alive_timeout_us for an idle keep-alive connection to notice.
  void Stop();

  int port() const;
  // "http://127.0.0.1:PORT" (no trailing slash: the SDK appends "/v1/").
  std::string BaseUrl() const;

  // Runs `fn(fake)` under the core's lock.
  template <typename Fn>
  auto WithCore(Fn&& fn) {
    std::lock_guard<std::mutex> lock(core_mutex());
    return fn(fake_);
  }

 private:
  struct Impl;
  std::mutex& core_mutex();

  FakeNotion& fake_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace notion_sim::sim
