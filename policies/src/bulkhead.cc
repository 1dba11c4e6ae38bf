#include "notion_sim/policies/bulkhead.h"

#include "policy_check.h"

#include <algorithm>

namespace notion_sim::policies {

Bulkhead::Bulkhead(const BulkheadConfig& config, engine::Trace* trace)
    : config_(config), trace_(trace) {}

void Bulkhead::Emit(engine::EventKind kind, engine::Lane lane, std::uint64_t ticket,
                    TimeUs now_us) {
  if (trace_ == nullptr) return;
  const LaneState& s = lanes_[Index(lane)];
  trace_->Emit(kind, now_us, ticket, 0, static_cast<std::uint16_t>(lane), s.in_flight,
               static_cast<std::int64_t>(s.queue.size()));
}

BulkheadDecision Bulkhead::Acquire(engine::Lane lane, std::uint64_t ticket, TimeUs now_us) {
  LaneState& s = lanes_[Index(lane)];
  const LaneLimits& limits = config_.lanes[Index(lane)];
  // FIFO: a newcomer never overtakes a waiter.
  if (s.in_flight < limits.max_concurrent && s.queue.empty()) {
    ++s.in_flight;
    Emit(engine::EventKind::kBulkheadAdmitted, lane, ticket, now_us);
    return BulkheadDecision::kAdmitted;
  }
  if (s.queue.size() < limits.max_queued) {
    s.queue.push_back(ticket);
    Emit(engine::EventKind::kBulkheadQueued, lane, ticket, now_us);
    return BulkheadDecision::kQueued;
  }
  Emit(engine::EventKind::kBulkheadRejected, lane, ticket, now_us);
  return BulkheadDecision::kRejected;
}

std::optional<std::uint64_t> Bulkhead::Release(engine::Lane lane, std::uint64_t ticket,
                                               TimeUs now_us) {
  LaneState& s = lanes_[Index(lane)];
  NSIM_POLICY_CHECK(s.in_flight > 0);
  --s.in_flight;
  Emit(engine::EventKind::kBulkheadReleased, lane, ticket, now_us);
  if (s.queue.empty() || s.in_flight >= config_.lanes[Index(lane)].max_concurrent) {
    return std::nullopt;
  }
  const std::uint64_t next = s.queue.front();
  s.queue.pop_front();
  ++s.in_flight;
  Emit(engine::EventKind::kBulkheadAdmitted, lane, next, now_us);
  return next;
}

bool Bulkhead::Withdraw(engine::Lane lane, std::uint64_t ticket) {
  LaneState& s = lanes_[Index(lane)];
  const auto it = std::find(s.queue.begin(), s.queue.end(), ticket);
  if (it == s.queue.end()) return false;
  s.queue.erase(it);
  return true;
}

}  // namespace notion_sim::policies
