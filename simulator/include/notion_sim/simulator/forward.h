// Forwarding: how `notion-sim proxy --target URL` reaches the real API (or another serve).
//
// The proxy is the fake's HTTP door with the workspace model taken out: a request meets the
// core's routing, caller naming and fault plan (FakeNotion::DecideForward), and unless a fault
// pre-empts it, it is forwarded whole (method, path, query, headers, body) to the target; the
// target's answer goes back to the client, with the fault's delay, loss or stall made real on the
// socket exactly as for the fake's own answers (HttpServerOptions::forward).
//
//   auto forwarder = CurlForwarder::Create("https://api.notion.com", Sec(60));
//   HttpServerOptions options;
//   options.forward = [&](const ForwardRequest& r) { return (*forwarder)->Forward(r); };
//
// ForwardRequest and ForwardedAnswer are plain values (thread-safe as values). CurlForwarder is
// thread-safe: Forward blocks its caller (a serving thread, which carries one connection) and may
// be called from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::sim {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One request as the client sent it.
struct ForwardRequest {
  std::string method;
  std::string path;    // "/v1/pages"
  std::string query;   // without '?'
  HeaderList headers;  // end-to-end headers only (see IsForwardedHeader)
  std::string body;
};

// The target's answer. status 0: no answer (unreachable, timed out, reset); `error` says why.
struct ForwardedAnswer {
  int status = 0;
  HeaderList headers;  // end-to-end headers only
  std::string body;
  std::string error;
};

// Whether a header travels through the proxy: hop-by-hop headers (Connection, Keep-Alive,
// Transfer-Encoding, TE, Trailer, Upgrade, Proxy-*), Host, Content-Length, Expect and
// Accept-Encoding (the target answers uncompressed, so recordings are readable) are the proxy's
// own on each leg, and cpp-httplib's REMOTE_ADDR-style pseudo headers never left the client.
bool IsForwardedHeader(std::string_view name);

// Forwards with libcurl: one blocking transfer per call, no automatic redirects or retries (one
// client request is one target request: the judge's view must be the target's view).
class CurlForwarder {
 public:
  // `target` is http(s)://host[:port][/prefix] (a trailing slash is dropped); anything else
  // (another scheme, a query, a fragment, a missing host) is kInvalidInput naming what is wrong.
  // `timeout_us` bounds each transfer, body included; `max_response_bytes` the answer's body.
  static Result<std::unique_ptr<CurlForwarder>> Create(std::string target, TimeUs timeout_us,
                                                       std::size_t max_response_bytes = 8u << 20);
  ForwardedAnswer Forward(const ForwardRequest& request) const;
  const std::string& target() const { return target_; }

 private:
  CurlForwarder(std::string target, TimeUs timeout_us, std::size_t max_response_bytes)
      : target_(std::move(target)),
        timeout_us_(timeout_us),
        max_response_bytes_(max_response_bytes) {}
  std::string target_;
  TimeUs timeout_us_;
  std::size_t max_response_bytes_;
};

}  // namespace notion_sim::sim
