// Health: is a service healthy, degraded or unhealthy, and why.
//
// Seed pattern 1's rule, per service (Notion, and the second upstream of seed pattern 2):
//   unhealthy  the service is unreachable (the last `unreachable_after` attempts got no HTTP
//              response), or its error rate over the window is >= error_rate_unhealthy_percent;
//   degraded   a breaker guarding it is not closed, the DLQ holds more than `dlq_degraded_above`
//              entries (100), or the error rate is >= error_rate_degraded_percent;
//   healthy    otherwise.
// The error rate counts attempts in a bucketed window (error_rate_window_us in 10 buckets) and is
// only judged with at least error_rate_min_calls attempts in it. A monitor is fed explicitly
// (HealthMonitor) or from the trace (HealthSink). Emits kHealthChanged (key = service, a = from,
// b = to) on every change. ServiceMonitor is seed pattern 2's simpler per-upstream monitor.
// Not thread-safe; no clock: times come from the caller or the events.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string_view>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/circuit_breaker.h"

namespace notion_sim::policies {

// Numeric values are what kHealthChanged carries.
enum class HealthLevel : std::uint8_t { kHealthy, kDegraded, kUnhealthy };
std::string_view HealthLevelName(HealthLevel level);

// The first rule that decided the level (checked in this order).
enum class HealthReason : std::uint8_t {
  kNone,
  kUnreachable,
  kErrorRateUnhealthy,
  kBreakerNotClosed,
  kDlqDeep,
  kErrorRateDegraded,
};
std::string_view HealthReasonName(HealthReason reason);

inline constexpr std::uint16_t kServiceNotion = 0;
inline constexpr std::uint16_t kServiceUpstream = 1;
inline constexpr std::size_t kServiceCount = 2;
// kServiceUpstream for Operation::kUpstreamComplete, kServiceNotion for the rest.
std::uint16_t ServiceOf(engine::Operation op);

// How an attempt reflects on the service's health.
enum class AttemptHealth : std::uint8_t {
  kOk,           // 2xx, or a 4xx other than 429 (the service answered; the request was wrong)
  kError,        // 5xx, 429, or an unreadable response
  kUnreachable,  // no HTTP response: timeout, reset, refused, DNS, TLS
};
AttemptHealth AttemptHealthOf(const engine::Response& response);
// The same from kAttemptDone's `a` (HTTP status, or −TransportOutcome).
AttemptHealth AttemptHealthOfEvent(std::int64_t status_or_outcome);

struct HealthConfig {
  std::size_t dlq_degraded_above = 100;
  std::uint32_t unreachable_after = 3;
  TimeUs error_rate_window_us = Min(5);
  std::uint32_t error_rate_min_calls = 10;
  double error_rate_degraded_percent = 10;
  double error_rate_unhealthy_percent = 50;
};
// {"dlq_degraded_above", "unreachable_after", "error_rate_window_ms", "error_rate_min_calls",
//  "error_rate_degraded_percent", "error_rate_unhealthy_percent"}.
Result<HealthConfig> ParseHealthConfig(engine::ObjectReader& r, HealthConfig defaults);

struct HealthReport {
  HealthLevel level = HealthLevel::kHealthy;
  HealthReason reason = HealthReason::kNone;
  std::uint64_t window_calls = 0;
  std::uint64_t window_errors = 0;
  std::uint32_t consecutive_unreachable = 0;
  std::size_t breakers_not_closed = 0;
  std::size_t dlq_depth = 0;
};

class HealthMonitor {
 public:
  HealthMonitor(engine::Trace* trace, std::uint16_t service, HealthConfig config = {});

  void OnAttempt(TimeUs now_us, AttemptHealth result);
  // The state of breaker `breaker_key` guarding this service (any number of breakers: per tenant).
  void OnBreakerState(TimeUs now_us, std::uint16_t breaker_key, BreakerState state);
  void OnDlqDepth(TimeUs now_us, std::size_t depth);
  // Re-evaluates at `now_us` (errors age out of the window without new attempts).
  void Refresh(TimeUs now_us);

  HealthLevel Level() const { return report_.level; }
  const HealthReport& Report() const { return report_; }
  std::uint16_t service() const { return service_; }

 private:
  void Evaluate(TimeUs now_us);
  void Age(TimeUs now_us);

  static constexpr int kBuckets = 10;
  struct Bucket {
    std::int64_t index = -1;  // bucket number since time 0; -1 = empty
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
  };

  engine::Trace* trace_;
  std::uint16_t service_;
  HealthConfig config_;
  TimeUs bucket_us_;
  std::array<Bucket, kBuckets> buckets_{};
  std::uint32_t consecutive_unreachable_ = 0;
  std::map<std::uint16_t, BreakerState> breakers_;  // key order: deterministic
  std::size_t dlq_depth_ = 0;
  HealthReport report_;
};

// Feeds one HealthMonitor per service from the trace: kAttemptDone, kBreakerTransition and kDlq*
// (depth) count for the service of the event's dependency (engine::Event::dependency: the second
// upstream's stack is the upstream's); an attempt of Notion's stack for an operation of the
// upstream (kOpStarted says which) counts for the upstream. Add it with Trace::AddSink; it emits
// kHealthChanged into the same trace.
class HealthSink final : public engine::TraceSink {
 public:
  HealthSink(engine::Trace* trace, HealthConfig config);
  void OnEvent(const engine::Event& event) override;
  const HealthMonitor& monitor(std::uint16_t service) const { return monitors_.at(service); }
  HealthMonitor& monitor(std::uint16_t service) { return monitors_.at(service); }

 private:
  std::uint16_t ServiceOfEvent(const engine::Event& e) const;

  std::array<HealthMonitor, kServiceCount> monitors_;
  std::map<std::uint64_t, std::uint16_t> service_of_op_;  // open operations only (bounded by them)
};

// Seed pattern 2's service monitor: a healthy flag, the last heartbeat (last success) and the
// number of recovery attempts made while unhealthy (cumulative, as in the tutorial).
class ServiceMonitor {
 public:
  void OnSuccess(TimeUs now_us) {
    healthy_ = true;
    last_heartbeat_us_ = now_us;
  }
  void OnFailure(TimeUs now_us) {
    healthy_ = false;
    last_failure_us_ = now_us;
  }
  // A recovery try (a probe or a call while unhealthy); counted only while unhealthy.
  void OnRecoveryAttempt() {
    if (!healthy_) ++recovery_attempts_;
  }
  bool healthy() const { return healthy_; }
  TimeUs last_heartbeat_us() const { return last_heartbeat_us_; }
  TimeUs last_failure_us() const { return last_failure_us_; }
  std::uint32_t recovery_attempts() const { return recovery_attempts_; }

 private:
  bool healthy_ = true;
  TimeUs last_heartbeat_us_ = 0;
  TimeUs last_failure_us_ = 0;
  std::uint32_t recovery_attempts_ = 0;
};

}  // namespace notion_sim::policies
