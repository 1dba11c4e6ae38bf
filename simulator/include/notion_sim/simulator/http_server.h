// HttpServer: the fake Notion's HTTP door (`notion-sim serve`).
//
// Serves the core (FakeNotion) over HTTP/1.1 with cpp-httplib, so the official SDK (`baseUrl`) and
// real integrations can use the fake:
//
//   /v1/..., /upstream/...   through FakeNotion::HandleHttp; the Answer's fault action is made
//                            real on the socket (delay, hang, stalled body, connection reset)
//   /__admin/...             faults (list, add a rule or a plan, remove, clear), journal, ledger,
//                            reset, health; optionally behind a bearer token
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

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/simulator/redact.h"  // RedactToken, for callers that show tokens
#include "notion_sim/simulator/workspace.h"

namespace notion_sim::sim {

class FakeNotion;

// The workspace `notion-sim serve` starts with when given none: one database "Tasks" holding one
// data source "Tasks" (properties Name: title, Done: checkbox, Notes: rich_text, Count: number,
// Status: rich_text, idempotency_key: rich_text) with `seeded_pages` pages, ids drawn from `seed`,
// no tokens (the caller adds them).
Workspace DefaultServeWorkspace(std::uint64_t seed, std::uint32_t seeded_pages = 0);

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
  // How long an idle keep-alive connection stays open; Stop() can wait this long for one.
  TimeUs keep_alive_timeout_us = Sec(2);
  // One line per request (method, path, status, action, duration); never contains a token.
  // Called on the serving threads, outside the core's lock; may be empty.
  std::function<void(std::string_view line)> log;
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
