#include "notion_sim/policies/health.h"

#include <algorithm>
#include <utility>

namespace notion_sim::policies {

std::string_view HealthLevelName(HealthLevel level) {
  static constexpr std::array<std::string_view, 3> kNames = {"healthy", "degraded", "unhealthy"};
  const auto i = static_cast<std::size_t>(level);
  return i < kNames.size() ? kNames[i] : "?";
}

std::string_view HealthReasonName(HealthReason reason) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "none",     "unreachable",        "error_rate_unhealthy", "breaker_not_closed",
      "dlq_deep", "error_rate_degraded"};
  const auto i = static_cast<std::size_t>(reason);
  return i < kNames.size() ? kNames[i] : "?";
}

std::uint16_t ServiceOf(engine::Operation op) {
  return op == engine::Operation::kUpstreamComplete ? kServiceUpstream : kServiceNotion;
}

AttemptHealth AttemptHealthOfEvent(std::int64_t status_or_outcome) {
  if (status_or_outcome < 0) {
    const auto outcome = static_cast<engine::TransportOutcome>(-status_or_outcome);
    // A response that arrived but could not be read still shows the service is reachable.
    return outcome == engine::TransportOutcome::kMalformed ? AttemptHealth::kError
                                                           : AttemptHealth::kUnreachable;
  }
  const std::int64_t status = status_or_outcome;
  if (status == 429 || status >= 500 || status < 100) return AttemptHealth::kError;
  return AttemptHealth::kOk;
}

AttemptHealth AttemptHealthOf(const engine::Response& response) {
  if (response.outcome != engine::TransportOutcome::kResponse) {
    return AttemptHealthOfEvent(-static_cast<std::int64_t>(response.outcome));
  }
  return AttemptHealthOfEvent(response.status);
}

Result<HealthConfig> ParseHealthConfig(engine::ObjectReader& r, HealthConfig d) {
  HealthConfig c = d;
  c.dlq_degraded_above = static_cast<std::size_t>(
      r.Int("dlq_degraded_above", static_cast<std::int64_t>(d.dlq_degraded_above), 0, 100'000'000));
  c.unreachable_after =
      static_cast<std::uint32_t>(r.Int("unreachable_after", d.unreachable_after, 1, 1'000'000));
  c.error_rate_window_us = Ms(r.Int("error_rate_window_ms", d.error_rate_window_us / kUsPerMs, 10,
                                    30LL * 24 * 3600 * 1000));
  c.error_rate_min_calls = static_cast<std::uint32_t>(
      r.Int("error_rate_min_calls", d.error_rate_min_calls, 1, 1'000'000'000));
  c.error_rate_degraded_percent =
      r.Number("error_rate_degraded_percent", d.error_rate_degraded_percent, 0, 100);
  c.error_rate_unhealthy_percent =
      r.Number("error_rate_unhealthy_percent", d.error_rate_unhealthy_percent, 0, 100);
  r.Finish();
  if (r.ok() && c.error_rate_degraded_percent > c.error_rate_unhealthy_percent) {
    r.Fail("error_rate_degraded_percent", "expected <= error_rate_unhealthy_percent");
  }
  if (!r.ok()) return r.error();
  return c;
}

// ---- HealthMonitor ----

HealthMonitor::HealthMonitor(engine::Trace* trace, std::uint16_t service, HealthConfig config)
    : trace_(trace),
      service_(service),
      config_(config),
      bucket_us_(std::max<TimeUs>(1, config.error_rate_window_us / kBuckets)) {}

void HealthMonitor::Age(TimeUs now_us) {
  const std::int64_t index = now_us / bucket_us_;
  for (Bucket& b : buckets_) {
    if (b.index >= 0 && b.index <= index - kBuckets) b = Bucket{};
  }
}

void HealthMonitor::OnAttempt(TimeUs now_us, AttemptHealth result) {
  Age(now_us);
  const std::int64_t index = now_us / bucket_us_;
  Bucket& b = buckets_[static_cast<std::size_t>(index % kBuckets)];
  if (b.index != index) b = Bucket{index, 0, 0};
  ++b.calls;
  if (result != AttemptHealth::kOk) ++b.errors;
  consecutive_unreachable_ =
      result == AttemptHealth::kUnreachable ? consecutive_unreachable_ + 1 : 0;
  Evaluate(now_us);
}

void HealthMonitor::OnBreakerState(TimeUs now_us, std::uint16_t breaker_key, BreakerState state) {
  breakers_[breaker_key] = state;
  Evaluate(now_us);
}

void HealthMonitor::OnDlqDepth(TimeUs now_us, std::size_t depth) {
  dlq_depth_ = depth;
  Evaluate(now_us);
}

void HealthMonitor::Refresh(TimeUs now_us) { Evaluate(now_us); }

void HealthMonitor::Evaluate(TimeUs now_us) {
  Age(now_us);
  HealthReport r;
  for (const Bucket& b : buckets_) {
    if (b.index < 0) continue;
    r.window_calls += b.calls;
    r.window_errors += b.errors;
  }
  r.consecutive_unreachable = consecutive_unreachable_;
  for (const auto& [key, state] : breakers_) {
    if (engine::BreakerNotClosed(state)) ++r.breakers_not_closed;
  }
  r.dlq_depth = dlq_depth_;
  const bool judged = r.window_calls > 0 && r.window_calls >= config_.error_rate_min_calls;
  const double error_percent =
      judged ? static_cast<double>(r.window_errors) * 100.0 / static_cast<double>(r.window_calls)
             : 0.0;
  if (consecutive_unreachable_ >= config_.unreachable_after) {
    r.level = HealthLevel::kUnhealthy;
    r.reason = HealthReason::kUnreachable;
  } else if (judged && error_percent >= config_.error_rate_unhealthy_percent) {
    r.level = HealthLevel::kUnhealthy;
    r.reason = HealthReason::kErrorRateUnhealthy;
  } else if (r.breakers_not_closed > 0) {
    r.level = HealthLevel::kDegraded;
    r.reason = HealthReason::kBreakerNotClosed;
  } else if (r.dlq_depth > config_.dlq_degraded_above) {
    r.level = HealthLevel::kDegraded;
    r.reason = HealthReason::kDlqDeep;
  } else if (judged && error_percent >= config_.error_rate_degraded_percent) {
    r.level = HealthLevel::kDegraded;
    r.reason = HealthReason::kErrorRateDegraded;
  }
  const HealthLevel from = report_.level;
  report_ = r;
  if (from != r.level && trace_ != nullptr) {
    trace_->Emit(engine::EventKind::kHealthChanged, now_us, 0, 0, service_,
                 static_cast<std::int64_t>(from), static_cast<std::int64_t>(r.level));
  }
}

// ---- HealthSink ----

HealthSink::HealthSink(engine::Trace* trace, HealthConfig config)
    : monitors_{HealthMonitor(trace, kServiceNotion, config),
                HealthMonitor(trace, kServiceUpstream, config)} {}

std::uint16_t HealthSink::ServiceOfEvent(const engine::Event& e) const {
  // An event of the second upstream's stack concerns the upstream; Notion's stack may still be
  // asked for an upstream operation directly (a stream of upstream_complete).
  if (e.dependency == engine::Dependency::kUpstream) return kServiceUpstream;
  const auto it = service_of_op_.find(e.op_id);
  return it != service_of_op_.end() ? it->second : kServiceNotion;
}

void HealthSink::OnEvent(const engine::Event& e) {
  using engine::EventKind;
  switch (e.kind) {
    case EventKind::kOpStarted:
      service_of_op_[e.op_id] = ServiceOf(static_cast<engine::Operation>(e.a));
      return;
    case EventKind::kOpFinished:
      service_of_op_.erase(e.op_id);
      return;
    case EventKind::kAttemptDone:
      monitors_[ServiceOfEvent(e)].OnAttempt(e.at_us, AttemptHealthOfEvent(e.a));
      return;
    case EventKind::kBreakerTransition: {
      const std::uint16_t service =
          e.dependency == engine::Dependency::kUpstream ? kServiceUpstream : kServiceNotion;
      monitors_[service].OnBreakerState(e.at_us, e.key, static_cast<BreakerState>(e.b));
      return;
    }
    case EventKind::kDlqEnqueued:
    case EventKind::kDlqRetried:
    case EventKind::kDlqPermanent:
    case EventKind::kDlqDrained: {
      const std::uint16_t service =
          e.dependency == engine::Dependency::kUpstream ? kServiceUpstream : kServiceNotion;
      monitors_[service].OnDlqDepth(e.at_us, static_cast<std::size_t>(e.a));
      return;
    }
    default:
      return;
  }
}

}  // namespace notion_sim::policies
