#include "notion_sim/policies/profiles.h"

#include <string>

namespace notion_sim::policies {
namespace {

StackConfig PassThrough() {
  StackConfig c;
  c.profile = "pass_through";
  return c;
}

// @notionhq/client v5.26.0 (docs/sources.md#the-official-sdk): DEFAULT_MAX_RETRIES 2, initial 1000
// ms, max 60000 ms, DEFAULT_TIMEOUT_MS 60000 per attempt (no connect timeout, no deadline),
// canRetry by body code and method, the ±50 % band, parseRetryAfterHeader with its quirks. No
// breaker, no limiter, no idempotency: the SDK has none.
StackConfig NotionSdk() {
  StackConfig c;
  c.profile = "notionhq-client-v5";
  c.retry.max_attempts = 3;
  c.retry.rules = RetryRules::kSdk;
  c.retry.backoff = BackoffConfig{BackoffKind::kSdkBand, Ms(1'000), Ms(60'000), 2.0};
  c.retry.retry_after = RetryAfterMode::kSdk;
  c.retry.deadline_us = 0;
  c.retry_after_scope = RetryAfterScope::kOperation;
  c.timeouts.enabled = true;
  c.timeouts.connect_us = 0;
  c.timeouts.request_us = Ms(60'000);
  c.timeouts.upload_us = Ms(60'000);
  c.timeouts.long_poll_us = Ms(60'000);
  // Its timer races fetch(), which resolves on the headers; the body read has no timeout (§4.7).
  c.timeouts.covers_body = false;
  return c;
}

// opossum 10 defaults (lib/circuit.js): timeout 10000 ms, resetTimeout 30000 ms,
// errorThresholdPercentage 50 (strict >), rollingCountTimeout 10000 ms in 10 buckets,
// volumeThreshold 0; opossum has no retry. Every error counts (errorFilter returns false).
StackConfig Opossum() {
  StackConfig c;
  c.profile = "opossum";
  c.breaker_enabled = true;
  c.breaker = BreakerConfig{};
  c.breaker.mode = BreakerMode::kOpossum;
  c.breaker_scope = BreakerScope::kGlobal;
  c.breaker_failures = BreakerFailures::kAnyError;
  c.timeouts.enabled = true;
  c.timeouts.connect_us = 0;
  c.timeouts.request_us = Ms(10'000);
  c.timeouts.upload_us = Ms(10'000);
  c.timeouts.long_poll_us = Ms(10'000);
  return c;
}

// resilience4j 2.x defaults: CircuitBreakerConfig COUNT_BASED 100,
// failureRateThreshold 50 (>=), minimumNumberOfCalls 100, permittedNumberOfCallsInHalfOpenState
// 10, waitDurationInOpenState 60 s, slow calls 100 % over 60 s; RetryConfig maxAttempts 3,
// waitDuration 500 ms, every exception retried. Decorated as r4j documents
// Retry(CircuitBreaker(RateLimiter(TimeLimiter(Bulkhead(call))))), so the breaker sees every
// attempt. r4j's TimeLimiter (1 s) is not applied: a Notion call routinely takes longer; the
// HTTP client's 30 s timeout stands in for it.
StackConfig Resilience4j() {
  StackConfig c;
  c.profile = "resilience4j";
  c.order = {Stage::kRetry, Stage::kBreaker, Stage::kLimiter, Stage::kBulkhead};
  c.retry.max_attempts = 3;
  c.retry.rules = RetryRules::kAnyFailure;
  c.retry.backoff = BackoffConfig{BackoffKind::kFixed, Ms(500), Ms(500), 1.0};
  c.retry.retry_after = RetryAfterMode::kIgnore;
  c.breaker_enabled = true;
  c.breaker = BreakerConfig{};
  c.breaker.mode = BreakerMode::kCountWindow;
  c.breaker_scope = BreakerScope::kGlobal;
  c.breaker_failures = BreakerFailures::kAnyError;
  c.timeouts.enabled = true;
  c.timeouts.connect_us = Sec(5);
  c.timeouts.request_us = Sec(30);
  c.timeouts.upload_us = Sec(30);
  c.timeouts.long_poll_us = Sec(30);
  return c;
}

// The patterns pack (docs/sources.md): opossum {timeout 30000, errorThresholdPercentage 50,
// resetTimeout 30000, volumeThreshold 10}; three priority queues (critical 10, normal 5, bulk 2) in
// front of the breaker; the 5 / 30 / 120 / 300 s timeout hierarchy; a fallback cache with staleness
// tiers; a DLQ that gives up after 5 reprocesses; degraded above 100 DLQ entries. It has no retry
// and no reconcile: whatever failed is parked, ambiguous creates included (its client-side keys do
// not stop Notion from creating twice).
StackConfig SeedPatterns() {
  StackConfig c;
  c.profile = "notion-reliability-patterns";
  c.order = {Stage::kBulkhead, Stage::kBreaker, Stage::kRetry, Stage::kLimiter};
  c.bulkhead.enabled = true;
  c.bulkhead.lanes = {LaneLimits{10, 1000}, LaneLimits{5, 1000}, LaneLimits{2, 1000}};
  c.breaker_enabled = true;
  c.breaker = BreakerConfig{};
  c.breaker.mode = BreakerMode::kOpossum;
  c.breaker.reset_timeout_us = Ms(30'000);
  c.breaker.error_threshold_percentage = 50;
  c.breaker.volume_threshold = 10;
  c.breaker_failures = BreakerFailures::kAnyError;
  c.timeouts.enabled = true;
  c.timeouts.connect_us = Sec(5);
  c.timeouts.request_us = Sec(30);
  c.timeouts.upload_us = Sec(120);
  c.timeouts.long_poll_us = Sec(300);
  c.fallback_enabled = true;
  c.dlq_enabled = true;
  c.dlq.max_attempts = 5;
  c.ambiguous_writes = AmbiguousWrites::kDeadLetter;
  c.health.dlq_degraded_above = 100;
  return c;
}

// The AI-API tutorial's wrapper (docs/sources.md): max_retries 3 attempts with a fixed 5 s
// retry_delay, no backoff, no jitter, every failure retried, no timeout of its own.
StackConfig FixedDelay() {
  StackConfig c;
  c.profile = "fixed-delay";
  c.retry.max_attempts = 3;
  c.retry.rules = RetryRules::kAnyFailure;
  c.retry.backoff = BackoffConfig{BackoffKind::kFixed, Sec(5), Sec(5), 1.0};
  c.retry.retry_after = RetryAfterMode::kIgnore;
  return c;
}

// Ours. Each choice and why:
//  - retries by class and method, creates protected by reconcile-before-retry and PATCH updates
//    treated as idempotent, so 5xx and lost responses are retried without duplicates;
//  - decorrelated jitter (500 ms .. 30 s): the least work and time of the jittered variants at
//    moderate contention (the AWS jitter blog, docs/sources.md);
//  - strict Retry-After, never early, + 0-250 ms jitter (Notion's own sample clients), and the
//    whole tenant pauses (the limit is per connection); a wait over 60 s gives up to the DLQ;
//  - 5 attempts within a 2-minute deadline, and a retry budget (AWS 2026 costs) so a struggling
//    API is not hammered;
//  - per-tenant AIMD limiter at 2.95/s with a burst of 3: never more than 180 requests in any
//    60 s window (3 + 2.95 x 60), halved on 429/529 and recovering by 0.05/s each second;
//  - a global breaker counting only service errors (opossum window, 50 % over >= 20 calls: a
//    lossy network's 10-15 % of timeouts must not open it, an outage's ~100 % does), 3
//    half-open probes of which 2 must pass, open time growing 1.5x up to 1 minute (probes cost
//    three requests; a long open time only delays recovery after an outage), late results of
//    earlier epochs ignored;
//  - lanes 20 / 10 / 4 held per attempt (a backoff sleep holds no slot): twice the seed's, as
//    concurrency = rate x latency and at Notion's 3/s a tenth of the calls hanging for the 30 s
//    request timeout already keeps 9 slots busy; the seed's timeout hierarchy; fallback cache
//    for reads;
//    DLQ for writes, reprocessed after 1, 2, 5, 15, 60 min, then 6 h, 10 times before manual
//    review (the sync principles), each replay waiting for the breaker to close. The limiter and
//    breaker sit inside the retry loop: retries and lookups spend
//    Notion's budget too and must not hit an open breaker.
StackConfig Recommended() {
  StackConfig c;
  c.profile = "recommended";
  c.order = {Stage::kRetry, Stage::kBulkhead, Stage::kLimiter, Stage::kBreaker};
  c.retry.max_attempts = 5;
  c.retry.rules = RetryRules::kClassified;
  c.retry.backoff = BackoffConfig{BackoffKind::kDecorrelatedJitter, Ms(500), Sec(30), 2.0};
  c.retry.retry_after = RetryAfterMode::kStrict;
  c.retry.max_retry_after_us = Sec(60);
  c.retry.retry_after_jitter_us = Ms(250);
  c.retry.deadline_us = Min(2);
  c.retry.retry_conflicts = true;
  c.retry_after_scope = RetryAfterScope::kTenant;
  c.budget = DefaultBudgetConfig(BudgetKind::kAwsStandard2026);
  c.limiter.kind = LimiterKind::kTokenBucket;
  c.limiter.scope = LimiterScope::kPerTenant;
  c.limiter.rate_per_s = 2.95;
  c.limiter.burst = 3;
  c.limiter.max_wait_us = Sec(60);
  c.limiter.adapt = LimiterAdapt::kAimd;
  c.bulkhead.enabled = true;
  c.bulkhead.lanes = {LaneLimits{20, 500}, LaneLimits{10, 500}, LaneLimits{4, 500}};
  c.timeouts.enabled = true;
  c.timeouts.connect_us = Sec(5);
  c.timeouts.request_us = Sec(30);
  c.timeouts.upload_us = Sec(120);
  c.timeouts.long_poll_us = Sec(300);
  c.breaker_enabled = true;
  c.breaker = BreakerConfig{};
  c.breaker.mode = BreakerMode::kOpossum;
  c.breaker.error_threshold_percentage = 50;
  c.breaker.volume_threshold = 20;
  c.breaker.reset_timeout_us = Sec(30);
  c.breaker.half_open_probes = 3;
  c.breaker.half_open_success_threshold = 2;
  c.breaker.open_duration_multiplier = 1.5;
  c.breaker.max_open_duration_us = Min(1);
  c.breaker.late_results = LateResults::kIgnore;
  c.breaker_scope = BreakerScope::kGlobal;
  c.breaker_failures = BreakerFailures::kServiceErrors;
  c.reconcile = Reconcile::kLookupBeforeRetry;
  c.max_reconcile_lookups = 3;
  c.updates_idempotent = true;
  c.fallback_enabled = true;
  c.dlq_enabled = true;
  c.dlq.retry_delays_us = {Min(1), Min(2), Min(5), Min(15), Min(60), 6 * kUsPerHour};
  c.dlq.max_attempts = 10;
  c.ambiguous_writes = AmbiguousWrites::kSurface;
  return c;
}

}  // namespace

const std::vector<std::string_view>& ProfileNames() {
  static const std::vector<std::string_view> kNames = {
      "pass_through", "notionhq-client-v5",          "opossum",
      "resilience4j", "notion-reliability-patterns", "fixed-delay",
      "recommended"};
  return kNames;
}

Result<StackConfig> ProfileConfig(std::string_view name) {
  if (name == "pass_through") return PassThrough();
  if (name == "notionhq-client-v5") return NotionSdk();
  if (name == "opossum") return Opossum();
  if (name == "resilience4j") return Resilience4j();
  if (name == "notion-reliability-patterns") return SeedPatterns();
  if (name == "fixed-delay") return FixedDelay();
  if (name == "recommended") return Recommended();
  std::string known;
  for (std::string_view n : ProfileNames()) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return Error{ErrorCode::kNotFound,
               "unknown stack profile \"" + std::string(name) + "\" (known: " + known + ")"};
}

}  // namespace notion_sim::policies
