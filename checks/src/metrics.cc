#include "notion_sim/checks/metrics.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

#include "notion_sim/engine/transport.h"

namespace notion_sim::checks {
namespace {

bool ValidState(std::int64_t s) {
  return s >= 0 && s <= static_cast<std::int64_t>(BreakerState::kDisabled);
}

LatencySummary Summarize(const LogHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  s.p50_us = h.Quantile(0.50);
  s.p90_us = h.Quantile(0.90);
  s.p99_us = h.Quantile(0.99);
  s.max_us = h.max();
  s.mean_us = static_cast<TimeUs>(std::llround(h.mean()));
  return s;
}

void CountOutcome(OutcomeCounts& c, std::int64_t status) {
  switch (static_cast<OpStatus>(status)) {
    case OpStatus::kSucceeded:
      ++c.succeeded;
      break;
    case OpStatus::kServedFallback:
      ++c.served_fallback;
      break;
    case OpStatus::kFailed:
      ++c.failed;
      break;
    case OpStatus::kDeadLettered:
      ++c.dead_lettered;
      break;
  }
}

double Ratio(double num, double den, double if_empty) { return den > 0 ? num / den : if_empty; }

}  // namespace

std::string_view FaultEndName(FaultEnd end) {
  switch (end) {
    case FaultEnd::kNone:
      return "none";
    case FaultEnd::kWindow:
      return "window";
    case FaultEnd::kLastFault:
      return "last_fault";
  }
  return "?";
}

std::string_view RecoveryName(Recovery recovery) {
  switch (recovery) {
    case Recovery::kNoFaults:
      return "no_faults";
    case Recovery::kRecovered:
      return "recovered";
    case Recovery::kNotRecovered:
      return "not_recovered";
  }
  return "?";
}

// --- LogHistogram ------------------------------------------------------------------------------

LogHistogram::LogHistogram(int sub_bucket_bits) : sub_bits_(sub_bucket_bits) {
  assert(sub_bits_ >= 1 && sub_bits_ <= 16);
}

std::size_t LogHistogram::IndexOf(std::int64_t value) const {
  const auto v = static_cast<std::uint64_t>(value);
  const std::uint64_t s = std::uint64_t{1} << sub_bits_;
  if (v < 2 * s) return static_cast<std::size_t>(v);
  const int e = static_cast<int>(std::bit_width(v)) - 1;  // >= sub_bits_ + 1
  const int shift = e - sub_bits_;
  const std::uint64_t top = v >> shift;  // in [s, 2s)
  return static_cast<std::size_t>(s * static_cast<std::uint64_t>(shift) + top);
}

std::int64_t LogHistogram::HighestOf(std::size_t index) const {
  const std::uint64_t s = std::uint64_t{1} << sub_bits_;
  if (index < 2 * s) return static_cast<std::int64_t>(index);
  const std::uint64_t shift = index / s - 1;
  const std::uint64_t top = index - s * shift;
  if (shift + static_cast<std::uint64_t>(std::bit_width(top + 1)) > 63) return INT64_MAX;
  return static_cast<std::int64_t>(((top + 1) << shift) - 1);
}

void LogHistogram::Add(std::int64_t value, std::uint64_t count) {
  if (count == 0) return;
  if (value < 0) value = 0;
  const std::size_t i = IndexOf(value);
  if (i >= counts_.size()) counts_.resize(i + 1, 0);
  counts_[i] += count;
  if (count_ == 0 || value < min_) min_ = value;
  max_ = std::max(max_, value);
  count_ += count;
  sum_ += static_cast<double>(value) * static_cast<double>(count);
}

void LogHistogram::Merge(const LogHistogram& other) {
  assert(other.sub_bits_ == sub_bits_);
  if (other.count_ == 0) return;
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

std::int64_t LogHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank ceil(q * count) in integers (q to a millionth), so 0.99 of 100 is rank 99, not 100.
  const auto q_ppm = static_cast<std::uint64_t>(std::llround(q * 1e6));
  const std::uint64_t hi = count_ / 1'000'000;
  const std::uint64_t lo = count_ % 1'000'000;
  std::uint64_t rank = hi * q_ppm + (lo * q_ppm + 999'999) / 1'000'000;
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(HighestOf(i), min_, max_);
  }
  return max_;
}

std::uint64_t WorkflowMetrics::items_finished() const {
  std::uint64_t n = 0;
  for (std::uint64_t c : items) n += c;
  return n;
}

// --- MetricsSink -------------------------------------------------------------------------------

MetricsSink::MetricsSink(const MetricsConfig& config)
    : config_(config), bucket_us_(std::max<TimeUs>(1, config.initial_bucket_us)) {
  assert(config_.series_buckets >= 2 && config_.series_buckets % 2 == 0);
  assert(config_.slo_target > 0 && config_.slo_target < 1);
  buckets_.resize(static_cast<std::size_t>(config_.series_buckets));
  slice_index_.fill(-1);
  totals_.slo_target = config_.slo_target;
  for (const FaultWindow& w : config_.fault_windows) {
    if (w.until_us == kTimeNever || w.until_us <= w.from_us) continue;
    window_end_us_ = has_window_end_ ? std::max(window_end_us_, w.until_us) : w.until_us;
    has_window_end_ = true;
  }
  for (int i = 0; i < engine::kDependencyCount; ++i) {
    const auto d = static_cast<engine::Dependency>(i);
    health_[static_cast<std::size_t>(i)].totals.service = d;
    dependencies_[static_cast<std::size_t>(i)].dependency = d;
  }
  dependency_seen_[static_cast<std::size_t>(engine::Dependency::kNotion)] = true;
}

std::optional<TimeUs> MetricsSink::FaultEndUs() const {
  if (!has_window_end_ && !fault_seen_) return std::nullopt;
  if (!fault_seen_) return window_end_us_;
  if (!has_window_end_) return last_fault_us_;
  return std::max(window_end_us_, last_fault_us_);
}

void MetricsSink::OnHealth(const Event& e) {
  if (e.key >= health_.size()) return;
  HealthState& h = health_[e.key];
  const TimeUs spent = std::max<TimeUs>(0, e.at_us - h.since_us);
  switch (h.level) {
    case 0:
      h.totals.healthy_us += spent;
      break;
    case 1:
      h.totals.degraded_us += spent;
      break;
    default:
      h.totals.unhealthy_us += spent;
      break;
  }
  ++h.totals.changes;
  h.level = e.b;
  h.since_us = e.at_us;
  dependency_seen_[e.key] = true;
}

namespace {

// The widths the series grows through: round figures people read off an axis (1, 5, 15, 30 s,
// 1, 5, 15, 30 min, 1, 2, 6, 12 h, 1 day), each a multiple of the one before, so buckets merge
// whole. Past a day (or from an initial width off the ladder) the width doubles.
TimeUs NextBucketWidth(TimeUs width_us) {
  static constexpr std::array<TimeUs, 13> kRound = {Sec(1),   Sec(5),   Sec(15),  Sec(30), Min(1),
                                                    Min(5),   Min(15),  Min(30),  Min(60), Min(120),
                                                    Min(360), Min(720), Min(1440)};
  for (TimeUs w : kRound) {
    if (w > width_us && w % width_us == 0) return w;
  }
  return 2 * width_us;
}

}  // namespace

// Folds `b`, the bucket right after `a`, into `a`.
void MetricsSink::MergeBucket(Bucket& a, const Bucket& b) {
  SeriesBucket& v = a.values;
  v.started += b.values.started;
  v.succeeded += b.values.succeeded;
  v.served_fallback += b.values.served_fallback;
  v.failed += b.values.failed;
  v.dead_lettered += b.values.dead_lettered;
  v.requests += b.values.requests;
  v.http_429 += b.values.http_429;
  v.http_5xx += b.values.http_5xx;
  if (a.items_done.size() < b.items_done.size()) a.items_done.resize(b.items_done.size(), 0);
  for (std::size_t w = 0; w < b.items_done.size(); ++w) a.items_done[w] += b.items_done[w];
  if (b.touched) {
    v.dlq_depth_max =
        a.touched ? std::max(v.dlq_depth_max, b.values.dlq_depth_max) : b.values.dlq_depth_max;
    v.breakers_open_max = a.touched ? std::max(v.breakers_open_max, b.values.breakers_open_max)
                                    : b.values.breakers_open_max;
    v.dlq_depth_end = b.values.dlq_depth_end;
    v.breakers_open_end = b.values.breakers_open_end;
  }
  a.latency.Merge(b.latency);
  a.touched = a.touched || b.touched;
}

MetricsSink::Bucket& MetricsSink::BucketAt(TimeUs at_us) {
  at_us = std::max<TimeUs>(0, at_us);
  const auto n = static_cast<TimeUs>(buckets_.size());
  // Bounded: each step multiplies the width by at least 2, and 63 doublings cover any time.
  while (at_us / bucket_us_ >= n) {
    const TimeUs next_us = NextBucketWidth(bucket_us_);
    const auto k = static_cast<std::size_t>(next_us / bucket_us_);
    const std::size_t merged = (buckets_.size() + k - 1) / k;
    for (std::size_t i = 0; i < merged; ++i) {
      Bucket m = buckets_[i * k];
      for (std::size_t j = i * k + 1; j < std::min(buckets_.size(), i * k + k); ++j) {
        MergeBucket(m, buckets_[j]);
      }
      buckets_[i] = std::move(m);
    }
    for (std::size_t i = merged; i < buckets_.size(); ++i) buckets_[i] = Bucket{};
    bucket_us_ = next_us;
    if (last_bucket_ >= 0) last_bucket_ /= static_cast<int>(k);
  }
  const auto idx = static_cast<int>(at_us / bucket_us_);
  // Buckets entered for the first time start with the state carried from before.
  for (int i = last_bucket_ + 1; i <= idx; ++i) {
    Bucket& b = buckets_[static_cast<std::size_t>(i)];
    b.touched = true;
    b.values.dlq_depth_max = b.values.dlq_depth_end = dlq_depth_;
    b.values.breakers_open_max = b.values.breakers_open_end = breakers_not_closed_;
  }
  last_bucket_ = std::max(last_bucket_, idx);
  return buckets_[static_cast<std::size_t>(idx)];
}

void MetricsSink::OnEvent(const Event& e) {
  last_event_us_ = std::max(last_event_us_, e.at_us);
  Bucket& bucket = BucketAt(e.at_us);
  const auto dep = static_cast<std::size_t>(e.dependency);
  DependencyMetrics& per_dep = dependencies_[dep < dependencies_.size() ? dep : 0];
  if (dep < dependency_seen_.size()) dependency_seen_[dep] = true;
  switch (e.kind) {
    case EventKind::kOpStarted:
      OnStarted(e);
      break;
    case EventKind::kOpFinished:
      OnFinished(e);
      break;
    case EventKind::kAttemptSent:
      for (auto& [key, n] : half_open_attempts_) {
        if (key.first != e.dependency) continue;  // another dependency's breaker
        totals_.half_open_attempts_max = std::max(totals_.half_open_attempts_max, ++n);
      }
      ++per_dep.requests;
      if (e.attempt > 1) ++per_dep.retries;
      OnRequest(e);
      break;
    case EventKind::kReconcileSent:
      ++per_dep.requests;
      OnRequest(e);
      break;
    case EventKind::kAttemptDone:
      if (e.a == 429) {
        ++totals_.http_429;
        ++bucket.values.http_429;
        ++per_dep.http_429;
      } else if (e.a >= 500 && e.a <= 599) {
        ++totals_.http_5xx;
        ++bucket.values.http_5xx;
        ++per_dep.http_5xx;
      } else if (e.a >= 400 && e.a <= 499) {
        ++totals_.http_4xx;
      } else if (e.a >= 200 && e.a <= 299) {
        ++totals_.http_2xx;
      } else if (e.a < 0) {
        ++totals_.transport_errors;
        ++per_dep.transport_errors;
      }
      break;
    case EventKind::kRetryScheduled:
      ++totals_.retries_scheduled;
      totals_.retry_delay_total_us += e.a;
      totals_.retry_delay_max_us = std::max<TimeUs>(totals_.retry_delay_max_us, e.a);
      break;
    case EventKind::kRetryGaveUp:
      ++totals_.retries_gave_up;
      break;
    case EventKind::kRetryAfterHonored:
      ++totals_.retry_after_honored;
      if (e.a > e.b) ++totals_.retry_after_over_backoff;
      break;
    case EventKind::kBudgetExhausted:
      ++totals_.budget_exhausted;
      break;
    case EventKind::kBreakerTransition:
      OnBreaker(e);
      break;
    case EventKind::kBreakerRejected:
      ++totals_.breaker_rejections;
      break;
    case EventKind::kBulkheadRejected:
      ++totals_.bulkhead_rejections;
      break;
    case EventKind::kLimiterDelayed:
      ++per_dep.limiter_delays;
      ++totals_.limiter_delays;
      totals_.limiter_delay_total_us += std::max<TimeUs>(0, e.a);
      totals_.limiter_delay_max_us = std::max(totals_.limiter_delay_max_us, e.a);
      break;
    case EventKind::kLimiterRejected:
      ++totals_.limiter_rejections;
      break;
    case EventKind::kTimeoutFired:
      ++totals_.timeouts_fired;
      break;
    case EventKind::kFallbackServed:
      ++totals_.fallbacks_served;
      break;
    case EventKind::kDlqEnqueued:
    case EventKind::kDlqRetried:
    case EventKind::kDlqPermanent:
    case EventKind::kDlqDrained:
      OnDlq(e);
      break;
    case EventKind::kItemStarted:
    case EventKind::kStepDone:
    case EventKind::kItemFinished:
      OnItem(e);
      break;
    case EventKind::kFaultInjected:
      ++totals_.faults_injected;
      fault_seen_ = true;
      last_fault_us_ = std::max(last_fault_us_, e.at_us);
      recovered_at_us_.reset();  // a later fault restarts the search
      break;
    case EventKind::kHealthChanged:
      OnHealth(e);
      break;
    default:
      break;
  }
  EvaluateRecovery(e.at_us);
}

void MetricsSink::OnStarted(const Event& e) {
  OpenOp op;
  op.start_us = e.at_us;
  // A workflow run (b = lane + 256 x workflow) is no call of its operation: its steps are
  // measured per workflow, so it stays out of the per-operation figures.
  op.operation = e.a >= 0 && e.a < kOperationCount && e.b < 256 ? static_cast<Operation>(e.a)
                                                                : Operation::kCount;
  if (open_.count(e.op_id) > 0) return;  // started twice: the invariants report it
  open_[e.op_id] = op;
  ++totals_.ops.started;
  if (op.operation != Operation::kCount)
    ++per_op_[static_cast<std::size_t>(op.operation)].ops.started;
  if (!any_start_ || e.at_us < totals_.first_start_us) totals_.first_start_us = e.at_us;
  any_start_ = true;
  ++BucketAt(e.at_us).values.started;
}

void MetricsSink::OnFinished(const Event& e) {
  auto it = open_.find(e.op_id);
  if (it == open_.end()) return;  // finished twice or never started: the invariants report it
  if (e.a < 0 || e.a > static_cast<std::int64_t>(OpStatus::kDeadLettered)) return;
  const OpenOp op = it->second;
  open_.erase(it);
  const TimeUs latency_us = e.at_us - op.start_us;
  latency_.Add(latency_us);
  CountOutcome(totals_.ops, e.a);
  const std::size_t attempts_bucket = std::min<std::size_t>(op.attempts, kAttemptBuckets - 1);
  ++totals_.attempts_histogram[attempts_bucket];
  if (op.operation != Operation::kCount) {
    PerOperation& p = per_op_[static_cast<std::size_t>(op.operation)];
    p.latency.Add(latency_us);
    CountOutcome(p.ops, e.a);
    ++p.attempts_histogram[attempts_bucket];
    p.attempts += op.attempts;
    p.lookups += op.lookups;
  }
  totals_.last_finish_us = std::max(totals_.last_finish_us, e.at_us);
  Bucket& b = BucketAt(e.at_us);
  b.latency.Add(latency_us);
  switch (static_cast<OpStatus>(e.a)) {
    case OpStatus::kSucceeded:
      ++b.values.succeeded;
      break;
    case OpStatus::kServedFallback:
      ++b.values.served_fallback;
      break;
    case OpStatus::kFailed:
      ++b.values.failed;
      break;
    case OpStatus::kDeadLettered:
      ++b.values.dead_lettered;
      break;
  }
  RecordOutcome(e.at_us, e.a == static_cast<std::int64_t>(OpStatus::kSucceeded));
}

void MetricsSink::OnRequest(const Event& e) {
  const bool attempt = e.kind == EventKind::kAttemptSent;
  if (attempt) {
    ++totals_.attempts;
    if (e.attempt > 1) ++totals_.retries;
  } else {
    ++totals_.reconcile_lookups;
  }
  ++BucketAt(e.at_us).values.requests;
  auto it = open_.find(e.op_id);
  if (it == open_.end()) {
    ++totals_.requests_outside_ops;
    return;
  }
  ++(attempt ? it->second.attempts : it->second.lookups);
}

void MetricsSink::OnBreaker(const Event& e) {
  if (!ValidState(e.b)) return;  // the invariants report it
  const BreakerKey id{e.dependency, e.key};
  Breaker& b = breakers_[id];
  b.timeline.dependency = e.dependency;
  b.timeline.key = e.key;
  const BreakerState from = b.timeline.final_state;
  const auto to = static_cast<BreakerState>(e.b);
  if (engine::BreakerNotClosed(from)) b.timeline.not_closed_us += e.at_us - b.since_us;
  breakers_not_closed_ +=
      (engine::BreakerNotClosed(to) ? 1 : 0) - (engine::BreakerNotClosed(from) ? 1 : 0);
  if (b.timeline.changes.size() < config_.max_transitions_per_key) {
    b.timeline.changes.push_back(BreakerChange{
        e.at_us, ValidState(e.a) ? static_cast<BreakerState>(e.a) : from, to, CauseOf(e)});
  } else {
    ++b.timeline.dropped;
  }
  if (to == BreakerState::kOpen || to == BreakerState::kForcedOpen) {
    ++b.timeline.opens;
    ++totals_.breaker_opens;
    const auto dep = static_cast<std::size_t>(e.dependency);
    if (dep < dependencies_.size()) ++dependencies_[dep].breaker_opens;
  }
  if (to == BreakerState::kHalfOpen) {
    ++totals_.breaker_half_opens;
    half_open_attempts_[id] = 0;
  } else {
    half_open_attempts_.erase(id);
  }
  b.timeline.final_state = to;
  b.since_us = e.at_us;
  SeriesBucket& v = BucketAt(e.at_us).values;
  v.breakers_open_max = std::max(v.breakers_open_max, breakers_not_closed_);
  v.breakers_open_end = breakers_not_closed_;
}

void MetricsSink::OnDlq(const Event& e) {
  switch (e.kind) {
    case EventKind::kDlqEnqueued:
      ++totals_.dlq_enqueued;
      break;
    case EventKind::kDlqRetried:
      ++totals_.dlq_retried;
      break;
    case EventKind::kDlqPermanent:
      ++totals_.dlq_permanent;
      ++dlq_permanent_held_;
      break;
    case EventKind::kDlqDrained:
      ++totals_.dlq_drained;
      break;
    default:
      break;
  }
  dlq_depth_ = std::max<std::int64_t>(0, e.a);
  totals_.dlq_depth_max = std::max(totals_.dlq_depth_max, dlq_depth_);
  SeriesBucket& v = BucketAt(e.at_us).values;
  v.dlq_depth_max = std::max(v.dlq_depth_max, dlq_depth_);
  v.dlq_depth_end = dlq_depth_;
}

MetricsSink::Flow& MetricsSink::FlowAt(std::uint16_t key) {
  if (key >= flows_.size()) flows_.resize(static_cast<std::size_t>(key) + 1);
  return flows_[key];
}

void MetricsSink::OnItem(const Event& e) {
  Flow& f = FlowAt(e.key);
  switch (e.kind) {
    case EventKind::kItemStarted:
      ++f.started;
      if (f.first_release_us < 0) f.first_release_us = e.at_us;
      break;
    case EventKind::kStepDone: {
      if (e.attempt >= 100'000) return;  // the engine numbers steps below 1001
      if (e.attempt >= f.steps.size()) f.steps.resize(e.attempt + 1);
      Step& s = f.steps[e.attempt];
      ++s.runs;
      const std::int64_t status = e.a & 0xFF;  // a = OpStatus + 256 x calls
      if (status == static_cast<std::int64_t>(OpStatus::kFailed) ||
          status == static_cast<std::int64_t>(OpStatus::kDeadLettered)) {
        ++s.failed;
      }
      s.calls += static_cast<std::uint64_t>(std::max<std::int64_t>(0, e.a >> 8));
      s.latency.Add(e.b);
      break;
    }
    case EventKind::kItemFinished: {
      if (e.a < 0 || e.a >= engine::kItemOutcomeCount) return;  // the invariants report it
      ++f.outcomes[static_cast<std::size_t>(e.a)];
      f.latency.Add(e.b);
      f.api_calls += e.attempt;
      f.last_finish_us = std::max(f.last_finish_us, e.at_us);
      f.done_at.Add(e.at_us - std::max<TimeUs>(0, f.first_release_us));
      Bucket& b = BucketAt(e.at_us);
      if (b.items_done.size() <= e.key) b.items_done.resize(static_cast<std::size_t>(e.key) + 1, 0);
      ++b.items_done[e.key];
      break;
    }
    default:
      break;
  }
}

void MetricsSink::RecordOutcome(TimeUs at_us, bool success) {
  const TimeUs slice_us = std::max<TimeUs>(1, config_.recovery_window_us / kRecoverySlices);
  const std::int64_t s = std::max<TimeUs>(0, at_us) / slice_us;
  const auto pos = static_cast<std::size_t>(s % kRecoverySlices);
  if (slice_index_[pos] != s) {
    slice_index_[pos] = s;
    slice_ok_[pos] = 0;
    slice_total_[pos] = 0;
  }
  ++slice_total_[pos];
  if (success) ++slice_ok_[pos];
}

void MetricsSink::EvaluateRecovery(TimeUs at_us) {
  if (recovered_at_us_) return;
  const std::optional<TimeUs> fault_end_us = FaultEndUs();
  if (!fault_end_us) return;
  if (at_us < *fault_end_us || breakers_not_closed_ > 0 || dlq_depth_ > dlq_permanent_held_) return;
  const TimeUs slice_us = std::max<TimeUs>(1, config_.recovery_window_us / kRecoverySlices);
  const std::int64_t now = std::max<TimeUs>(0, at_us) / slice_us;
  std::uint64_t ok = 0;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < kRecoverySlices; ++i) {
    if (slice_index_[i] > now - kRecoverySlices && slice_index_[i] <= now) {
      ok += slice_ok_[i];
      total += slice_total_[i];
    }
  }
  // No operation finished in the window: nothing failed either (traffic may have ended while the
  // DLQ drained), so only the breakers and the DLQ decide.
  if (total == 0 ||
      static_cast<double>(ok) >= config_.recovery_success_ratio * static_cast<double>(total)) {
    recovered_at_us_ = at_us;
  }
}

MetricsReport MetricsSink::Finish(TimeUs end_us) const {
  MetricsReport r = totals_;
  r.end_us = std::max(end_us, last_event_us_);
  r.latency = Summarize(latency_);
  // Operations still open.
  std::array<std::uint64_t, kOperationCount> unfinished{};
  for (const auto& [id, op] : open_) {
    ++r.ops.unfinished;
    if (op.operation != Operation::kCount) ++unfinished[static_cast<std::size_t>(op.operation)];
  }
  r.requests = r.attempts + r.reconcile_lookups;
  const std::uint64_t finished = r.ops.finished();
  r.span_us = finished > 0 ? std::max<TimeUs>(0, r.last_finish_us - r.first_start_us) : 0;
  const double span_s = static_cast<double>(r.span_us) / 1e6;
  r.api_calls_per_op = Ratio(static_cast<double>(r.requests), static_cast<double>(finished), 0);
  r.retry_ratio = Ratio(static_cast<double>(r.retries), static_cast<double>(r.attempts), 0);
  r.throughput_per_s = Ratio(static_cast<double>(r.ops.succeeded), span_s, 0);
  r.requests_per_min = Ratio(static_cast<double>(r.requests) * 60, span_s, 0);
  r.success_ratio = Ratio(static_cast<double>(r.ops.succeeded), static_cast<double>(finished), 1);
  r.answered_ratio = Ratio(static_cast<double>(r.ops.succeeded + r.ops.served_fallback),
                           static_cast<double>(finished), 1);
  r.error_budget_burn = (1 - r.success_ratio) / (1 - config_.slo_target);
  for (int i = 0; i < kOperationCount; ++i) {
    const PerOperation& p = per_op_[static_cast<std::size_t>(i)];
    if (p.ops.started == 0) continue;
    OperationMetrics m;
    m.operation = static_cast<Operation>(i);
    m.ops = p.ops;
    m.ops.unfinished = unfinished[static_cast<std::size_t>(i)];
    m.latency = Summarize(p.latency);
    m.attempts_histogram = p.attempts_histogram;
    m.attempts = p.attempts;
    m.reconcile_lookups = p.lookups;
    const auto done = static_cast<double>(p.ops.finished());
    m.api_calls_per_op = Ratio(static_cast<double>(p.attempts + p.lookups), done, 0);
    m.success_ratio = Ratio(static_cast<double>(p.ops.succeeded), done, 1);
    m.throughput_per_s = Ratio(static_cast<double>(p.ops.succeeded), span_s, 0);
    r.operations.push_back(m);
  }
  for (const auto& [id, b] : breakers_) {
    BreakerTimeline t = b.timeline;
    if (engine::BreakerNotClosed(t.final_state))
      t.not_closed_us += std::max<TimeUs>(0, r.end_us - b.since_us);
    r.breakers.push_back(std::move(t));
  }
  r.dlq_depth_end = dlq_depth_;
  for (std::size_t i = 0; i < health_.size(); ++i) {
    if (!dependency_seen_[i]) continue;
    const HealthState& h = health_[i];
    ServiceHealth s = h.totals;
    const TimeUs spent = std::max<TimeUs>(0, r.end_us - h.since_us);
    (h.level == 0 ? s.healthy_us : h.level == 1 ? s.degraded_us : s.unhealthy_us) += spent;
    r.health.push_back(s);
    r.dependencies.push_back(dependencies_[i]);
  }
  r.last_fault_us = fault_seen_ ? last_fault_us_ : 0;
  for (const FaultWindow& w : config_.fault_windows) {
    FaultWindow shown = w;
    if (shown.until_us == kTimeNever) {
      // Without an end of its own a rule acted until it last fired, if it fired at all.
      if (!fault_seen_ || last_fault_us_ < w.from_us) continue;
      shown.until_us = last_fault_us_;
    }
    if (shown.until_us > shown.from_us) r.fault_windows.push_back(shown);
  }
  if (const std::optional<TimeUs> fault_end = FaultEndUs()) {
    r.fault_end_us = *fault_end;
    r.fault_end_source = fault_seen_ && (!has_window_end_ || last_fault_us_ > window_end_us_)
                             ? FaultEnd::kLastFault
                             : FaultEnd::kWindow;
    if (recovered_at_us_) {
      r.recovery = Recovery::kRecovered;
      r.recovered_at_us = *recovered_at_us_;
      r.recovery_us = r.recovered_at_us - r.fault_end_us;
    } else {
      r.recovery = Recovery::kNotRecovered;
    }
  }
  // The work ends with the last event, or with the configured end of the faults if later (their
  // window is part of the story); what follows is idle time the charts leave out.
  r.work_end_us = std::min(r.end_us, std::max(last_event_us_, r.fault_end_us));
  // The series, carried forward to the end of the work (on a copy: Finish is repeatable).
  MetricsSink copy = *this;
  copy.BucketAt(r.work_end_us);
  r.bucket_us = copy.bucket_us_;
  for (int i = 0; i <= copy.last_bucket_; ++i) {
    const Bucket& b = copy.buckets_[static_cast<std::size_t>(i)];
    SeriesBucket v = b.values;
    v.start_us = static_cast<TimeUs>(i) * copy.bucket_us_;
    v.latency_p50_us = b.latency.Quantile(0.50);
    v.latency_p99_us = b.latency.Quantile(0.99);
    r.series.push_back(v);
  }
  const std::size_t n_flows = std::max(flows_.size(), config_.workflows.size());
  for (std::size_t w = 0; w < n_flows; ++w) {
    static const Flow kNone;
    const Flow& f = w < flows_.size() ? flows_[w] : kNone;
    const WorkflowShape* shape = w < config_.workflows.size() ? &config_.workflows[w] : nullptr;
    WorkflowMetrics m;
    m.name = shape != nullptr ? shape->name : "workflow_" + std::to_string(w);
    m.items_started = f.started;
    m.items = f.outcomes;
    m.items_unfinished = f.started - std::min(f.started, m.items_finished());
    m.first_release_us = std::max<TimeUs>(0, f.first_release_us);
    m.last_finish_us = f.last_finish_us;
    m.makespan_us = m.items_finished() > 0 ? m.last_finish_us - m.first_release_us : 0;
    // Time to a share of the *released* items: the rank counts the unfinished ones too.
    auto done_at = [&](double q) -> TimeUs {
      const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(f.started)));
      const std::uint64_t done = f.done_at.count();
      if (rank == 0) return 0;
      if (rank > done) return -1;
      return f.done_at.Quantile(static_cast<double>(rank) / static_cast<double>(done));
    };
    m.done_p50_us = done_at(0.50);
    m.done_p90_us = done_at(0.90);
    m.done_p99_us = done_at(0.99);
    m.latency = Summarize(f.latency);
    m.api_calls = f.api_calls;
    const auto items_done = static_cast<double>(m.items_finished());
    m.api_calls_per_item = Ratio(static_cast<double>(f.api_calls), items_done, 0);
    for (std::size_t s = 0; s < f.steps.size(); ++s) {
      const bool notion =
          shape == nullptr || s >= shape->notion_steps.size() || shape->notion_steps[s];
      if (notion) m.notion_calls += f.steps[s].calls;
    }
    m.notion_calls_per_item = Ratio(static_cast<double>(m.notion_calls), items_done, 0);
    const double makespan_min = static_cast<double>(m.makespan_us) / 60e6;
    m.items_per_min = Ratio(items_done, makespan_min, 0);
    m.requests_per_min = Ratio(static_cast<double>(m.notion_calls), makespan_min, 0);
    m.budget_requests_per_min = shape != nullptr ? shape->budget_requests_per_min : 0;
    const std::size_t n_steps =
        std::max(f.steps.size(), shape != nullptr ? shape->steps.size() : 0);
    for (std::size_t s = 0; s < n_steps; ++s) {
      static const Step kNoStep;
      const Step& st = s < f.steps.size() ? f.steps[s] : kNoStep;
      StepMetrics sm;
      sm.name = shape != nullptr && s < shape->steps.size() ? shape->steps[s]
                                                            : "step_" + std::to_string(s);
      sm.runs = st.runs;
      sm.failed = st.failed;
      sm.calls = st.calls;
      sm.latency = Summarize(st.latency);
      m.steps.push_back(std::move(sm));
    }
    for (int i = 0; i <= copy.last_bucket_; ++i) {
      const Bucket& b = copy.buckets_[static_cast<std::size_t>(i)];
      m.done_per_bucket.push_back(w < b.items_done.size() ? b.items_done[w] : 0);
    }
    r.workflows.push_back(std::move(m));
  }
  return r;
}

}  // namespace notion_sim::checks
