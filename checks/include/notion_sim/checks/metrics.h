// Metrics of a run, measured from the trace in virtual time: what capacity planning and CI gates
// read (throughput, latency percentiles, API calls per operation, retries, 429s, limiter delays,
// breaker timelines, DLQ depth, error-budget burn, time to recover) and a coarse time series for
// charts.
//
//   MetricsSink metrics(MetricsConfig{});
//   trace.AddSink(&metrics);
//   RunSummary summary = runner.Run(options);
//   MetricsReport report = metrics.Finish(summary.virtual_time_us);
//
// Memory is flat over the run's length: per open operation (the work in flight), log-bucket
// histograms whose size depends on the largest value seen (not on how many), a fixed number of
// time-series buckets (merged pairwise when the run outgrows them) and a bounded list of breaker
// transitions per key. Not thread-safe.
//
// Definitions:
// - latency: kOpStarted -> kOpFinished of the same op; percentiles are nearest-rank over a
//   LogHistogram with 128 sub-buckets per power of two: exact below 256 us, and otherwise never
//   below the true order statistic and at most 1/128 (0.8 %) above it, capped at the true maximum.
// - per operation: the operations of that kind; workflow runs (kOpStarted's b >= 256) count in the
//   totals only, their calls in the workflow metrics.
// - requests = attempts (kAttemptSent) + reconcile lookups (kReconcileSent); api_calls_per_op =
//   requests / finished operations (DLQ replays included: they are calls the run made).
// - retries = attempts whose attempt number is above 1; retry_ratio = retries / attempts.
// - two figures of outcome, named apart everywhere (terminal, Markdown, HTML, JSON, gates):
//   succeeded = the target did what was asked; answered = succeeded + served from the fallback
//   (the caller got an answer, maybe a stale one). success_ratio = succeeded / finished,
//   answered_ratio = answered / finished; error_budget_burn = (1 - success_ratio) /
//   (1 - slo_target): 1.0 spends exactly the budget.
// - the faults end when the last fault rule stops acting: the latest of the ends of the fault
//   plan's windows that have one (MetricsConfig::fault_windows) and the last kFaultInjected (a
//   rule without an end of its own, say "first 2", stops when it last fires); fault_end_source
//   says which decided. Time to recover runs from there to the first event at which (1) the
//   success ratio of operations finished in the trailing recovery window is at least
//   recovery_success_ratio (window kept in 32 slices, so its edge is exact to window/32; an empty
//   window passes: nothing failed), (2) no breaker is open, half-open or forced open and (3) no
//   DLQ entry waits to be reprocessed (entries parked for manual review, kDlqPermanent, wait for
//   a person, not for the stack). A later fault restarts the search.
// - health: time each service (dependency) spent healthy, degraded and unhealthy, from
//   kHealthChanged (services start healthy at time 0), up to the end of the run.
// - breaker timelines are per (dependency, key): the second upstream's global breaker is its own.
// - the time series: `series_buckets` equal buckets from time 0 to the end of the work
//   (work_end_us); when time passes the last one, neighbours merge and the width grows to the
//   next round width (1, 5, 15, 30 s, 1, 5, 15, 30 min, 1, 2, 6, 12 h, 1 day, then doubling).
//   Outcomes count at finish time, starts at start time; DLQ depth and open breakers are the
//   maximum within the bucket and the value at its end.
// - workflows (kItemStarted / kStepDone / kItemFinished, keyed by the workflow's index): items by
//   outcome; makespan = the first item's release to the last item's end (+inf as a metric while
//   an item is unfinished); time to x % done = from the first release until ceil(x % of the
//   released items) had ended (from a LogHistogram of end times: within 0.8 %); item latency =
//   release to end (waiting for a worker included); API calls per item = the attempts of its
//   steps / finished items; items per minute and Notion requests per minute (the listing's and
//   the steps' calls to Notion, not the second upstream's) of makespan, against Notion's budget
//   for the workflow's tokens; per step, how often it ended, how often failed, its calls and its
//   latency (pagination and retries included).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/runner.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/trace.h"

namespace notion_sim::checks {

// The engine's vocabulary, used here unqualified.
using engine::BreakerState;
using engine::Event;
using engine::EventKind;
using engine::kOperationCount;
using engine::Operation;
using engine::OpStatus;
using engine::RunSummary;
using engine::TraceSink;
using engine::TransitionCause;

// Counts of non-negative integers in logarithmic buckets: 2^sub_bucket_bits buckets per power of
// two, so a value is known to within 2^-sub_bucket_bits of itself (exact below
// 2^(sub_bucket_bits+1)). The bucket array grows only to the largest value recorded.
class LogHistogram {
 public:
  explicit LogHistogram(int sub_bucket_bits = 7);
  // Negative values count as 0.
  void Add(std::int64_t value, std::uint64_t count = 1);
  // Both must have the same sub_bucket_bits.
  void Merge(const LogHistogram& other);
  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0 : sum_ / static_cast<double>(count_); }
  // Nearest rank: the value at rank ceil(q * count) (at least 1), reported as the highest value
  // of its bucket, capped to [min(), max()]. 0 when empty; q is clamped to [0, 1].
  std::int64_t Quantile(double q) const;

 private:
  std::size_t IndexOf(std::int64_t value) const;
  std::int64_t HighestOf(std::size_t index) const;

  int sub_bits_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
};

// When a fault rule may act: [from_us, until_us), already clipped to the phase faults act in.
// until_us kTimeNever: the rule has no end of its own (it stops when it last fires).
struct FaultWindow {
  TimeUs from_us = 0;
  TimeUs until_us = kTimeNever;
};

// What the sink knows of a scenario's workflows: names for the report and the budget line.
struct WorkflowShape {
  std::string name;
  std::vector<std::string> steps;  // item steps in order, then the listing step if there is one
  // Per step (same order): whether its calls go to Notion and spend its request budget (the
  // second upstream's do not).
  std::vector<bool> notion_steps;
  // Notion's request budget per minute for the tokens the workflow uses (0 = not known).
  double budget_requests_per_min = 0;
};

struct MetricsConfig {
  int series_buckets = 120;                // even, >= 2
  TimeUs initial_bucket_us = Sec(1);       // doubles as the run outgrows the buckets
  double slo_target = 0.99;                // success ratio objective, in (0, 1)
  std::vector<FaultWindow> fault_windows;  // the fault plan's, one per rule
  double recovery_success_ratio = 0.95;
  TimeUs recovery_window_us = Sec(30);
  std::size_t max_transitions_per_key = 1024;  // breaker timeline entries kept per key
  std::vector<WorkflowShape> workflows;        // by index (unnamed ones are "workflow_<i>")
};

struct OutcomeCounts {
  std::uint64_t started = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t served_fallback = 0;
  std::uint64_t failed = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t unfinished = 0;  // started and still open at the end
  std::uint64_t finished() const { return succeeded + served_fallback + failed + dead_lettered; }
};

struct LatencySummary {
  std::uint64_t count = 0;
  TimeUs p50_us = 0;
  TimeUs p90_us = 0;
  TimeUs p99_us = 0;
  TimeUs max_us = 0;
  TimeUs mean_us = 0;
};

// Index i counts operations that sent i attempts; the last bucket counts that many or more.
inline constexpr std::size_t kAttemptBuckets = 11;
using AttemptsHistogram = std::array<std::uint64_t, kAttemptBuckets>;

struct OperationMetrics {
  Operation operation = Operation::kCreatePage;
  OutcomeCounts ops;
  LatencySummary latency;
  AttemptsHistogram attempts_histogram{};
  std::uint64_t attempts = 0;           // sent while the operation was open
  std::uint64_t reconcile_lookups = 0;  // sent while the operation was open
  double api_calls_per_op = 0;          // (attempts + lookups) / finished
  double success_ratio = 1;
  double throughput_per_s = 0;  // succeeded / active span
};

struct BreakerChange {
  TimeUs at_us = 0;
  BreakerState from = BreakerState::kClosed;
  BreakerState to = BreakerState::kClosed;
  TransitionCause cause = TransitionCause::kAutomatic;
};

struct BreakerTimeline {
  engine::Dependency dependency = engine::Dependency::kNotion;
  std::uint16_t key = 0;
  std::vector<BreakerChange> changes;  // the first max_transitions_per_key
  std::uint64_t dropped = 0;           // changes past the bound
  std::uint64_t opens = 0;             // transitions into open or forced_open
  BreakerState final_state = BreakerState::kClosed;
  TimeUs not_closed_us = 0;  // total time in open, half_open or forced_open
};

struct SeriesBucket {
  TimeUs start_us = 0;
  std::uint64_t started = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t served_fallback = 0;
  std::uint64_t failed = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t requests = 0;
  std::uint64_t http_429 = 0;
  std::uint64_t http_5xx = 0;
  std::int64_t dlq_depth_max = 0;
  std::int64_t dlq_depth_end = 0;
  std::int64_t breakers_open_max = 0;
  std::int64_t breakers_open_end = 0;
  TimeUs latency_p50_us = 0;  // of operations finished in the bucket (1/16 precision)
  TimeUs latency_p99_us = 0;
};

struct StepMetrics {
  std::string name;
  std::uint64_t runs = 0;    // times it ended (a listing: per page)
  std::uint64_t failed = 0;  // ended failed or dead-lettered by the stack
  std::uint64_t calls = 0;   // API calls it made (pages and retries included)
  LatencySummary latency;    // its start to its end, pagination and retries included
};

struct WorkflowMetrics {
  std::string name;
  std::uint64_t items_started = 0;
  std::array<std::uint64_t, engine::kItemOutcomeCount> items{};  // ended, by ItemOutcome
  std::uint64_t items_unfinished = 0;
  std::uint64_t items_finished() const;
  bool complete() const { return items_unfinished == 0; }
  TimeUs first_release_us = 0;
  TimeUs last_finish_us = 0;
  TimeUs makespan_us = 0;  // first release to last end (of the items that ended)
  // From the first release until 50 / 90 / 99 % of the released items had ended; -1 when
  // fewer had.
  TimeUs done_p50_us = 0;
  TimeUs done_p90_us = 0;
  TimeUs done_p99_us = 0;
  LatencySummary latency;       // per item, release to end
  std::uint64_t api_calls = 0;  // every call of its items' steps (Notion's and the upstream's)
  double api_calls_per_item = 0;
  std::uint64_t notion_calls = 0;  // calls to Notion, the listing's included
  double notion_calls_per_item = 0;
  double items_per_min = 0;            // ended items per minute of makespan
  double requests_per_min = 0;         // its Notion calls per minute of makespan
  double budget_requests_per_min = 0;  // Notion's budget for its tokens (0 = not known)
  std::vector<StepMetrics> steps;
  std::vector<std::uint64_t> done_per_bucket;  // items ended per series bucket
};

enum class Recovery : std::uint8_t {
  kNoFaults,      // no fault was injected and no fault window was configured
  kRecovered,     // recovered_at_us is set
  kNotRecovered,  // the run ended before the conditions held
};
std::string_view RecoveryName(Recovery recovery);  // "no_faults", "recovered", "not_recovered"

// What set MetricsReport::fault_end_us.
enum class FaultEnd : std::uint8_t {
  kNone,       // no faults
  kWindow,     // the end of a fault rule's window
  kLastFault,  // the last kFaultInjected (a rule without an end of its own)
};
std::string_view FaultEndName(FaultEnd end);  // "none", "window", "last_fault"

// Time one service (dependency) spent in each health level (policies::HealthLevel).
struct ServiceHealth {
  engine::Dependency service = engine::Dependency::kNotion;
  TimeUs healthy_us = 0;
  TimeUs degraded_us = 0;
  TimeUs unhealthy_us = 0;
  std::uint64_t changes = 0;  // kHealthChanged events
  double healthy_ratio() const {
    const TimeUs total = healthy_us + degraded_us + unhealthy_us;
    return total > 0 ? static_cast<double>(healthy_us) / static_cast<double>(total) : 1.0;
  }
};

// The requests one dependency's stack sent and what came back (its own rows in reports).
struct DependencyMetrics {
  engine::Dependency dependency = engine::Dependency::kNotion;
  std::uint64_t requests = 0;  // attempts + reconcile lookups
  std::uint64_t retries = 0;
  std::uint64_t http_429 = 0;
  std::uint64_t http_5xx = 0;
  std::uint64_t transport_errors = 0;
  std::uint64_t breaker_opens = 0;
  std::uint64_t limiter_delays = 0;
};

struct MetricsReport {
  TimeUs first_start_us = 0;  // first kOpStarted
  TimeUs last_finish_us = 0;  // last kOpFinished
  TimeUs end_us = 0;          // the run's end (Finish's argument, or the last event)
  TimeUs span_us = 0;         // last_finish_us - first_start_us (the active span)
  // Where charts end: the last event, or the configured end of the faults if later, within
  // end_us. A batch that finishes early in a long phase leaves idle time after it.
  TimeUs work_end_us = 0;

  OutcomeCounts ops;
  LatencySummary latency;
  AttemptsHistogram attempts_histogram{};
  std::vector<OperationMetrics> operations;  // operation types that ran, in Operation order

  std::uint64_t attempts = 0;              // every kAttemptSent
  std::uint64_t reconcile_lookups = 0;     // every kReconcileSent
  std::uint64_t requests = 0;              // attempts + reconcile_lookups
  std::uint64_t requests_outside_ops = 0;  // sent for no open op (DLQ replays, workflow steps)
  std::uint64_t retries = 0;               // attempts numbered above 1
  std::uint64_t retries_scheduled = 0;     // kRetryScheduled
  TimeUs retry_delay_total_us = 0;         // sum of the delays kRetryScheduled announced
  TimeUs retry_delay_max_us = 0;
  std::uint64_t retries_gave_up = 0;  // kRetryGaveUp
  std::uint64_t retry_after_honored = 0;
  std::uint64_t budget_exhausted = 0;
  double api_calls_per_op = 0;
  double retry_ratio = 0;
  double throughput_per_s = 0;  // succeeded / span
  double requests_per_min = 0;  // requests / span

  std::uint64_t http_2xx = 0;
  std::uint64_t http_429 = 0;
  std::uint64_t http_4xx = 0;  // other 4xx
  std::uint64_t http_5xx = 0;
  std::uint64_t transport_errors = 0;  // timeouts, resets, ... (negative status)
  std::uint64_t timeouts_fired = 0;
  std::uint64_t faults_injected = 0;

  std::uint64_t limiter_delays = 0;
  TimeUs limiter_delay_total_us = 0;
  TimeUs limiter_delay_max_us = 0;
  std::uint64_t limiter_rejections = 0;
  std::uint64_t breaker_rejections = 0;
  std::uint64_t bulkhead_rejections = 0;
  std::uint64_t fallbacks_served = 0;

  std::uint64_t dlq_enqueued = 0;
  std::uint64_t dlq_retried = 0;
  std::uint64_t dlq_permanent = 0;
  std::uint64_t dlq_drained = 0;
  std::int64_t dlq_depth_max = 0;
  std::int64_t dlq_depth_end = 0;

  std::vector<BreakerTimeline> breakers;  // by key
  std::uint64_t breaker_opens = 0;        // over all keys
  std::uint64_t breaker_half_opens = 0;   // transitions into half_open, over all keys
  // The most attempts (kAttemptSent, any tenant) sent while one breaker key was half-open, in one
  // half-open episode. Exact for a global breaker that every attempt passes (ordered after
  // retry); with per-tenant breakers other tenants' attempts count too (an upper bound).
  std::uint64_t half_open_attempts_max = 0;
  // kRetryAfterHonored where the Retry-After was longer than the backoff it replaced.
  std::uint64_t retry_after_over_backoff = 0;

  double slo_target = 0.99;
  double success_ratio = 1;   // succeeded / finished
  double answered_ratio = 1;  // (succeeded + served_fallback) / finished
  double error_budget_burn = 0;

  Recovery recovery = Recovery::kNoFaults;
  TimeUs fault_end_us = 0;
  FaultEnd fault_end_source = FaultEnd::kNone;
  TimeUs last_fault_us = 0;                // the last kFaultInjected (0 when none)
  std::vector<FaultWindow> fault_windows;  // to shade on charts; open ones end at the last fault
  TimeUs recovered_at_us = 0;
  TimeUs recovery_us = 0;  // recovered_at_us - fault_end_us when recovered

  std::vector<ServiceHealth> health;            // Notion, then the upstream when it had traffic
  std::vector<DependencyMetrics> dependencies;  // likewise

  TimeUs bucket_us = 0;
  std::vector<SeriesBucket> series;  // covers [0, end_us]

  std::vector<WorkflowMetrics> workflows;  // by index
};

class MetricsSink final : public TraceSink {
 public:
  explicit MetricsSink(const MetricsConfig& config);
  void OnEvent(const Event& event) override;
  // The report as of `end_us` (the run's end; later events are still counted). Can be called
  // more than once.
  MetricsReport Finish(TimeUs end_us) const;

 private:
  struct OpenOp {
    TimeUs start_us = 0;
    Operation operation = Operation::kCreatePage;
    std::uint32_t attempts = 0;
    std::uint32_t lookups = 0;
  };
  struct PerOperation {
    OutcomeCounts ops;
    LogHistogram latency;
    AttemptsHistogram attempts_histogram{};
    std::uint64_t attempts = 0;
    std::uint64_t lookups = 0;
  };
  struct Bucket {
    SeriesBucket values;
    LogHistogram latency{4};
    std::vector<std::uint64_t> items_done;  // by workflow (grown when an item ends here)
    bool touched = false;
  };
  struct Step {
    std::uint64_t runs = 0;
    std::uint64_t failed = 0;
    std::uint64_t calls = 0;
    LogHistogram latency;
  };
  struct Flow {
    std::uint64_t started = 0;
    std::array<std::uint64_t, engine::kItemOutcomeCount> outcomes{};
    TimeUs first_release_us = -1;
    TimeUs last_finish_us = 0;
    LogHistogram latency;
    LogHistogram done_at;  // end time - first release
    std::uint64_t api_calls = 0;
    std::vector<Step> steps;
  };
  struct Breaker {
    BreakerTimeline timeline;
    TimeUs since_us = 0;  // when the current state began
  };
  static constexpr int kRecoverySlices = 32;

  void OnStarted(const Event& e);
  void OnFinished(const Event& e);
  void OnRequest(const Event& e);
  void OnBreaker(const Event& e);
  void OnDlq(const Event& e);
  void OnItem(const Event& e);
  Flow& FlowAt(std::uint16_t key);
  Bucket& BucketAt(TimeUs at_us);
  static void MergeBucket(Bucket& a, const Bucket& b);
  void EvaluateRecovery(TimeUs at_us);
  void RecordOutcome(TimeUs at_us, bool success);
  void OnHealth(const Event& e);
  // The faults' end as known so far; nullopt when there are none (yet).
  std::optional<TimeUs> FaultEndUs() const;

  MetricsConfig config_;
  MetricsReport totals_;  // counters kept as they go; the rest is filled in by Finish
  LogHistogram latency_;
  std::array<PerOperation, kOperationCount> per_op_;
  std::map<std::uint64_t, OpenOp> open_;
  using BreakerKey = std::pair<engine::Dependency, std::uint16_t>;
  std::map<BreakerKey, Breaker> breakers_;
  std::map<BreakerKey, std::uint64_t> half_open_attempts_;  // half-open keys -> attempts
  struct HealthState {
    ServiceHealth totals;
    std::int64_t level = 0;  // policies::HealthLevel
    TimeUs since_us = 0;
  };
  std::array<HealthState, engine::kDependencyCount> health_{};
  std::array<DependencyMetrics, engine::kDependencyCount> dependencies_{};
  std::array<bool, engine::kDependencyCount> dependency_seen_{};
  std::vector<Flow> flows_;  // by workflow index
  std::int64_t breakers_not_closed_ = 0;
  std::int64_t dlq_depth_ = 0;
  std::int64_t dlq_permanent_held_ = 0;  // entries parked for manual review (kDlqPermanent)
  bool any_start_ = false;
  TimeUs last_event_us_ = 0;

  TimeUs bucket_us_;
  std::vector<Bucket> buckets_;
  int last_bucket_ = -1;

  // Trailing window of finished operations for time-to-recover: slice index -> (ok, total).
  std::array<std::int64_t, kRecoverySlices> slice_index_{};
  std::array<std::uint64_t, kRecoverySlices> slice_ok_{};
  std::array<std::uint64_t, kRecoverySlices> slice_total_{};
  bool fault_seen_ = false;
  TimeUs last_fault_us_ = 0;
  TimeUs window_end_us_ = 0;  // the latest end of a fault window that has one
  bool has_window_end_ = false;
  std::optional<TimeUs> recovered_at_us_;
};

}  // namespace notion_sim::checks
