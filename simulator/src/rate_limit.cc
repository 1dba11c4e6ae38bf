#include "notion_sim/simulator/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace notion_sim::sim {
namespace {

// Whole seconds, rounded up, at least 1: a client that waits exactly this long is admitted.
std::int64_t CeilSeconds(TimeUs us) {
  const std::int64_t s = (us + kUsPerSec - 1) / kUsPerSec;
  return s < 1 ? 1 : s;
}

// Tokens (and workspaces) are dense small indices; a bound keeps a bad index from eating memory.
constexpr std::uint32_t kMaxIndex = 1u << 20;

}  // namespace

std::string_view LimitReasonName(LimitVerdict verdict) {
  switch (verdict) {
    case LimitVerdict::kAdmitted:
      return "";
    case LimitVerdict::kTokenLimited:
      return "public_api_request_rate_limit";
    case LimitVerdict::kWorkspaceLimited:
      return "public_api_space_request_rate_limit";
    case LimitVerdict::kOverloaded:
      return "service_overload";
  }
  return "";
}

bool RateLimiter::Fits(const Window& w, std::int64_t limit, TimeUs length_us, TimeUs now_us,
                       std::int64_t* retry_after_s) {
  if (w.start_us < 0 || now_us >= w.start_us + length_us) return limit > 0;
  if (w.used < limit) return true;
  *retry_after_s = CeilSeconds(w.start_us + length_us - now_us);
  return false;
}

void RateLimiter::Spend(Window& w, TimeUs length_us, TimeUs now_us) {
  if (w.start_us < 0 || now_us >= w.start_us + length_us) {
    w.start_us = now_us;
    w.used = 0;
  }
  ++w.used;
}

LimitDecision RateLimiter::Admit(std::uint32_t token, std::uint32_t workspace, TimeUs now_us) {
  LimitDecision d;
  token = std::min(token, kMaxIndex);
  workspace = std::min(workspace, kMaxIndex);
  if (config_.overload_requests > 0 &&
      !Fits(overload_, config_.overload_requests, config_.overload_window_us, now_us,
            &d.retry_after_s)) {
    d.verdict = LimitVerdict::kOverloaded;
    d.retry_after_s = std::max<std::int64_t>(1, config_.overload_retry_after_s);
    return d;
  }
  // The connection's own limit first, then the workspace's: the reason names the tighter one.
  switch (config_.mode) {
    case RateLimitMode::kOff:
      break;
    case RateLimitMode::kFixedWindow: {
      if (token >= token_windows_.size()) token_windows_.resize(token + 1);
      if (!Fits(token_windows_[token], config_.window_requests, config_.window_us, now_us,
                &d.retry_after_s)) {
        d.verdict = LimitVerdict::kTokenLimited;
        return d;
      }
      break;
    }
    case RateLimitMode::kTokenBucket: {
      if (token >= buckets_.size()) buckets_.resize(token + 1);
      Bucket& b = buckets_[token];
      // Credit is kept in milli-tokens times microseconds-per-second, so refills are exact
      // integers however often requests come.
      const std::int64_t cap = config_.bucket_burst * 1000 * kUsPerSec;
      const std::int64_t one = 1000 * kUsPerSec;
      if (b.last_us < 0) {
        b.tokens_milli = cap;
      } else if (now_us > b.last_us) {
        const TimeUs elapsed = std::min<TimeUs>(now_us - b.last_us, Sec(86'400));
        b.tokens_milli = std::min(cap, b.tokens_milli + elapsed * config_.bucket_rate_milli_per_s);
      }
      b.last_us = std::max(b.last_us, now_us);
      if (b.tokens_milli < one) {
        const std::int64_t rate = std::max<std::int64_t>(1, config_.bucket_rate_milli_per_s);
        d.verdict = LimitVerdict::kTokenLimited;
        d.retry_after_s = CeilSeconds((one - b.tokens_milli + rate - 1) / rate);
        return d;
      }
      break;
    }
  }
  if (config_.workspace_requests > 0) {
    if (workspace >= workspace_windows_.size()) workspace_windows_.resize(workspace + 1);
    if (!Fits(workspace_windows_[workspace], config_.workspace_requests,
              config_.workspace_window_us, now_us, &d.retry_after_s)) {
      d.verdict = LimitVerdict::kWorkspaceLimited;
      return d;
    }
    Spend(workspace_windows_[workspace], config_.workspace_window_us, now_us);
  }
  if (config_.mode == RateLimitMode::kFixedWindow) {
    Spend(token_windows_[token], config_.window_us, now_us);
  } else if (config_.mode == RateLimitMode::kTokenBucket) {
    buckets_[token].tokens_milli -= 1000 * kUsPerSec;
  }
  if (config_.overload_requests > 0) Spend(overload_, config_.overload_window_us, now_us);
  return d;
}

std::int64_t RateLimiter::Remaining(std::uint32_t token, TimeUs now_us) const {
  if (config_.mode != RateLimitMode::kFixedWindow) return -1;
  if (token >= token_windows_.size()) return config_.window_requests;
  const Window& w = token_windows_[token];
  if (w.start_us < 0 || now_us >= w.start_us + config_.window_us) return config_.window_requests;
  return config_.window_requests - w.used;
}

void RateLimiter::Reset() {
  token_windows_.clear();
  buckets_.clear();
  workspace_windows_.clear();
  overload_ = Window{};
}

Result<RateLimitConfig> ParseRateLimits(engine::ObjectReader& r) {
  RateLimitConfig c;
  const std::string mode = r.Enum("mode", {"off", "fixed_window", "token_bucket"}, "fixed_window");
  c.mode = mode == "off"            ? RateLimitMode::kOff
           : mode == "token_bucket" ? RateLimitMode::kTokenBucket
                                    : RateLimitMode::kFixedWindow;
  c.window_requests = r.Int("window_requests", c.window_requests, 1, 1'000'000'000);
  c.window_us = Sec(r.Int("window_s", 60, 1, 86'400));
  c.bucket_rate_milli_per_s = static_cast<std::int64_t>(
      std::llround(r.Number("bucket_rate_per_s", 3.0, 0.001, 1e6) * 1000.0));
  c.bucket_burst = r.Int("bucket_burst", c.bucket_burst, 1, 1'000'000);
  c.workspace_requests = r.Int("workspace_requests", 0, 0, 1'000'000'000);
  c.workspace_window_us = Sec(r.Int("workspace_window_s", 300, 1, 86'400));
  c.overload_requests = r.Int("overload_requests", 0, 0, 1'000'000'000);
  c.overload_window_us = Ms(r.Int("overload_window_ms", 1000, 1, 3'600'000));
  c.overload_retry_after_s = r.Int("overload_retry_after_s", 1, 1, 86'400);
  r.Finish();
  if (!r.ok()) return r.error();
  return c;
}

}  // namespace notion_sim::sim
