// CurlTransport: the live Transport — engine::Request over HTTP with libcurl, on a LiveLoop.
//
// Each Send renders one HTTP request the way the official SDK would
// (docs/sources.md#the-official-sdk: bearer token, Notion-Version, a user agent, Content-Type only
// with a body) plus our own `x-notion-sim-op-id` / `x-notion-sim-attempt`, starts it on the loop's
// multi handle, and turns the answer into an engine::Response with the SDK's reading of it (§2.3):
// the body `code`, whether the SDK would know that code, edge (Cloudflare) errors, Retry-After.
// Easy handles are pooled and libcurl's connection cache keeps connections alive, so a steady
// stream of requests reuses a few connections.
//
// Rendering conventions (what the fake's HTTP door and the real API see):
// - path: RenderPath(operation, target) under the base URL; method: Request::method.
// - GET: no body; `page_size` and `start_cursor` (see Paging) go to the query string.
//   DELETE: no body. POST/PATCH: the payload as the JSON body, with `start_cursor: null` removed;
//   no body at all when nothing is left (as the SDK does).
// - create_page: when the payload has no "parent", Request::parent becomes
//   {"parent": {"data_source_id": ...}} (or {"page_id": ...} with CreateParent::kPage); a payload
//   that carries its own "parent" is sent as is. When Request::idempotency_key is set, the page
//   gets a rich_text property `idempotency_key` holding the key's 64 lower-case hex digits.
// - Paging of list operations (query, search, list children, list users): Request::page_size and
//   start_cursor, when set, override the payload's. Notion's cursors are opaque strings while
//   Request/Response carry a uint64 handle, so the transport remembers each `next_cursor` string
//   it receives under a fresh handle (Response::next_cursor, from 1) and sends the string back
//   when a request names that handle. The last `max_cursors` are remembered.
// - reconcile_lookup: POST /v1/data_sources/{parent}/query with
//   {"filter":{"property":"idempotency_key","rich_text":{"equals":"<hex>"}},"page_size":1};
//   Response::found / object_id come from the first result. Reconciling therefore needs a data
//   source parent (a page parent has no queryable properties).
//
// One attempt is one request on the wire: libcurl's silent re-send after a reused connection dies
// is refused and reported as kConnectionReset, so the stack decides about every retry (and a
// create is never sent twice behind its back).
//
// Timeouts: Request::connect_timeout_us is libcurl's connect timeout; Request::timeout_us is a
// loop timer over the whole exchange, body included, that aborts the transfer — so a timeout is
// never reported before timeout_us has passed on the loop's clock. With
// Request::timeout_covers_body false the timer stops counting once the response's head has
// arrived, and the body is waited for however long it takes (the official SDK's way).
//
// The token is read from the TokenProvider for each attempt and goes only into the Authorization
// header: it is never logged, traced or put in any message.
//
// Not thread-safe: everything runs on the LiveLoop's thread. Destroy the transport before the
// loop; transfers still in flight then are aborted and their completions never run.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "notion_sim/engine/live_loop.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::engine {

// Which parent object a create_page names when its payload carries no "parent".
enum class CreateParent : std::uint8_t { kDataSource, kPage };

// Tenant index -> bearer token. An empty token sends no Authorization header.
using TokenProvider = std::function<std::string(std::uint16_t tenant)>;

struct CurlTransportOptions {
  // "http://127.0.0.1:8080" or "https://api.notion.com"; a path prefix is allowed, a trailing
  // slash is dropped, a query or fragment is an error.
  std::string base_url;
  TokenProvider token_provider;
  // Sent as Notion-Version; empty sends none (to provoke missing_version).
  std::string notion_version = "2025-09-03";
  std::string user_agent = "notion-sim/0.1";
  Trace* trace = nullptr;  // receives kRetryAfterGiven; may be null
  CreateParent create_parent = CreateParent::kDataSource;
  // Idle easy handles kept for reuse; more are freed when they finish.
  std::size_t max_pooled_handles = 64;
  // A larger response body ends the attempt as kMalformed.
  std::size_t max_response_bytes = 8u << 20;
  // Pagination cursors remembered (see "Paging" above); the oldest is forgotten first.
  std::size_t max_cursors = 1u << 16;
};

// One attempt as it goes on the wire (exposed for tests and tools).
struct HttpRequest {
  Method method = Method::kGet;
  std::string url;
  std::string body;  // empty = no body
};

// The parts of an HTTP answer the Response is made from.
struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string retry_after;      // raw; empty when absent
  std::string cf_ray;           // empty when absent
  bool has_request_id = false;  // an x-notion-request-id header was present
  std::string request_id;       // its value (at most 128 characters)
  // The fake's HTTP door marks answers its fault plan made with `x-notion-sim-injected: 1`, so live
  // reports can tell injected failures from emergent ones (Response::injected).
  bool injected = false;
};

class CurlTransport final : public Transport {
 public:
  // Fails (kInvalidInput) on a base URL that is not http(s)://host[:port][/prefix], or without a
  // token provider.
  static Result<std::unique_ptr<CurlTransport>> Create(LiveLoop& loop,
                                                       CurlTransportOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // Starts the attempt; `done` runs once on the loop's thread. If the loop has stopped on an error
  // (see LiveLoop::status) the attempt is not sent and `done` never runs.
  void Send(const Request& request, Completion done) override;

  // The request Send would put on the wire (without headers).
  HttpRequest Render(const Request& request) const;
  std::size_t InFlight() const { return in_flight_.size(); }
  std::size_t PooledHandles() const { return idle_.size(); }

 private:
  struct Transfer;
  CurlTransport(LiveLoop& loop, CurlTransportOptions options);
  std::unique_ptr<Transfer> Acquire();
  void Release(std::unique_ptr<Transfer> transfer);
  void OnDone(Transfer* transfer, int curl_code);  // a CURLcode (curl.h stays out of here)
  void OnTimeout(Transfer* transfer);
  std::uint64_t InternCursor(std::string text);
  std::string CursorText(std::uint64_t handle) const;

  LiveLoop& loop_;
  CurlTransportOptions options_;
  std::unordered_map<Transfer*, std::unique_ptr<Transfer>> in_flight_;
  std::vector<std::unique_ptr<Transfer>> idle_;
  struct CursorSlot {
    std::uint64_t handle = 0;
    std::string text;
  };
  std::vector<CursorSlot> cursors_;  // a ring indexed by handle
  std::uint64_t next_cursor_handle_ = 1;
};

// True when the official SDK's APIErrorCode enum holds `code` (docs/sources.md#the-official-sdk):
// only then does an error response become an APIResponseError the SDK may retry. The one list of
// that enum.
bool IsSdkApiErrorCode(std::string_view code);

// What became of a transfer that libcurl ended with `curl_code`, a CURLcode (CURLE_OK: a response
// arrived). An int here so that <curl/curl.h> stays out of this header.
TransportOutcome OutcomeOfCurlCode(int curl_code);

// Reads an HTTP answer the way the SDK does (see the header comment of this file).
// `reconcile_lookup` makes the first result of a query answer the lookup.
Response ParseAnswer(const HttpAnswer& answer, bool reconcile_lookup);

}  // namespace notion_sim::engine
