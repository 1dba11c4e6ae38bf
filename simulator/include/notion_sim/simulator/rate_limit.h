// RateLimiter: Notion's request limits as the fake enforces them
// (docs/sources.md#notions-request-limits).
//
// - per token, a fixed window: `window_requests` per `window_us` (180 or 600 per 60 s in the
//   current docs); a window starts at the token's first request after the previous one ended,
//   and Retry-After is the whole seconds until it resets (so <= 60);
// - or, the older documented mode, a token bucket averaging `bucket_rate_milli_per_s` with bursts
//   of `bucket_burst`; Retry-After is the whole seconds until one token is back;
// - a workspace budget shared by the workspace's tokens (its own fixed window, which may be longer
//   than a minute, so its Retry-After can exceed 60 s);
// - overload: a global budget per `overload_window_us`; past it the fake answers 529
//   service_overload.
// A refused request does not spend budget. Integer arithmetic only. Not thread-safe.
//
//   "rate_limits": {"mode": "fixed_window", "window_requests": 180, "window_s": 60,
//                   "workspace_requests": 2000, "workspace_window_s": 300,
//                   "overload_requests": 0, "overload_window_ms": 1000}
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::sim {

enum class RateLimitMode : std::uint8_t { kOff, kFixedWindow, kTokenBucket };

struct RateLimitConfig {
  RateLimitMode mode = RateLimitMode::kFixedWindow;
  std::int64_t window_requests = 180;  // kFixedWindow, per token (Business/Enterprise: 600)
  TimeUs window_us = Sec(60);
  std::int64_t bucket_rate_milli_per_s = 3'000;  // kTokenBucket: 3 requests/s on average
  std::int64_t bucket_burst = 10;                // kTokenBucket: bucket size in requests
  std::int64_t workspace_requests = 0;           // per workspace window; 0 = no workspace budget
  TimeUs workspace_window_us = Sec(300);
  std::int64_t overload_requests = 0;  // all tokens together; 0 = never overloaded
  TimeUs overload_window_us = Sec(1);
  std::int64_t overload_retry_after_s = 1;  // 529's Retry-After
};

// The reason a request was refused (additional_data.rate_limit_reason).
enum class LimitVerdict : std::uint8_t {
  kAdmitted,
  kTokenLimited,      // 429 public_api_request_rate_limit
  kWorkspaceLimited,  // 429 public_api_space_request_rate_limit
  kOverloaded,        // 529 service_overload
};
std::string_view LimitReasonName(LimitVerdict verdict);  // "public_api_request_rate_limit", ...

struct LimitDecision {
  LimitVerdict verdict = LimitVerdict::kAdmitted;
  std::int64_t retry_after_s = 0;  // whole seconds, >= 1 when refused
  bool admitted() const { return verdict == LimitVerdict::kAdmitted; }
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitConfig config) : config_(config) {}

  // Decides one request of token `token` (an index; tokens are dense from 0) belonging to
  // workspace `workspace`, at `now_us`; spends budget only when admitted.
  LimitDecision Admit(std::uint32_t token, std::uint32_t workspace, TimeUs now_us);
  // Requests left in the token's current window (kFixedWindow), for health and tests.
  std::int64_t Remaining(std::uint32_t token, TimeUs now_us) const;
  void Reset();
  const RateLimitConfig& config() const { return config_; }

 private:
  struct Window {
    TimeUs start_us = -1;  // -1: no window open
    std::int64_t used = 0;
  };
  struct Bucket {
    TimeUs last_us = -1;
    std::int64_t tokens_milli = 0;  // milli-tokens x 1e6 (see Admit)
  };
  // Whether one more request fits `window`; if not, the seconds until it resets.
  static bool Fits(const Window& w, std::int64_t limit, TimeUs length_us, TimeUs now_us,
                   std::int64_t* retry_after_s);
  static void Spend(Window& w, TimeUs length_us, TimeUs now_us);

  RateLimitConfig config_;
  std::vector<Window> token_windows_;
  std::vector<Bucket> buckets_;
  std::vector<Window> workspace_windows_;
  Window overload_;
};

// Parses the "rate_limits" object shown above. Unknown fields are errors.
Result<RateLimitConfig> ParseRateLimits(engine::ObjectReader& reader);

}  // namespace notion_sim::sim
