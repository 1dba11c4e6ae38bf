// TrafficObserver: the seam through which the fake's HTTP door reports every API request it served
// and what became of it at the socket, so a judge of real integrations (checks::ClientJudge, fed by
// scenarios::ClientObserver) can watch a client without the door knowing about judging.
//
//   struct Printer final : sim::TrafficObserver {
//     void OnExchange(const sim::DoorExchange& x) override { ... }
//   };
//   HttpServerOptions options;
//   options.observer = &printer;           // must outlive the server
//
// The door calls OnExchange once per request to /v1/ or /upstream/ (not for the admin API or
// /metrics), after the exchange ended for the client: a stalled body when its connection closed,
// a hold when the client left, the bound passed or the server stopped. So calls come in the order
// exchanges end, not the order requests arrived. Calls are made on the serving threads, outside
// the core's lock, possibly at the same time: an observer serializes itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::sim {

// How an exchange ended at the socket.
enum class DoorEnd : std::uint8_t {
  kAnswered,  // a complete response was written
  kReset,     // dropped before an answer: an injected reset, a client that left during a delay,
              // or a hold refused for lack of threads
  kLost,      // applied, then dropped (lose_after_commit)
  kHung,      // never answered (hang)
  kStalled,   // status, headers and half the body, then closed
};

// One request and its fate. Times are on the fake's clock (the core's, in microseconds), so they
// line up with fault windows and the journal.
struct DoorExchange {
  std::string method;
  std::string path;   // without the query string
  std::string query;  // without '?'
  std::string body;
  std::string remote;  // the client's address and port: "127.0.0.1:53422"
  std::string caller;  // the journal's name for the token ("acme", or "…" and its last 4)
  std::uint16_t tenant = 0;
  std::optional<engine::Operation> operation;  // unset for a path no operation has
  bool committed = false;                      // the request changed the workspace
  int status = 0;                              // the status sent; 0 when none was
  engine::ApiCode code = engine::ApiCode::kNone;
  std::string retry_after;  // the Retry-After header as sent (a date re-dated on the wall clock)
  std::int64_t answered_wall_us = 0;  // the wall clock (since 1970) when the status went out
  bool injected = false;
  std::string fault;       // "respond rule=2" when the fault plan decided the answer; "" otherwise
  std::string request_id;  // the answer's x-notion-request-id; "" when none
  // notion-sim's own stack names its operation and attempt (x-notion-sim-op-id, -attempt); 0 for
  // any other client.
  std::uint64_t op_id = 0;
  std::uint32_t attempt = 0;
  TimeUs arrived_us = 0;   // the whole request had been read
  TimeUs answered_us = 0;  // the status line went out (or the exchange ended without one)
  TimeUs ended_us = 0;     // the exchange was over for the client
  DoorEnd end = DoorEnd::kAnswered;
};

class TrafficObserver {
 public:
  virtual ~TrafficObserver() = default;
  virtual void OnExchange(const DoorExchange& exchange) = 0;
};

}  // namespace notion_sim::sim
