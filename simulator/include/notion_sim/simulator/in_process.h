// InProcessTransport: the simulated door — an engine::Transport that calls the fake's core
// directly with typed requests, behind a NetworkModel on the loop's virtual clock.
//
// One attempt: the request travels (request latency; it may be lost: kConnectionReset, not
// applied), the fake handles it (plus its processing time and any fault delay), the response
// travels back (response latency; it may be lost after the fake applied it). Fault actions become
// outcomes:
//   kLoseAfterCommit  applied; kTimeout at the attempt's timeout (or kConnectionReset at the
//                     response time when the rule says "reset")
//   kHang, kStallBody kTimeout at the attempt's timeout
//   kReset            kConnectionReset at the response time, not applied
//   kMalformedJson    kMalformed (a 2xx that cannot be read)
//   kHtmlEdge         a response with edge_error = true and code_known_to_sdk = false
// A timeout (Request::timeout_us > 0) also cuts an answer that would arrive later; the fake may
// still apply the request after the client gave up, as a real server would.
//
// An attempt that never gets an answer and has no timeout (hang, stalled body or lost response
// with timeout_us = 0) stays open: its completion never runs, it is counted in hung(), and the
// Runner reports its operation as unfinished. Every other completion runs exactly once.
// Connect timeouts are not modelled (there is no connection phase in process).
//
// A response that carries Retry-After emits kRetryAfterGiven on the trace when it is delivered.
// Not thread-safe: runs on the loop's thread.
#pragma once

#include <cstdint>
#include <vector>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/simulator/network.h"

namespace notion_sim::sim {

class FakeNotion;

struct TransportStats {
  std::uint64_t sent = 0;
  std::uint64_t completed = 0;
  std::uint64_t responses = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t resets = 0;
  std::uint64_t malformed = 0;
  std::uint64_t requests_lost = 0;   // network loss before the fake
  std::uint64_t responses_lost = 0;  // network loss after the fake applied
  std::uint64_t refused = 0;         // past max_in_flight
};

class InProcessTransport final : public engine::Transport {
 public:
  // Attempts in flight at once; past it an attempt completes at once with kConnectionRefused.
  static constexpr std::size_t kDefaultMaxInFlight = 1'000'000;

  InProcessTransport(engine::Loop& loop, FakeNotion& fake, NetworkModel network,
                     engine::Rng rng = engine::Rng(0x6E657477), engine::Trace* trace = nullptr,
                     std::size_t max_in_flight = kDefaultMaxInFlight);
  void Send(const engine::Request& request, engine::Completion done) override;

  const TransportStats& stats() const { return stats_; }
  std::size_t in_flight() const { return in_flight_; }
  // Attempts that will never complete (no answer, no timeout).
  std::size_t hung() const { return hung_; }

 private:
  struct Flight {
    engine::Request request;
    engine::Completion done;
    engine::Response response;  // what Deliver hands over
    TimeUs sent_us = 0;
    engine::EventId timeout_event;
    std::uint32_t generation = 0;
    bool live = false;
    bool finished = false;     // the client has its outcome (a late server event only applies)
    bool server_done = false;  // no server-side event of this attempt is pending
  };
  std::uint32_t Allocate();
  void MaybeRelease(std::uint32_t slot);
  void Arrive(std::uint32_t slot, std::uint32_t generation);
  void Deliver(std::uint32_t slot, std::uint32_t generation);
  void TimeOut(std::uint32_t slot, std::uint32_t generation);
  void HeadersArrived(std::uint32_t slot, std::uint32_t generation);
  void Finish(std::uint32_t slot, engine::Response response);

  engine::Loop& loop_;
  FakeNotion& fake_;
  NetworkModel network_;
  engine::Rng rng_;
  engine::Trace* trace_;
  std::size_t max_in_flight_;
  std::vector<Flight> flights_;
  std::vector<std::uint32_t> free_;
  std::size_t in_flight_ = 0;
  std::size_t hung_ = 0;
  TransportStats stats_;
};

}  // namespace notion_sim::sim
