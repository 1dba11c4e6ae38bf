#include "notion_sim/policies/circuit_breaker.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <limits>
#include <string>
#include <utility>

#include "policy_check.h"

namespace notion_sim::policies {
namespace {

// opossum computes the bucket interval in whole milliseconds: Math.floor(timeout / buckets).
TimeUs OpossumBucketUs(const BreakerConfig& c) {
  return (c.rolling_count_timeout_us / kUsPerMs / c.rolling_count_buckets) * kUsPerMs;
}

// r4j: failure and slow rates are judged only with at least `minimum` calls; "exceeded" is >=.
enum class Verdict : std::uint8_t { kBelowMinimum, kBelowThresholds, kExceeded };

Verdict R4jVerdict(const CircuitBreaker::Counts& c, std::int64_t minimum,
                   const BreakerConfig& cfg) {
  if (c.calls == 0 || c.calls < minimum) return Verdict::kBelowMinimum;
  const double total = static_cast<double>(c.calls);
  const double failure_rate = static_cast<double>(c.failures) * 100.0 / total;
  const double slow_rate = static_cast<double>(c.slow) * 100.0 / total;
  if (failure_rate >= cfg.failure_rate_threshold || slow_rate >= cfg.slow_call_rate_threshold) {
    return Verdict::kExceeded;
  }
  return Verdict::kBelowThresholds;
}

}  // namespace

// The counting window of one mode. opossum: buckets of fires/failures/successes/rejects rotated by
// the breaker's timer. r4j count: a ring of the last N calls. r4j time: N one-second buckets keyed
// by the clock's second. Consecutive mode keeps no window.
class CircuitBreaker::Window {
 public:
  struct Call {
    bool failed = false;
    bool slow = false;
  };
  Window(BreakerMode mode, std::int32_t size) : mode_(mode), size_(size) {
    NSIM_POLICY_CHECK(size >= 1);
    if (mode_ == BreakerMode::kOpossum) buckets_.assign(static_cast<std::size_t>(size), Counts{});
    if (mode_ == BreakerMode::kTimeWindow) {
      seconds_.assign(static_cast<std::size_t>(size), TimeBucket{});
    }
  }

  // opossum.
  void AddFire() { ++buckets_.front().calls; }
  void AddReject() { ++buckets_.front().rejects; }
  void AddSuccess() { ++buckets_.front().successes; }
  void AddFailure() { ++buckets_.front().failures; }
  void Rotate() {
    buckets_.pop_back();
    buckets_.push_front(Counts{});
  }
  bool Empty() const {
    for (const Counts& b : buckets_) {
      if (b.calls != 0 || b.failures != 0 || b.successes != 0 || b.rejects != 0) return false;
    }
    return true;
  }

  // r4j.
  void Record(TimeUs now_us, Call call) {
    if (mode_ == BreakerMode::kCountWindow) {
      if (static_cast<std::int32_t>(ring_.size()) == size_) {
        const Call old = ring_.front();
        ring_.pop_front();
        --total_.calls;
        total_.failures -= old.failed ? 1 : 0;
        total_.slow -= old.slow ? 1 : 0;
        total_.successes -= old.failed ? 0 : 1;
      }
      ring_.push_back(call);
      ++total_.calls;
      total_.failures += call.failed ? 1 : 0;
      total_.slow += call.slow ? 1 : 0;
      total_.successes += call.failed ? 0 : 1;
      return;
    }
    TimeBucket& b = BucketFor(now_us);
    ++b.counts.calls;
    b.counts.failures += call.failed ? 1 : 0;
    b.counts.slow += call.slow ? 1 : 0;
    b.counts.successes += call.failed ? 0 : 1;
  }

  Counts Totals(TimeUs now_us) const {
    if (mode_ == BreakerMode::kCountWindow) return total_;
    Counts sum;
    if (mode_ == BreakerMode::kOpossum) {
      for (const Counts& b : buckets_) Add(sum, b);
      return sum;
    }
    const std::int64_t second = now_us / kUsPerSec;
    for (const TimeBucket& b : seconds_) {
      if (b.second >= 0 && b.second > second - size_ && b.second <= second) Add(sum, b.counts);
    }
    return sum;
  }

 private:
  struct TimeBucket {
    std::int64_t second = -1;
    Counts counts;
  };
  static void Add(Counts& sum, const Counts& b) {
    sum.calls += b.calls;
    sum.failures += b.failures;
    sum.slow += b.slow;
    sum.successes += b.successes;
    sum.rejects += b.rejects;
  }
  // The bucket of the current epoch second, cleared if it last held an older second (r4j moves
  // the head min(elapsed seconds, N) buckets, resetting each: the same thing).
  TimeBucket& BucketFor(TimeUs now_us) {
    const std::int64_t second = now_us / kUsPerSec;
    TimeBucket& b = seconds_[static_cast<std::size_t>(second % size_)];
    if (b.second != second) {
      b.second = second;
      b.counts = Counts{};
    }
    return b;
  }

  BreakerMode mode_;
  std::int32_t size_;
  std::deque<Counts> buckets_;  // opossum: front is the current bucket
  std::deque<Call> ring_;       // r4j count window
  Counts total_;
  std::vector<TimeBucket> seconds_;  // r4j time window
};

CircuitBreaker::CircuitBreaker(engine::Loop& loop, engine::Trace* trace, std::uint16_t key,
                               BreakerConfig config)
    : loop_(loop), trace_(trace), key_(key), config_(config) {
  const Status valid = ValidateBreakerConfig(config_);
  if (!valid.ok()) std::fprintf(stderr, "breaker config: %s\n", valid.error().message.c_str());
  NSIM_POLICY_CHECK(valid.ok());
  created_us_ = loop_.NowUs();
  switch (config_.mode) {
    case BreakerMode::kOpossum:
      window_ = std::make_unique<Window>(config_.mode, config_.rolling_count_buckets);
      break;
    case BreakerMode::kCountWindow:
    case BreakerMode::kTimeWindow:
      window_ = std::make_unique<Window>(config_.mode, config_.sliding_window_size);
      break;
    case BreakerMode::kConsecutive:
      break;
  }
}

CircuitBreaker::~CircuitBreaker() {
  CancelTimers();
  if (rotation_timer_.valid()) loop_.Cancel(rotation_timer_);
}

void CircuitBreaker::CancelTimers() {
  if (open_timer_.valid()) loop_.Cancel(open_timer_);
  if (half_open_timer_.valid()) loop_.Cancel(half_open_timer_);
  open_timer_ = {};
  half_open_timer_ = {};
}

TimeUs CircuitBreaker::OpenDurationUs() const {
  TimeUs base = config_.reset_timeout_us;
  if (config_.mode == BreakerMode::kCountWindow || config_.mode == BreakerMode::kTimeWindow) {
    base = config_.wait_duration_in_open_state_us;
  } else if (config_.mode == BreakerMode::kConsecutive) {
    base = config_.half_open_after_us;
  }
  const TimeUs cap = std::max(base, config_.max_open_duration_us);
  // Repeated multiplication rather than pow(): the same doubles on every libm.
  double d = static_cast<double>(base);
  for (std::uint32_t i = 1; i < opens_ && d < static_cast<double>(cap); ++i) {
    d *= config_.open_duration_multiplier;
  }
  if (d >= static_cast<double>(cap)) return cap;
  return static_cast<TimeUs>(d);
}

void CircuitBreaker::TransitionTo(BreakerState to, std::uint64_t op_id, std::uint32_t attempt) {
  const BreakerState from = state_;
  state_ = to;
  ++epoch_;
  if (trace_ != nullptr) {
    trace_->Emit(engine::EventKind::kBreakerTransition, loop_.NowUs(), op_id, attempt, key_,
                 static_cast<std::int64_t>(from), static_cast<std::int64_t>(to));
  }
}

void CircuitBreaker::Open(std::uint64_t op_id, std::uint32_t attempt) {
  // opossum: open() while open is a no-op (the reset timer is not restarted).
  if (state_ == BreakerState::kOpen) return;
  CancelTimers();
  ++opens_;
  half_open_ = {};
  half_open_window_.reset();
  const TimeUs now = loop_.NowUs();
  open_until_us_ = now + OpenDurationUs();
  TransitionTo(BreakerState::kOpen, op_id, attempt);
  const bool timer =
      config_.mode == BreakerMode::kOpossum ||
      ((config_.mode == BreakerMode::kCountWindow || config_.mode == BreakerMode::kTimeWindow) &&
       config_.open_to_half_open == HalfOpenTransition::kTimer);
  if (timer) {
    open_timer_ = loop_.ScheduleAt(open_until_us_, [this] {
      open_timer_ = {};
      EnterHalfOpen(0, 0);
    });
  }
}

void CircuitBreaker::EnterHalfOpen(std::uint64_t op_id, std::uint32_t attempt) {
  CancelTimers();
  open_until_us_ = kTimeNever;
  half_open_ = {};
  if (config_.mode == BreakerMode::kCountWindow || config_.mode == BreakerMode::kTimeWindow) {
    half_open_window_ = std::make_unique<Window>(
        BreakerMode::kCountWindow, config_.permitted_number_of_calls_in_half_open_state);
  }
  TransitionTo(BreakerState::kHalfOpen, op_id, attempt);
  // In every mode (issue 14: opossum mode accepted it and ignored it, staying half-open for as
  // long as its probes took): N probes and a bound on the time they may take, as r4j pairs
  // permittedNumberOfCallsInHalfOpenState with maxWaitDurationInHalfOpenState.
  if (config_.max_wait_duration_in_half_open_state_us > 0) {
    half_open_timer_ = loop_.ScheduleAfter(config_.max_wait_duration_in_half_open_state_us, [this] {
      half_open_timer_ = {};
      if (state_ != BreakerState::kHalfOpen) return;
      if (config_.transition_to_state_after_wait_duration == BreakerState::kClosed) {
        Close(0, 0);
      } else {
        Open(0, 0);
      }
    });
  }
}

void CircuitBreaker::Close(std::uint64_t op_id, std::uint32_t attempt) {
  CancelTimers();
  open_until_us_ = kTimeNever;
  opens_ = 0;
  half_open_ = {};
  half_open_window_.reset();
  consecutive_ = 0;
  // r4j: a new closed state starts with fresh metrics; opossum never resets its counts.
  if (config_.mode == BreakerMode::kCountWindow || config_.mode == BreakerMode::kTimeWindow) {
    window_ = std::make_unique<Window>(config_.mode, config_.sliding_window_size);
  }
  TransitionTo(BreakerState::kClosed, op_id, attempt);
}

void CircuitBreaker::ForceOpen() {
  if (state_ == BreakerState::kForcedOpen) return;
  CancelTimers();
  open_until_us_ = kTimeNever;
  TransitionTo(BreakerState::kForcedOpen, 0, engine::kManualTransition);
}

void CircuitBreaker::Disable() {
  if (state_ == BreakerState::kDisabled) return;
  CancelTimers();
  open_until_us_ = kTimeNever;
  TransitionTo(BreakerState::kDisabled, 0, engine::kManualTransition);
}

void CircuitBreaker::Reset() {
  CancelTimers();
  if (rotation_timer_.valid()) loop_.Cancel(rotation_timer_);
  rotation_timer_ = {};
  open_until_us_ = kTimeNever;
  opens_ = 0;
  half_open_ = {};
  half_open_window_.reset();
  consecutive_ = 0;
  if (window_ != nullptr) {
    window_ = std::make_unique<Window>(config_.mode, config_.mode == BreakerMode::kOpossum
                                                         ? config_.rolling_count_buckets
                                                         : config_.sliding_window_size);
  }
  TransitionTo(BreakerState::kClosed, 0, engine::kManualTransition);
}

// opossum rotates on a setInterval started at construction. Rotating an all-zero window changes
// nothing, so the timer runs only while the window holds counts, at the same phase
// (created + k × interval); the loop can then go idle between bursts. Like opossum's interval
// (unref'd), the timer does not keep the loop busy: a run ends when its work does.
void CircuitBreaker::ArmRotation() {
  if (rotation_timer_.valid()) return;
  const TimeUs interval = OpossumBucketUs(config_);
  const TimeUs now = loop_.NowUs();
  const TimeUs next = created_us_ + ((now - created_us_) / interval + 1) * interval;
  rotation_timer_ = loop_.ScheduleBackgroundAt(next, [this] {
    rotation_timer_ = {};
    Rotate();
  });
}

void CircuitBreaker::Rotate() {
  window_->Rotate();
  if (!window_->Empty()) ArmRotation();
}

BreakerPermit CircuitBreaker::Reject(BreakerDecision decision, std::uint64_t op_id,
                                     std::uint32_t attempt) {
  if (config_.mode == BreakerMode::kOpossum) window_->AddReject();
  if (trace_ != nullptr) {
    trace_->Emit(engine::EventKind::kBreakerRejected, loop_.NowUs(), op_id, attempt, key_,
                 static_cast<std::int64_t>(state_), 0);
  }
  return BreakerPermit{decision, epoch_, op_id, attempt};
}

BreakerPermit CircuitBreaker::TryAcquire(std::uint64_t op_id, std::uint32_t attempt) {
  const bool opossum = config_.mode == BreakerMode::kOpossum;
  if (opossum) {
    // Every call is a fire, whatever happens to it next (disabled breakers included).
    window_->AddFire();
    ArmRotation();
  }
  const TimeUs now = loop_.NowUs();
  switch (state_) {
    case BreakerState::kDisabled:
    case BreakerState::kClosed:
      return BreakerPermit{BreakerDecision::kAllowed, epoch_, op_id, attempt};
    case BreakerState::kForcedOpen:
      return Reject(BreakerDecision::kRejectedForcedOpen, op_id, attempt);
    case BreakerState::kOpen: {
      bool due = false;
      if (config_.mode == BreakerMode::kConsecutive) {
        due = now >= open_until_us_;  // cockatiel: now − openedAt >= duration
      } else if (!opossum && config_.open_to_half_open == HalfOpenTransition::kLazy) {
        due = now > open_until_us_;  // r4j: clock.instant().isAfter(retryAfterWaitDuration)
      }
      if (!due) return Reject(BreakerDecision::kRejectedOpen, op_id, attempt);
      EnterHalfOpen(op_id, attempt);
      return TryAcquire(op_id, attempt);  // half-open now: not a second fire (not opossum)
    }
    case BreakerState::kHalfOpen: {
      if (config_.planted_half_open_admits_all) {  // TEST ONLY: the planted bug
        ++half_open_.admitted;
        return BreakerPermit{BreakerDecision::kAllowed, epoch_, op_id, attempt};
      }
      if (config_.mode == BreakerMode::kCountWindow || config_.mode == BreakerMode::kTimeWindow) {
        if (half_open_.admitted >= config_.permitted_number_of_calls_in_half_open_state) {
          return Reject(BreakerDecision::kRejectedHalfOpenFull, op_id, attempt);
        }
      } else if (half_open_.admitted >= config_.half_open_probes) {
        return Reject(BreakerDecision::kRejectedHalfOpenFull, op_id, attempt);
      }
      ++half_open_.admitted;
      return BreakerPermit{BreakerDecision::kAllowed, epoch_, op_id, attempt};
    }
  }
  return Reject(BreakerDecision::kRejectedOpen, op_id, attempt);
}

void CircuitBreaker::OnResult(const BreakerPermit& permit, CallOutcome outcome,
                              TimeUs duration_us) {
  if (!permit.allowed()) return;
  if (state_ == BreakerState::kDisabled || state_ == BreakerState::kForcedOpen) return;
  const bool late = permit.epoch != epoch_;
  if (late) {
    if (trace_ != nullptr) {
      trace_->Emit(engine::EventKind::kBreakerLateResult, loop_.NowUs(), permit.op_id,
                   permit.attempt, key_, static_cast<std::int64_t>(permit.epoch),
                   static_cast<std::int64_t>(epoch_));
    }
    if (config_.late_results == LateResults::kIgnore) return;
  }
  const bool slow = duration_us > config_.slow_call_duration_threshold_us;
  if (state_ == BreakerState::kHalfOpen) {
    RecordHalfOpen(outcome, slow, late, permit.op_id, permit.attempt);
  } else {
    RecordClosedOrOpen(outcome, slow, permit.op_id, permit.attempt);
  }
}

void CircuitBreaker::RecordClosedOrOpen(CallOutcome outcome, bool slow, std::uint64_t op_id,
                                        std::uint32_t attempt) {
  if (outcome == CallOutcome::kIgnored) return;
  const bool failed = outcome == CallOutcome::kFailure;
  const TimeUs now = loop_.NowUs();
  switch (config_.mode) {
    case BreakerMode::kOpossum: {
      if (!failed) {
        window_->AddSuccess();
        ArmRotation();
        return;
      }
      window_->AddFailure();
      ArmRotation();
      // fail(): warm-up, then volume (fires >= volumeThreshold), then strict > on the rate.
      if (config_.allow_warm_up && now < created_us_ + config_.rolling_count_timeout_us) return;
      if (state_ != BreakerState::kClosed) return;  // open() while open is a no-op
      const Counts s = window_->Totals(now);
      if (s.calls < config_.volume_threshold) return;
      // JavaScript: failures / 0 fires is Infinity (a late failure after its fire rotated out).
      const double rate =
          s.calls == 0 ? std::numeric_limits<double>::infinity()
                       : static_cast<double>(s.failures) / static_cast<double>(s.calls) * 100.0;
      if (rate > config_.error_threshold_percentage) Open(op_id, attempt);
      return;
    }
    case BreakerMode::kCountWindow:
    case BreakerMode::kTimeWindow: {
      window_->Record(now, Window::Call{failed, slow});
      if (state_ != BreakerState::kClosed) return;  // r4j open state: record only
      std::int64_t minimum = config_.minimum_number_of_calls;
      if (config_.mode == BreakerMode::kCountWindow) {
        minimum = std::min<std::int64_t>(minimum, config_.sliding_window_size);
      }
      if (R4jVerdict(window_->Totals(now), minimum, config_) == Verdict::kExceeded) {
        Open(op_id, attempt);
      }
      return;
    }
    case BreakerMode::kConsecutive: {
      if (!failed) {
        consecutive_ = 0;
        return;
      }
      if (state_ != BreakerState::kClosed) return;
      if (++consecutive_ >= config_.consecutive_failures) Open(op_id, attempt);
      return;
    }
  }
}

void CircuitBreaker::RecordHalfOpen(CallOutcome outcome, bool slow, bool is_late,
                                    std::uint64_t op_id, std::uint32_t attempt) {
  const TimeUs now = loop_.NowUs();
  if (outcome == CallOutcome::kIgnored) {
    // r4j releasePermission(); our probes likewise: the slot can be used again.
    if (!is_late && half_open_.admitted > 0) {
      --half_open_.admitted;
    }
    return;
  }
  const bool failed = outcome == CallOutcome::kFailure;
  if (config_.mode == BreakerMode::kCountWindow || config_.mode == BreakerMode::kTimeWindow) {
    half_open_window_->Record(now, Window::Call{failed, slow});
    const std::int64_t minimum = std::min(config_.minimum_number_of_calls,
                                          config_.permitted_number_of_calls_in_half_open_state);
    switch (R4jVerdict(half_open_window_->Totals(now), minimum, config_)) {
      case Verdict::kExceeded:
        Open(op_id, attempt);
        return;
      case Verdict::kBelowThresholds:
        Close(op_id, attempt);
        return;
      case Verdict::kBelowMinimum:
        return;
    }
    return;
  }
  if (config_.mode == BreakerMode::kOpossum) {
    // The result is counted in the rolling window as in any state.
    if (failed) {
      window_->AddFailure();
    } else {
      window_->AddSuccess();
    }
    ArmRotation();
  }
  if (failed) {
    ++half_open_.failures;
  } else {
    ++half_open_.successes;
  }
  if (half_open_.successes >= config_.half_open_success_threshold) {
    Close(op_id, attempt);
  } else if (half_open_.failures > config_.half_open_probes - config_.half_open_success_threshold) {
    Open(op_id, attempt);
  }
}

CircuitBreaker::Counts CircuitBreaker::WindowCounts() {
  const TimeUs now = loop_.NowUs();
  if (config_.mode == BreakerMode::kConsecutive) {
    Counts c;
    c.calls = consecutive_;
    c.failures = consecutive_;
    return c;
  }
  return window_->Totals(now);
}

// ---- config ----

Status ValidateBreakerConfig(const BreakerConfig& c) {
  auto bad = [](const std::string& what) { return Status(InvalidInput(what)); };
  if (c.rolling_count_buckets < 1) return bad("rolling_count_buckets must be >= 1");
  if (c.rolling_count_timeout_us < kUsPerMs || OpossumBucketUs(c) < kUsPerMs) {
    return bad("rolling_count_timeout_ms / rolling_count_buckets must be at least 1 ms");
  }
  if (c.reset_timeout_us < 0) return bad("reset_timeout_ms must be >= 0");
  if (c.error_threshold_percentage < 0 || c.error_threshold_percentage > 100) {
    return bad("error_threshold_percentage must be in [0, 100]");
  }
  if (c.volume_threshold < 0) return bad("volume_threshold must be >= 0");
  if (c.failure_rate_threshold <= 0 || c.failure_rate_threshold > 100) {
    return bad("failure_rate_threshold must be in (0, 100]");
  }
  if (c.slow_call_rate_threshold <= 0 || c.slow_call_rate_threshold > 100) {
    return bad("slow_call_rate_threshold must be in (0, 100]");
  }
  if (c.slow_call_duration_threshold_us < 1) return bad("slow_call_duration_threshold must be > 0");
  if (c.sliding_window_size < 1) return bad("sliding_window_size must be >= 1");
  if (c.minimum_number_of_calls < 1) return bad("minimum_number_of_calls must be >= 1");
  if (c.permitted_number_of_calls_in_half_open_state < 1) {
    return bad("permitted_number_of_calls_in_half_open_state must be >= 1");
  }
  if (c.wait_duration_in_open_state_us < kUsPerMs) {
    return bad("wait_duration_in_open_state_ms must be >= 1");
  }
  if (c.max_wait_duration_in_half_open_state_us < 0) {
    return bad("max_wait_duration_in_half_open_state_ms must be >= 0");
  }
  if (c.transition_to_state_after_wait_duration != BreakerState::kOpen &&
      c.transition_to_state_after_wait_duration != BreakerState::kClosed) {
    return bad("transition_to_state_after_wait_duration must be open or closed");
  }
  if (c.consecutive_failures < 1) return bad("consecutive_failures must be >= 1");
  if (c.half_open_after_us < 0) return bad("half_open_after_ms must be >= 0");
  if (c.half_open_probes < 1) return bad("half_open_probes must be >= 1");
  if (c.half_open_success_threshold < 1 || c.half_open_success_threshold > c.half_open_probes) {
    return bad("half_open_success_threshold must be in [1, half_open_probes]");
  }
  if (!(c.open_duration_multiplier >= 1.0) || c.open_duration_multiplier > 1000.0) {
    return bad("open_duration_multiplier must be in [1, 1000]");
  }
  if (c.max_open_duration_us < 0) return bad("max_open_duration_ms must be >= 0");
  return {};
}

Result<BreakerConfig> ParseBreakerConfig(engine::ObjectReader& r, BreakerConfig d) {
  BreakerConfig c = d;
  auto mode_name = [](BreakerMode m) {
    switch (m) {
      case BreakerMode::kOpossum:
        return "opossum";
      case BreakerMode::kCountWindow:
        return "count_window";
      case BreakerMode::kTimeWindow:
        return "time_window";
      case BreakerMode::kConsecutive:
        return "consecutive";
    }
    return "opossum";
  };
  const std::string mode =
      r.Enum("mode", {"opossum", "count_window", "time_window", "consecutive"}, mode_name(d.mode));
  c.mode = mode == "count_window"  ? BreakerMode::kCountWindow
           : mode == "time_window" ? BreakerMode::kTimeWindow
           : mode == "consecutive" ? BreakerMode::kConsecutive
                                   : BreakerMode::kOpossum;
  constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
  auto ms = [&](const std::string& key, TimeUs fallback_us, std::int64_t min_ms) {
    return Ms(r.Int(key, fallback_us / kUsPerMs, min_ms, 30 * kDayMs));
  };
  auto i32 = [&](const std::string& key, std::int32_t fallback, std::int64_t min) {
    return static_cast<std::int32_t>(r.Int(key, fallback, min, 1'000'000'000));
  };
  c.reset_timeout_us = ms("reset_timeout_ms", d.reset_timeout_us, 0);
  c.error_threshold_percentage =
      r.Number("error_threshold_percentage", d.error_threshold_percentage, 0, 100);
  c.rolling_count_timeout_us = ms("rolling_count_timeout_ms", d.rolling_count_timeout_us, 1);
  c.rolling_count_buckets = i32("rolling_count_buckets", d.rolling_count_buckets, 1);
  c.volume_threshold = r.Int("volume_threshold", d.volume_threshold, 0, 1'000'000'000);
  c.allow_warm_up = r.Bool("allow_warm_up", d.allow_warm_up);
  c.failure_rate_threshold = r.Number("failure_rate_threshold", d.failure_rate_threshold, 0, 100);
  c.slow_call_rate_threshold =
      r.Number("slow_call_rate_threshold", d.slow_call_rate_threshold, 0, 100);
  c.slow_call_duration_threshold_us =
      ms("slow_call_duration_threshold_ms", d.slow_call_duration_threshold_us, 1);
  c.sliding_window_size = i32("sliding_window_size", d.sliding_window_size, 1);
  c.minimum_number_of_calls = i32("minimum_number_of_calls", d.minimum_number_of_calls, 1);
  c.permitted_number_of_calls_in_half_open_state =
      i32("permitted_number_of_calls_in_half_open_state",
          d.permitted_number_of_calls_in_half_open_state, 1);
  c.wait_duration_in_open_state_us =
      ms("wait_duration_in_open_state_ms", d.wait_duration_in_open_state_us, 1);
  c.open_to_half_open = r.Bool("automatic_transition_from_open_to_half_open_enabled",
                               d.open_to_half_open == HalfOpenTransition::kTimer)
                            ? HalfOpenTransition::kTimer
                            : HalfOpenTransition::kLazy;
  c.max_wait_duration_in_half_open_state_us =
      ms("max_wait_duration_in_half_open_state_ms", d.max_wait_duration_in_half_open_state_us, 0);
  c.transition_to_state_after_wait_duration =
      r.Enum(
          "transition_to_state_after_wait_duration", {"open", "closed"},
          d.transition_to_state_after_wait_duration == BreakerState::kClosed ? "closed" : "open") ==
              "closed"
          ? BreakerState::kClosed
          : BreakerState::kOpen;
  c.consecutive_failures = i32("consecutive_failures", d.consecutive_failures, 1);
  c.half_open_after_us = ms("half_open_after_ms", d.half_open_after_us, 0);
  c.half_open_probes = i32("half_open_probes", d.half_open_probes, 1);
  c.half_open_success_threshold =
      i32("half_open_success_threshold", d.half_open_success_threshold, 1);
  c.open_duration_multiplier =
      r.Number("open_duration_multiplier", d.open_duration_multiplier, 1, 1000);
  c.max_open_duration_us = ms("max_open_duration_ms", d.max_open_duration_us, 0);
  c.late_results = r.Enum("late_results", {"count", "ignore"},
                          d.late_results == LateResults::kIgnore ? "ignore" : "count") == "ignore"
                       ? LateResults::kIgnore
                       : LateResults::kCount;
  r.Finish();
  if (!r.ok()) return r.error();
  const Status valid = ValidateBreakerConfig(c);
  if (!valid.ok()) {
    r.Fail("", valid.error().message);
    return r.error();
  }
  return c;
}

// ---- registry ----

BreakerRegistry::BreakerRegistry(engine::Loop& loop, engine::Trace* trace, BreakerConfig config,
                                 BreakerScope scope)
    : loop_(loop), trace_(trace), config_(config), scope_(scope) {
  // The global breaker is made with the stack, as opossum's is made with the application: its
  // rolling window's bucket timer and allowWarmUp's window start then, not at the first call.
  if (scope_ == BreakerScope::kGlobal) For(0);
}

CircuitBreaker& BreakerRegistry::For(std::uint16_t tenant) {
  const std::uint16_t key = scope_ == BreakerScope::kGlobal ? kGlobalBreakerKey : tenant;
  auto it = breakers_.find(key);
  if (it == breakers_.end()) {
    it =
        breakers_.emplace(key, std::make_unique<CircuitBreaker>(loop_, trace_, key, config_)).first;
  }
  return *it->second;
}

}  // namespace notion_sim::policies
