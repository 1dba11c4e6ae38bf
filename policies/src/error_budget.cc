#include "notion_sim/policies/error_budget.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>

#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/circuit_breaker.h"
#include "policy_check.h"

namespace notion_sim::policies {
namespace {

constexpr std::size_t kMaxAlertsKept = 10'000;
constexpr std::int64_t kYearMs = 365LL * 24 * 3600 * 1000;

}  // namespace

std::string_view AlertKindName(AlertKind kind) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "burn_heightened", "burn_critical",  "server_error_burst", "dlq_growth_accelerating",
      "tenant_failing",  "breaker_opened", "new_error_class",    "polling_lag"};
  const auto i = static_cast<std::size_t>(kind);
  return i < kNames.size() ? kNames[i] : "?";
}

std::string_view BurnBandName(BurnBand band) {
  static constexpr std::array<std::string_view, 3> kNames = {"within_budget", "heightened",
                                                             "critical"};
  const auto i = static_cast<std::size_t>(band);
  return i < kNames.size() ? kNames[i] : "?";
}

BurnBand BandOf(double burn_percent) {
  if (burn_percent <= 100.0) return BurnBand::kWithinBudget;
  if (burn_percent <= 200.0) return BurnBand::kHeightened;
  return BurnBand::kCritical;
}

Result<ErrorBudgetConfig> ParseErrorBudgetConfig(engine::ObjectReader& r, ErrorBudgetConfig d) {
  ErrorBudgetConfig c = d;
  c.slo_target = r.Number("slo_target", d.slo_target, 0, 1);
  c.window_us = Ms(r.Int("window_ms", d.window_us / kUsPerMs, 1, kYearMs));
  c.buckets = static_cast<std::int32_t>(r.Int("buckets", d.buckets, 1, 10'000));
  c.min_ops = static_cast<std::uint32_t>(r.Int("min_ops", d.min_ops, 1, 1'000'000'000));
  c.fallback_is_good = r.Bool("fallback_is_good", d.fallback_is_good);
  r.Finish();
  if (r.ok() && !(c.slo_target > 0.0 && std::llround((1.0 - c.slo_target) * 1e6) >= 1)) {
    r.Fail("slo_target", "expected a share in (0, 0.999999] (e.g. 0.99)");
  }
  if (!r.ok()) return r.error();
  return c;
}

// ---- ErrorBudget ----

ErrorBudget::ErrorBudget(ErrorBudgetConfig config)
    : config_(config),
      bucket_us_(std::max<TimeUs>(1, config.window_us / std::max(1, config.buckets))),
      buckets_(static_cast<std::size_t>(std::max(1, config.buckets))),
      budget_ppm_(std::llround((1.0 - config.slo_target) * 1e6)) {
  NSIM_POLICY_CHECK(config_.slo_target > 0.0 && config_.slo_target < 1.0);
  NSIM_POLICY_CHECK(budget_ppm_ >= 1);
}

void ErrorBudget::Age(TimeUs now_us) {
  const std::int64_t index = now_us / bucket_us_;
  const auto n = static_cast<std::int64_t>(buckets_.size());
  for (Bucket& b : buckets_) {
    if (b.index >= 0 && b.index <= index - n) b = Bucket{};
  }
}

void ErrorBudget::Record(TimeUs now_us, bool good) {
  Age(now_us);
  const std::int64_t index = now_us / bucket_us_;
  Bucket& b =
      buckets_[static_cast<std::size_t>(index % static_cast<std::int64_t>(buckets_.size()))];
  if (b.index != index) b = Bucket{index, 0, 0};
  ++b.ops;
  if (!good) ++b.bad;
  if (WindowOps() >= config_.min_ops) band_ = BandOf(BurnPercent());
}

std::uint64_t ErrorBudget::WindowOps() const {
  std::uint64_t n = 0;
  for (const Bucket& b : buckets_) n += b.index >= 0 ? b.ops : 0;
  return n;
}

std::uint64_t ErrorBudget::WindowBad() const {
  std::uint64_t n = 0;
  for (const Bucket& b : buckets_) n += b.index >= 0 ? b.bad : 0;
  return n;
}

double ErrorBudget::BurnPercent() const {
  const std::uint64_t ops = WindowOps();
  if (ops == 0) return 0.0;
  // In integers as far as possible, so that exactly the budget is exactly 100 % (1 − 0.98 is not
  // 0.02 in binary floating point, and the band boundaries are inclusive).
  const double bad_ppm = static_cast<double>(WindowBad()) * 1e6;
  const double budget_ppm = static_cast<double>(ops) * static_cast<double>(budget_ppm_);
  return bad_ppm / budget_ppm * 100.0;
}

void ErrorBudget::OnEvent(const engine::Event& e) {
  if (e.kind != engine::EventKind::kOpFinished) return;
  const auto status = static_cast<engine::OpStatus>(e.a);
  const bool good = status == engine::OpStatus::kSucceeded ||
                    (status == engine::OpStatus::kServedFallback && config_.fallback_is_good);
  Record(e.at_us, good);
}

// ---- AlertMonitor ----

Result<AlertConfig> ParseAlertConfig(engine::ObjectReader& r, const AlertConfig& d) {
  AlertConfig c = d;
  c.server_error_burst_count = static_cast<std::uint32_t>(
      r.Int("server_error_burst_count", d.server_error_burst_count, 1, 1'000'000));
  c.server_error_burst_window_us = Ms(
      r.Int("server_error_burst_window_ms", d.server_error_burst_window_us / kUsPerMs, 1, kYearMs));
  c.dlq_growth_interval_us =
      Ms(r.Int("dlq_growth_interval_ms", d.dlq_growth_interval_us / kUsPerMs, 1, kYearMs));
  c.dlq_growth_min =
      static_cast<std::uint32_t>(r.Int("dlq_growth_min", d.dlq_growth_min, 1, 1'000'000'000));
  c.tenant_window_us = Ms(r.Int("tenant_window_ms", d.tenant_window_us / kUsPerMs, 10, kYearMs));
  c.tenant_min_ops =
      static_cast<std::uint32_t>(r.Int("tenant_min_ops", d.tenant_min_ops, 1, 1'000'000'000));
  c.tenant_failing_percent = r.Number("tenant_failing_percent", d.tenant_failing_percent, 0, 100);
  c.others_fine_percent = r.Number("others_fine_percent", d.others_fine_percent, 0, 100);
  if (r.Has("deploys_ms")) {
    c.deploys_us.clear();
    for (std::int64_t ms : r.Ints("deploys_ms")) {
      if (ms < 0 || ms > kYearMs) {
        r.Fail("deploys_ms", "expected times in ms since the run's start, >= 0");
        break;
      }
      c.deploys_us.push_back(Ms(ms));
    }
    std::sort(c.deploys_us.begin(), c.deploys_us.end());
  }
  c.new_class_count =
      static_cast<std::uint32_t>(r.Int("new_class_count", d.new_class_count, 1, 1'000'000'000));
  c.new_class_window_us =
      Ms(r.Int("new_class_window_ms", d.new_class_window_us / kUsPerMs, 1, kYearMs));
  c.new_class_baseline_us =
      Ms(r.Int("new_class_baseline_ms", d.new_class_baseline_us / kUsPerMs, 0, kYearMs));
  if (r.Has("polling_operation")) {
    const std::string name = r.String("polling_operation");
    if (name == "none") {
      c.polling_operation.reset();
    } else if (std::optional<engine::Operation> op = engine::ParseOperation(name)) {
      c.polling_operation = op;
    } else {
      r.Fail("polling_operation", "expected an operation name (e.g. query_data_source) or none");
    }
  }
  c.polling_lag_factor = r.Number("polling_lag_factor", d.polling_lag_factor, 1, 1000);
  if (std::optional<engine::ObjectReader> budget = r.OptionalObject("budget")) {
    Result<ErrorBudgetConfig> b = ParseErrorBudgetConfig(*budget, d.budget);
    if (b.ok()) c.budget = b.value();
  }
  r.Finish();
  if (!r.ok()) return r.error();
  return c;
}

AlertMonitor::AlertMonitor(engine::Trace* trace, const AlertConfig& config)
    : trace_(trace),
      config_(config),
      budget_(config.budget),
      tenant_bucket_us_(std::max<TimeUs>(1, config.tenant_window_us / kTenantBuckets)) {}

std::uint64_t AlertMonitor::CountOf(AlertKind kind) const {
  const auto i = static_cast<std::size_t>(kind);
  return i < std::size(per_kind_) ? per_kind_[i] : 0;
}

void AlertMonitor::Raise(TimeUs at_us, AlertKind kind, std::uint16_t key, std::int64_t value) {
  ++count_;
  ++per_kind_[static_cast<std::size_t>(kind)];
  if (alerts_.size() < kMaxAlertsKept) alerts_.push_back(Alert{at_us, kind, key, value});
  if (trace_ != nullptr) {
    trace_->Emit(engine::EventKind::kAlertRaised, at_us, 0, 0, key, static_cast<std::int64_t>(kind),
                 value);
  }
}

void AlertMonitor::OnEvent(const engine::Event& e) {
  using engine::EventKind;
  switch (e.kind) {
    case EventKind::kOpStarted:
      tenant_of_op_[e.op_id] = e.key;
      if (config_.polling_operation &&
          e.a == static_cast<std::int64_t>(*config_.polling_operation)) {
        if (poll_starts_++ == 0) first_poll_us_ = e.at_us;
        last_poll_start_us_ = e.at_us;
        open_polls_[e.op_id] = e.at_us;
        if (last_poll_success_us_ < 0) last_poll_success_us_ = e.at_us;  // lag counts from here
        OnPoll(e.at_us);
      }
      return;
    case EventKind::kOpFinished: {
      const auto status = static_cast<engine::OpStatus>(e.a);
      const bool good =
          status == engine::OpStatus::kSucceeded ||
          (status == engine::OpStatus::kServedFallback && config_.budget.fallback_is_good);
      OnOpFinished(e, good);
      tenant_of_op_.erase(e.op_id);
      if (open_polls_.erase(e.op_id) > 0) {
        if (status == engine::OpStatus::kSucceeded) {
          last_poll_success_us_ = e.at_us;
          polls_failed_since_success_ = 0;
          lag_alerted_ = false;
        } else {
          ++polls_failed_since_success_;
          OnPoll(e.at_us);
        }
      }
      return;
    }
    case EventKind::kAttemptDone:
      if (e.a >= 500 && e.a <= 599) OnServerError(e.at_us);
      if (e.a < 0 || e.a >= 400) OnFailedAttempt(e);
      return;
    case EventKind::kDlqEnqueued:
    case EventKind::kDlqRetried:
    case EventKind::kDlqPermanent:
    case EventKind::kDlqDrained:
      OnDlqDepth(e.at_us, e.a);
      return;
    case EventKind::kBreakerTransition:
      if (e.b == static_cast<std::int64_t>(BreakerState::kOpen)) {
        Raise(e.at_us, AlertKind::kBreakerOpened, e.key, e.key);
      }
      return;
    default:
      return;
  }
}

void AlertMonitor::OnFailedAttempt(const engine::Event& e) {
  ErrorClassState& c = error_classes_[{e.a, e.b}];
  // The latest deploy at or before now whose window is still open.
  const auto after =
      std::upper_bound(config_.deploys_us.begin(), config_.deploys_us.end(), e.at_us);
  if (after != config_.deploys_us.begin()) {
    const auto deploy = static_cast<std::size_t>(after - config_.deploys_us.begin()) - 1;
    const TimeUs at = config_.deploys_us[deploy];
    if (e.at_us < at + config_.new_class_window_us) {
      if (c.deploy != deploy) {
        c.deploy = deploy;
        c.count = 0;
        c.alerted = false;
        c.is_new = c.last_seen_us < 0 || c.last_seen_us < at - config_.new_class_baseline_us;
      }
      ++c.count;
      if (c.is_new && !c.alerted && c.count >= config_.new_class_count) {
        c.alerted = true;
        Raise(e.at_us, AlertKind::kNewErrorClass, static_cast<std::uint16_t>(e.b), e.a);
      }
    }
  }
  c.last_seen_us = e.at_us;
}

void AlertMonitor::OnPoll(TimeUs at_us) {
  if (lag_alerted_ || poll_starts_ < 3 || last_poll_success_us_ < 0) return;
  const TimeUs cadence_us =
      (last_poll_start_us_ - first_poll_us_) / static_cast<TimeUs>(poll_starts_ - 1);
  if (cadence_us <= 0) return;
  const TimeUs lag_us = at_us - last_poll_success_us_;
  if (static_cast<double>(lag_us) <= config_.polling_lag_factor * static_cast<double>(cadence_us)) {
    return;
  }
  bool stuck = polls_failed_since_success_ > 0;
  for (const auto& [op, started_us] : open_polls_) {
    if (started_us > last_poll_success_us_ &&
        static_cast<double>(at_us - started_us) >
            config_.polling_lag_factor * static_cast<double>(cadence_us)) {
      stuck = true;
    }
  }
  if (!stuck) return;
  lag_alerted_ = true;
  Raise(at_us, AlertKind::kPollingLag, 0, lag_us / kUsPerMs);
}

void AlertMonitor::OnServerError(TimeUs at_us) {
  server_errors_.push_back(at_us);
  while (server_errors_.size() > config_.server_error_burst_count) server_errors_.pop_front();
  if (server_errors_.size() == config_.server_error_burst_count &&
      server_errors_.back() - server_errors_.front() <= config_.server_error_burst_window_us) {
    Raise(at_us, AlertKind::kServerErrorBurst, 0,
          static_cast<std::int64_t>(config_.server_error_burst_count));
    server_errors_.clear();  // the next alert needs a fresh burst
  }
}

void AlertMonitor::OnDlqDepth(TimeUs at_us, std::int64_t depth) {
  const std::int64_t index = at_us / config_.dlq_growth_interval_us;
  if (dlq_interval_ < 0) {
    dlq_interval_ = index;
    dlq_depth_start_ = dlq_depth_last_;
  }
  if (index != dlq_interval_) {
    // Close the interval that just ended, then any empty ones skipped (no growth in those).
    dlq_growth_.push_back(dlq_depth_last_ - dlq_depth_start_);
    for (std::int64_t i = dlq_interval_ + 1; i < index && i <= dlq_interval_ + 2; ++i) {
      dlq_growth_.push_back(0);
    }
    while (dlq_growth_.size() > 2) dlq_growth_.pop_front();
    const bool accelerating = dlq_growth_.size() == 2 && dlq_growth_[0] > 0 &&
                              dlq_growth_[1] > dlq_growth_[0] &&
                              dlq_growth_[1] >= static_cast<std::int64_t>(config_.dlq_growth_min);
    if (accelerating && !dlq_alerted_) {
      Raise(at_us, AlertKind::kDlqGrowthAccelerating, 0, dlq_growth_[1]);
    }
    dlq_alerted_ = accelerating;
    dlq_interval_ = index;
    dlq_depth_start_ = dlq_depth_last_;
  }
  dlq_depth_last_ = depth;
}

void AlertMonitor::AgeTenant(TenantWindow& w, std::int64_t index) {
  for (TenantBucket& b : w.buckets) {
    if (b.index >= 0 && b.index <= index - kTenantBuckets) b = TenantBucket{};
  }
}

void AlertMonitor::OnOpFinished(const engine::Event& e, bool good) {
  // Burn-rate bands: alert on entering a higher band.
  const BurnBand before = budget_.Band();
  budget_.Record(e.at_us, good);
  const BurnBand after = budget_.Band();
  if (after > before) {
    Raise(e.at_us,
          after == BurnBand::kCritical ? AlertKind::kBurnCritical : AlertKind::kBurnHeightened, 0,
          static_cast<std::int64_t>(budget_.BurnPercent()));
  }

  // One tenant failing while the others are fine.
  auto t = tenant_of_op_.find(e.op_id);
  if (t == tenant_of_op_.end()) return;
  const std::uint16_t tenant = t->second;
  const std::int64_t index = e.at_us / tenant_bucket_us_;
  TenantWindow& mine = tenants_[tenant];
  TenantBucket& b = mine.buckets[index % kTenantBuckets];
  if (b.index != index) b = TenantBucket{index, 0, 0};
  ++b.ops;
  if (!good) ++b.bad;
  std::uint64_t my_ops = 0, my_bad = 0, other_ops = 0, other_bad = 0;
  for (auto& [key, w] : tenants_) {
    AgeTenant(w, index);
    for (const TenantBucket& x : w.buckets) {
      if (x.index < 0) continue;
      (key == tenant ? my_ops : other_ops) += x.ops;
      (key == tenant ? my_bad : other_bad) += x.bad;
    }
  }
  const bool failing = my_ops >= config_.tenant_min_ops && other_ops >= config_.tenant_min_ops &&
                       static_cast<double>(my_bad) * 100.0 >=
                           config_.tenant_failing_percent * static_cast<double>(my_ops) &&
                       static_cast<double>(other_bad) * 100.0 <=
                           config_.others_fine_percent * static_cast<double>(other_ops);
  if (failing && !mine.alerted) {
    Raise(e.at_us, AlertKind::kTenantFailing, tenant,
          static_cast<std::int64_t>(my_bad * 100 / my_ops));
  }
  mine.alerted = failing;
}

}  // namespace notion_sim::policies
