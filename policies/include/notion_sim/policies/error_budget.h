// Error budget and pattern alerts, computed from the trace (seed pattern 3).
//
// ErrorBudget: the share of bad operations over the SLO window, as a burn rate against the budget
// (1 − slo_target): burn_percent = bad/total / (1 − slo_target) × 100. Bands (seed pattern 3):
//   <= 100 %  kWithinBudget (nothing), 100–200 % kHeightened (heightened monitoring),
//   >  200 %  kCritical (alert, consider pausing the integration).
// An operation is bad when it failed or was dead-lettered; a served fallback is bad unless
// `fallback_is_good`. The window is bucketed (window_us in `buckets` buckets), so it is exact to
// one bucket, like opossum's rolling window.
//
// AlertMonitor raises kAlertRaised (a = AlertKind, b = value, key = tenant where it applies):
//   kBurnHeightened / kBurnCritical   on entering the band (b = burn percent);
//   kServerErrorBurst   >= 5 responses 5xx within 5 minutes (one 5xx in an hour alerts nothing);
//                       the count restarts after an alert (b = count);
//   kDlqGrowthAccelerating  the DLQ grew in each of the last two intervals (5 min) and faster in
//                       the latest (b = growth in the latest interval); judged when the first DLQ
//                       event of a later interval arrives;
//   kTenantFailing      one tenant's operations fail >= 50 % (at least 5 in the window) while the
//                       others together fail <= 10 % (at least 5) (key = tenant, b = percent);
//                       raised once until the tenant recovers;
//   kNewErrorClass      an error class (HTTP status, or transport outcome, with the body's code)
//                       not seen in the `new_class_baseline` before a deploy reaches
//                       `new_class_count` failed attempts within `new_class_window` after it
//                       (key = ApiCode, b = status or -TransportOutcome); once per deploy and
//                       class. Deploys are times given in the config (none: never raised);
//   kPollingLag         the time since the last successful poll (an operation of
//                       `polling_operation`) is above `polling_lag_factor` x the normal cadence
//                       (the mean gap between poll arrivals so far, from the third arrival on)
//                       while a poll since that success failed or has been open longer than that
//                       bound too, so sparse arrivals alone never alert (b = lag in ms); judged at
//                       each poll's start and end, raised once until a poll succeeds.
// Both are engine::TraceSink: they read only events (kOpFinished, kAttemptDone, kDlq*), never a
// clock, and emit into the trace they observe. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/trace.h"

namespace notion_sim::policies {

// Numeric values are what kAlertRaised carries in `a`.
enum class AlertKind : std::uint8_t {
  kBurnHeightened,
  kBurnCritical,
  kServerErrorBurst,
  kDlqGrowthAccelerating,
  kTenantFailing,
  kBreakerOpened,  // seed pattern 1: "open alerts operations" (b = breaker key)
  kNewErrorClass,  // seed pattern 3: "an error class concentrated after a deploy"
  kPollingLag,     // seed pattern 3: "polling lag above 2x the normal cadence"
};
std::string_view AlertKindName(AlertKind kind);

enum class BurnBand : std::uint8_t { kWithinBudget, kHeightened, kCritical };
std::string_view BurnBandName(BurnBand band);
// The band of a burn percentage: <= 100 within, <= 200 heightened, above critical.
BurnBand BandOf(double burn_percent);

struct ErrorBudgetConfig {
  double slo_target = 0.99;       // share of operations that must succeed, in (0, 0.999999]
  TimeUs window_us = kUsPerHour;  // the SLO window
  std::int32_t buckets = 60;
  std::uint32_t min_ops = 20;  // below this many ops in the window the band stays as it was
  bool fallback_is_good = false;
};
// {"slo_target", "window_ms", "buckets", "min_ops", "fallback_is_good"}.
Result<ErrorBudgetConfig> ParseErrorBudgetConfig(engine::ObjectReader& r,
                                                 ErrorBudgetConfig defaults);

class ErrorBudget final : public engine::TraceSink {
 public:
  explicit ErrorBudget(ErrorBudgetConfig config = {});
  void OnEvent(const engine::Event& event) override;
  // Counts one finished operation (what OnEvent does for kOpFinished).
  void Record(TimeUs now_us, bool good);

  // Burn percent over the window ending at the last event seen (0 with no operations).
  double BurnPercent() const;
  BurnBand Band() const { return band_; }
  std::uint64_t WindowOps() const;
  std::uint64_t WindowBad() const;
  const ErrorBudgetConfig& config() const { return config_; }

 private:
  struct Bucket {
    std::int64_t index = -1;
    std::uint64_t ops = 0;
    std::uint64_t bad = 0;
  };
  void Age(TimeUs now_us);

  ErrorBudgetConfig config_;
  TimeUs bucket_us_;
  std::vector<Bucket> buckets_;
  std::int64_t budget_ppm_;  // (1 − slo_target) in parts per million
  BurnBand band_ = BurnBand::kWithinBudget;
};

struct AlertConfig {
  std::uint32_t server_error_burst_count = 5;
  TimeUs server_error_burst_window_us = Min(5);
  TimeUs dlq_growth_interval_us = Min(5);
  std::uint32_t dlq_growth_min = 1;  // the latest interval's growth must reach this
  TimeUs tenant_window_us = Min(5);
  std::uint32_t tenant_min_ops = 5;
  double tenant_failing_percent = 50;
  double others_fine_percent = 10;
  std::vector<TimeUs> deploys_us;  // when the integration was deployed (sorted on parse)
  std::uint32_t new_class_count = 5;
  TimeUs new_class_window_us = Min(5);
  TimeUs new_class_baseline_us = kUsPerHour;
  std::optional<engine::Operation> polling_operation = engine::Operation::kQueryDataSource;
  double polling_lag_factor = 2;
  ErrorBudgetConfig budget;
};
// {"server_error_burst_count", "server_error_burst_window_ms", "dlq_growth_interval_ms",
//  "dlq_growth_min", "tenant_window_ms", "tenant_min_ops", "tenant_failing_percent",
//  "others_fine_percent", "deploys_ms": [...], "new_class_count", "new_class_window_ms",
//  "new_class_baseline_ms", "polling_operation" (an operation name, or "none"),
//  "polling_lag_factor", "budget": {...}}.
Result<AlertConfig> ParseAlertConfig(engine::ObjectReader& r, const AlertConfig& defaults);

class AlertMonitor final : public engine::TraceSink {
 public:
  // Emits into `trace` (may be null: then alerts are only kept in alerts()).
  AlertMonitor(engine::Trace* trace, const AlertConfig& config = {});
  void OnEvent(const engine::Event& event) override;

  struct Alert {
    TimeUs at_us = 0;
    AlertKind kind = AlertKind::kServerErrorBurst;
    std::uint16_t key = 0;
    std::int64_t value = 0;
  };
  // Every alert raised, in order (bounded: the first 10'000; count() has the total).
  const std::vector<Alert>& alerts() const { return alerts_; }
  std::uint64_t count() const { return count_; }
  std::uint64_t CountOf(AlertKind kind) const;
  const ErrorBudget& budget() const { return budget_; }

 private:
  void Raise(TimeUs at_us, AlertKind kind, std::uint16_t key, std::int64_t value);
  void OnServerError(TimeUs at_us);
  void OnDlqDepth(TimeUs at_us, std::int64_t depth);
  void OnOpFinished(const engine::Event& event, bool good);
  void OnFailedAttempt(const engine::Event& event);
  void OnPoll(TimeUs at_us);

  struct TenantBucket {
    std::int64_t index = -1;
    std::uint64_t ops = 0;
    std::uint64_t bad = 0;
  };
  static constexpr int kTenantBuckets = 10;
  struct TenantWindow {
    TenantBucket buckets[kTenantBuckets];
    bool alerted = false;
  };
  void AgeTenant(TenantWindow& w, std::int64_t index);

  engine::Trace* trace_;
  AlertConfig config_;
  ErrorBudget budget_;
  std::deque<TimeUs> server_errors_;  // the last `server_error_burst_count` 5xx times
  // DLQ growth per interval: the interval index, the depth at its start and at its last event.
  std::int64_t dlq_interval_ = -1;
  std::int64_t dlq_depth_start_ = 0;
  std::int64_t dlq_depth_last_ = 0;
  std::deque<std::int64_t> dlq_growth_;  // growth of the last two closed intervals
  bool dlq_alerted_ = false;
  std::map<std::uint16_t, TenantWindow> tenants_;        // key order: deterministic
  std::map<std::uint64_t, std::uint16_t> tenant_of_op_;  // open operations (kOpFinished has none)
  TimeUs tenant_bucket_us_;
  std::vector<Alert> alerts_;
  std::uint64_t count_ = 0;
  std::uint64_t per_kind_[8] = {};
  // New error classes: by (status or -outcome, code).
  struct ErrorClassState {
    TimeUs last_seen_us = -1;
    std::size_t deploy = SIZE_MAX;  // the deploy whose window the count is for
    std::uint32_t count = 0;
    bool is_new = false;
    bool alerted = false;
  };
  std::map<std::pair<std::int64_t, std::int64_t>, ErrorClassState> error_classes_;
  // Polling: arrivals, the last success, and the polls open or failed since it.
  std::uint64_t poll_starts_ = 0;
  TimeUs first_poll_us_ = 0;
  TimeUs last_poll_start_us_ = 0;
  TimeUs last_poll_success_us_ = -1;
  std::uint64_t polls_failed_since_success_ = 0;
  std::map<std::uint64_t, TimeUs> open_polls_;  // op id -> start
  bool lag_alerted_ = false;
};

}  // namespace notion_sim::policies
