#include "notion_sim/policies/rate_limiter.h"

#include "policy_check.h"

#include <algorithm>
#include <cmath>

namespace notion_sim::policies {
namespace {

std::int64_t Milli(double v) {
  if (v > 9.0e15) return INT64_MAX / 2;
  if (v < -9.0e15) return INT64_MIN / 2;
  return static_cast<std::int64_t>(std::llround(v * 1000.0));
}

double Seconds(TimeUs us) { return static_cast<double>(us) / static_cast<double>(kUsPerSec); }

constexpr std::int64_t kPicoPerToken = 1'000'000'000'000;
constexpr double kMaxTokens = 1e6;  // keeps picotokens inside int64

__extension__ using I128 = __int128;

}  // namespace

std::string_view LimiterKindName(LimiterKind kind) {
  switch (kind) {
    case LimiterKind::kNone:
      return "none";
    case LimiterKind::kTokenBucket:
      return "token_bucket";
    case LimiterKind::kFixedWindow:
      return "fixed_window";
    case LimiterKind::kSlidingWindow:
      return "sliding_window";
  }
  return "?";
}

std::optional<LimiterKind> ParseLimiterKind(std::string_view name) {
  for (LimiterKind k : {LimiterKind::kNone, LimiterKind::kTokenBucket, LimiterKind::kFixedWindow,
                        LimiterKind::kSlidingWindow}) {
    if (LimiterKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view LimiterAdaptName(LimiterAdapt adapt) {
  switch (adapt) {
    case LimiterAdapt::kNone:
      return "none";
    case LimiterAdapt::kAimd:
      return "aimd";
    case LimiterAdapt::kCubic:
      return "cubic";
  }
  return "?";
}

std::optional<LimiterAdapt> ParseLimiterAdapt(std::string_view name) {
  for (LimiterAdapt a : {LimiterAdapt::kNone, LimiterAdapt::kAimd, LimiterAdapt::kCubic}) {
    if (LimiterAdaptName(a) == name) return a;
  }
  return std::nullopt;
}

std::optional<std::int64_t> MaxRequestsInWindow(const RateLimiterConfig& config, TimeUs window_us) {
  if (window_us <= 0) return 0;
  switch (config.kind) {
    case LimiterKind::kNone:
      return std::nullopt;
    case LimiterKind::kTokenBucket: {
      if (config.rate_per_s <= 0) return std::nullopt;
      double capacity = std::clamp(config.burst, 1.0, kMaxTokens);
      if (config.adapt == LimiterAdapt::kCubic) capacity = std::max(capacity, config.rate_per_s);
      // The rate is stored rounded down and every wait rounded up, so the true figure is below
      // this; the small slack only keeps 179.99999... (3 + 2.95 x 60 in doubles) at 180.
      return static_cast<std::int64_t>(
          std::floor(capacity + config.rate_per_s * Seconds(window_us) + 1e-6));
    }
    case LimiterKind::kFixedWindow:
      return config.limit * ((window_us - 1) / config.window_us + 2);
    case LimiterKind::kSlidingWindow:
      return config.limit * ((window_us + config.window_us - 1) / config.window_us);
  }
  return std::nullopt;
}

RateLimiter::RateLimiter(const RateLimiterConfig& config, engine::Trace* trace, std::uint16_t key)
    : config_(config), trace_(trace), key_(key) {
  switch (config_.kind) {
    case LimiterKind::kNone:
      unlimited_ = true;
      break;
    case LimiterKind::kTokenBucket:
      unlimited_ = config_.rate_per_s <= 0;
      SetBucket(config_.rate_per_s, config_.burst);
      tokens_pt_ = capacity_pt_;  // a fresh client may spend its whole burst at once
      break;
    case LimiterKind::kFixedWindow:
    case LimiterKind::kSlidingWindow:
      NSIM_POLICY_CHECK(config_.limit >= 1 && config_.window_us > 0);
      ring_.reserve(static_cast<std::size_t>(
          config_.kind == LimiterKind::kSlidingWindow ? config_.limit : 0));
      break;
  }
}

void RateLimiter::Emit(engine::EventKind kind, TimeUs now_us, std::uint64_t op_id,
                       std::uint32_t attempt, std::int64_t a, std::int64_t b) {
  if (trace_ != nullptr) trace_->Emit(kind, now_us, op_id, attempt, key_, a, b);
}

void RateLimiter::SetBucket(double fill_rate, double capacity) {
  fill_rate_ = std::clamp(fill_rate, 0.0, kMaxTokens);
  rate_pt_per_us_ = static_cast<std::int64_t>(std::floor(fill_rate_ * 1e6));
  capacity_pt_ = static_cast<std::int64_t>(
      std::floor(std::clamp(capacity, 1.0, kMaxTokens) * static_cast<double>(kPicoPerToken)));
}

void RateLimiter::Refill(TimeUs now_us) {
  if (now_us > last_refill_us_) {
    const I128 filled = static_cast<I128>(tokens_pt_) +
                        static_cast<I128>(now_us - last_refill_us_) * rate_pt_per_us_;
    tokens_pt_ = static_cast<std::int64_t>(std::min<I128>(filled, capacity_pt_));
    last_refill_us_ = now_us;
  }
}

std::int64_t RateLimiter::BalanceAt(TimeUs now_us) const {
  // Before last_refill_us_ (a settled debt, see SetRate) the balance is what is left to repay.
  if (now_us >= last_refill_us_) return tokens_pt_;
  return static_cast<std::int64_t>(static_cast<I128>(tokens_pt_) -
                                   static_cast<I128>(last_refill_us_ - now_us) * rate_pt_per_us_);
}

double RateLimiter::rate_per_s() const { return unlimited_ ? 0.0 : fill_rate_; }

std::int64_t RateLimiter::tokens_milli(TimeUs now_us) {
  switch (config_.kind) {
    case LimiterKind::kNone:
      return 0;
    case LimiterKind::kTokenBucket:
      Refill(now_us);
      return BalanceAt(now_us) / (kPicoPerToken / 1000);
    case LimiterKind::kFixedWindow: {
      const std::int64_t w = now_us / config_.window_us;
      const std::int64_t used = w == window_index_  ? window_count_
                                : w < window_index_ ? config_.limit
                                                    : 0;
      return (config_.limit - used) * 1000;
    }
    case LimiterKind::kSlidingWindow: {
      std::int64_t used = 0;
      for (TimeUs t : ring_) used += t > now_us - config_.window_us ? 1 : 0;
      return (config_.limit - used) * 1000;
    }
  }
  return 0;
}

LimiterVerdict RateLimiter::Acquire(TimeUs now_us, std::uint64_t op_id, std::uint32_t attempt,
                                    TimeUs max_wait_us) {
  const TimeUs max_wait = max_wait_us >= 0 ? max_wait_us : config_.max_wait_us;
  TimeUs delay_us = 0;
  std::int64_t left_milli = 0;
  switch (config_.kind) {
    case LimiterKind::kNone:
      return {};
    case LimiterKind::kTokenBucket: {
      if (unlimited_) return {};
      Refill(now_us);
      // The balance is as of last_refill_us_, which a rate change may have put in the future
      // (SetRate): nothing refills before then.
      delay_us = std::max<TimeUs>(last_refill_us_ - now_us, 0);
      const std::int64_t missing_pt = kPicoPerToken - tokens_pt_;
      if (missing_pt > 0) {
        // Rounded up: a reservation is never earlier than the budget allows.
        delay_us += rate_pt_per_us_ > 0 ? (missing_pt + rate_pt_per_us_ - 1) / rate_pt_per_us_
                                        : kTimeNever / 2;
      }
      left_milli = BalanceAt(now_us) / (kPicoPerToken / 1000);
      if (delay_us > max_wait) break;
      // May go negative: the debt is the queue of reservations. The planted leak (TEST ONLY)
      // charges half a token.
      tokens_pt_ -= config_.planted_leak ? kPicoPerToken / 2 : kPicoPerToken;
      break;
    }
    case LimiterKind::kFixedWindow: {
      const std::int64_t w = now_us / config_.window_us;
      std::int64_t index = window_index_;
      std::int64_t count = window_count_;
      if (w > index) {
        index = w;
        count = 0;
      }
      if (count >= config_.limit) {
        ++index;
        count = 0;
      }
      delay_us = std::max<TimeUs>(index * config_.window_us - now_us, 0);
      left_milli = (config_.limit - count) * 1000;
      if (delay_us > max_wait) break;
      window_index_ = index;
      window_count_ = count + 1;
      break;
    }
    case LimiterKind::kSlidingWindow: {
      TimeUs at_us = std::max(now_us, last_reserved_us_);
      const bool full = ring_.size() == static_cast<std::size_t>(config_.limit);
      if (full) at_us = std::max(at_us, ring_[ring_head_] + config_.window_us);
      delay_us = at_us - now_us;
      if (delay_us > 0) left_milli = tokens_milli(now_us);
      if (delay_us > max_wait) break;
      if (full) {
        ring_[ring_head_] = at_us;
        ring_head_ = (ring_head_ + 1) % ring_.size();
      } else {
        ring_.push_back(at_us);
      }
      last_reserved_us_ = at_us;
      break;
    }
  }
  if (delay_us > max_wait) {
    Emit(engine::EventKind::kLimiterRejected, now_us, op_id, attempt, left_milli, 0);
    return {LimiterDecision::kReject, delay_us};
  }
  if (delay_us == 0) return {};
  Emit(engine::EventKind::kLimiterDelayed, now_us, op_id, attempt, delay_us, left_milli);
  return {LimiterDecision::kDelay, delay_us};
}

void RateLimiter::SetRate(double fill_rate, double capacity, TimeUs now_us) {
  Refill(now_us);
  // Reservations already handed out (a negative balance) were timed at the old rate and will be
  // sent then. Repaying that debt at a new, faster rate would let later requests go before them
  // and the window hold more than burst + rate x window (issue 14: one request too many in
  // some 60 s windows once the AIMD rate recovered). So the debt is settled at the old rate: the
  // balance moves to the moment the last reservation goes, and the new rate counts from there.
  if (tokens_pt_ < 0 && rate_pt_per_us_ > 0) {
    const TimeUs settled_us = (-tokens_pt_ + rate_pt_per_us_ - 1) / rate_pt_per_us_;
    tokens_pt_ += settled_us * rate_pt_per_us_;
    last_refill_us_ += settled_us;
  }
  const std::int64_t old_milli = unlimited_ ? 0 : Milli(fill_rate_);
  unlimited_ = false;
  SetBucket(fill_rate, capacity);
  tokens_pt_ = std::min(tokens_pt_, capacity_pt_);
  const std::int64_t new_milli = Milli(fill_rate_);
  if (new_milli != old_milli) {
    Emit(engine::EventKind::kLimiterRateChanged, now_us, 0, 0, old_milli, new_milli);
  }
}

double RateLimiter::MeasureRate(TimeUs now_us) {
  // botocore RateClocker.record: counts every response; when a new bucket starts the rate of the
  // finished span is folded into an EWMA.
  const std::int64_t bucket = now_us / config_.measure_bucket_us;
  ++measure_count_;
  if (bucket > measure_last_bucket_) {
    const double span_s = Seconds((bucket - measure_last_bucket_) * config_.measure_bucket_us);
    const double current = static_cast<double>(measure_count_) / span_s;
    measured_rate_ =
        current * config_.measure_smoothing + measured_rate_ * (1.0 - config_.measure_smoothing);
    measure_count_ = 0;
    measure_last_bucket_ = bucket;
  }
  return measured_rate_;
}

void RateLimiter::OnResponse(ErrorClass cls, TimeUs now_us) {
  if (config_.kind != LimiterKind::kTokenBucket || config_.adapt == LimiterAdapt::kNone) return;
  const bool throttled = cls == ErrorClass::kRateLimited;
  const double ceiling = config_.rate_per_s > 0 ? config_.rate_per_s : 1e12;
  if (config_.adapt == LimiterAdapt::kAimd) {
    double rate = fill_rate_;
    if (throttled) {
      if (now_us - last_cut_us_ < config_.aimd_cooldown_us) {
        last_adjust_us_ = now_us;
        return;
      }
      rate = std::min(ceiling, std::max(config_.min_rate_per_s, rate * config_.aimd_decrease));
      last_cut_us_ = now_us;
    } else {
      rate =
          std::min(ceiling, rate + config_.aimd_increase_per_s * Seconds(now_us - last_adjust_us_));
    }
    last_adjust_us_ = now_us;
    // The burst shrinks with the rate so a cut takes effect at once.
    SetRate(rate, std::max(1.0, std::max(config_.burst, 1.0) * rate / ceiling), now_us);
    return;
  }
  // kCubic: botocore ClientRateLimiter.on_receiving_response.
  const double measured = MeasureRate(now_us);
  const double t = Seconds(now_us);
  double new_rate = 0;
  if (throttled) {
    const double rate_to_use = cubic_enabled_ ? std::min(measured, fill_rate_) : measured;
    w_max_ = rate_to_use;
    k_ = std::cbrt(w_max_ * (1.0 - config_.cubic_beta) / config_.cubic_scale);
    last_throttle_s_ = t;
    new_rate = rate_to_use * config_.cubic_beta;
    cubic_enabled_ = true;
  } else {
    const double dt = t - last_throttle_s_ - k_;
    new_rate = config_.cubic_scale * dt * dt * dt + w_max_;
  }
  if (!cubic_enabled_) return;  // the bucket is not in use before the first throttle
  const double value = std::min(std::min(new_rate, 2.0 * measured), ceiling);
  const double fill = std::min(std::max(value, config_.min_rate_per_s), ceiling);
  SetRate(fill, std::max(value, 1.0), now_us);
}

}  // namespace notion_sim::policies
