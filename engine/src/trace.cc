#include "notion_sim/engine/trace.h"

#include <array>

#include "notion_sim/engine/rng.h"

namespace notion_sim::engine {
namespace {

constexpr std::array<std::string_view, static_cast<int>(EventKind::kCount)> kNames = {
    "op_started",         "op_finished",          "attempt_sent",        "attempt_done",
    "retry_scheduled",    "retry_gave_up",        "retry_after_honored", "budget_exhausted",
    "breaker_transition", "breaker_rejected",     "breaker_late_result", "bulkhead_admitted",
    "bulkhead_queued",    "bulkhead_rejected",    "bulkhead_released",   "limiter_delayed",
    "limiter_rejected",   "limiter_rate_changed", "timeout_fired",       "fallback_served",
    "reconcile_lookup",   "dlq_enqueued",         "dlq_retried",         "dlq_permanent",
    "dlq_drained",        "checkpoint_advanced",  "health_changed",      "alert_raised",
    "fault_injected",     "server_write",         "request_received",    "phase_changed",
    "retry_after_given",  "reconcile_sent",       "record_started",      "item_started",
    "step_done",          "item_finished",
};

constexpr std::array<std::string_view, 5> kBreakerStateNames = {"closed", "open", "half_open",
                                                                "forced_open", "disabled"};

}  // namespace

std::string_view ItemOutcomeName(ItemOutcome outcome) {
  static constexpr std::array<std::string_view, kItemOutcomeCount> kItemNames = {
      "succeeded", "degraded", "failed", "dead_lettered", "aborted"};
  const auto i = static_cast<std::size_t>(outcome);
  return i < kItemNames.size() ? kItemNames[i] : "?";
}

std::string_view EventKindName(EventKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < kNames.size() ? kNames[i] : "?";
}

std::string_view BreakerStateName(BreakerState state) {
  const auto i = static_cast<std::size_t>(state);
  return i < kBreakerStateNames.size() ? kBreakerStateNames[i] : "?";
}

bool IsAutomaticTransition(BreakerState from, BreakerState to) {
  switch (from) {
    case BreakerState::kClosed:
      return to == BreakerState::kOpen;
    case BreakerState::kOpen:
      return to == BreakerState::kHalfOpen;
    case BreakerState::kHalfOpen:
      return to == BreakerState::kClosed || to == BreakerState::kOpen;
    case BreakerState::kForcedOpen:
    case BreakerState::kDisabled:
      return false;
  }
  return false;
}

bool BreakerNotClosed(BreakerState state) {
  return state == BreakerState::kOpen || state == BreakerState::kHalfOpen ||
         state == BreakerState::kForcedOpen;
}

Trace::Trace() : digest_(0x6E6F74696F6E2D73ULL) {}

Trace::Trace(Trace* parent, Dependency dependency)
    : parent_(parent), dependency_(dependency), digest_(0) {}

void Trace::Emit(const Event& event) {
  if (parent_ != nullptr) {
    Event stamped = event;
    stamped.dependency = dependency_;
    parent_->Emit(stamped);
    return;
  }
  const Event& e = event;
  std::uint64_t h = digest_;
  h = Mix64(h ^ static_cast<std::uint64_t>(e.at_us));
  h = Mix64(h ^ e.op_id ^ (static_cast<std::uint64_t>(e.kind) << 56) ^
            (static_cast<std::uint64_t>(e.key) << 40) ^ (static_cast<std::uint64_t>(e.attempt)));
  // Notion's events (dependency 0) fold as they always did: digests of runs without a second
  // dependency do not move.
  h = Mix64(h ^ static_cast<std::uint64_t>(e.a) ^ (static_cast<std::uint64_t>(e.dependency) << 60));
  h = Mix64(h ^ static_cast<std::uint64_t>(e.b));
  digest_ = h;
  ++count_;
  ++per_kind_[static_cast<int>(e.kind)];
  for (TraceSink* sink : sinks_) sink->OnEvent(e);
  if (record_limit_ > 0) {
    if (recorded_.size() < record_limit_) {
      recorded_.push_back(e);
    } else {
      truncated_ = true;
    }
  }
}

std::string HexDigest(std::uint64_t digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHex[digest & 0xF];
    digest >>= 4;
  }
  return out;
}

std::string Trace::DigestHex() const { return HexDigest(digest_); }

}  // namespace notion_sim::engine
