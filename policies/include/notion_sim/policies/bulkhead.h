// Bulkhead: priority lanes with their own concurrency and queue limits, so bulk work cannot take
// the slots that critical work needs (the reliability patterns pack's critical 10, normal 5, bulk
// 2: docs/sources.md#the-patterns-the-profiles-come-from).
//
// Each lane admits up to `max_concurrent` calls; further calls wait in the lane's FIFO queue of at
// most `max_queued`; beyond that they are rejected (typed). A release admits the lane's oldest
// waiter and returns it to the caller, which continues it (on the loop: the bulkhead never calls
// back into the caller, so a release cannot recurse). A waiter may be withdrawn (its op gave up).
// Events: kBulkheadAdmitted / Queued / Rejected / Released with key = lane and
// (in_flight, queued) after the change. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>

#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

struct LaneLimits {
  std::uint32_t max_concurrent = 5;
  std::uint32_t max_queued = 100;
};

struct BulkheadConfig {
  bool enabled = false;
  // Indexed by engine::Lane: critical, normal, bulk.
  std::array<LaneLimits, 3> lanes = {LaneLimits{10, 100}, LaneLimits{5, 100}, LaneLimits{2, 100}};
};

enum class BulkheadDecision : std::uint8_t { kAdmitted, kQueued, kRejected };

class Bulkhead {
 public:
  // `trace` may be null.
  Bulkhead(const BulkheadConfig& config, engine::Trace* trace = nullptr);

  // Asks for a slot in `lane` for `ticket` (an id the caller chooses, e.g. the op id).
  BulkheadDecision Acquire(engine::Lane lane, std::uint64_t ticket, TimeUs now_us);
  // Frees the slot `ticket` held in `lane`; returns the ticket admitted in its place, if any.
  std::optional<std::uint64_t> Release(engine::Lane lane, std::uint64_t ticket, TimeUs now_us);
  // Removes a queued ticket (it gave up waiting). False if it is not queued.
  bool Withdraw(engine::Lane lane, std::uint64_t ticket);

  std::uint32_t in_flight(engine::Lane lane) const { return lanes_[Index(lane)].in_flight; }
  std::size_t queued(engine::Lane lane) const { return lanes_[Index(lane)].queue.size(); }
  const BulkheadConfig& config() const { return config_; }

 private:
  struct LaneState {
    std::uint32_t in_flight = 0;
    std::deque<std::uint64_t> queue;
  };
  static std::size_t Index(engine::Lane lane) { return static_cast<std::size_t>(lane); }
  void Emit(engine::EventKind kind, engine::Lane lane, std::uint64_t ticket, TimeUs now_us);

  BulkheadConfig config_;
  engine::Trace* trace_;
  std::array<LaneState, 3> lanes_;
};

}  // namespace notion_sim::policies
