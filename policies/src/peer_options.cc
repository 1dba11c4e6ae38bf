#include "peer_options.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace notion_sim::policies {
namespace {

using engine::ObjectReader;

constexpr std::int64_t kMaxMs = 30LL * 24 * 3600 * 1000;  // 30 days

// Options that change nothing about the calls' fate (names, telemetry): read and let be.
void NoEffect(ObjectReader& r, std::initializer_list<const char*> keys) {
  for (const char* k : keys) (void)r.Raw(k);
}

// Options we cannot model: an error naming the option and what is missing.
void Refuse(ObjectReader& r, std::initializer_list<const char*> keys, const std::string& why) {
  for (const char* k : keys) {
    if (r.Has(k)) {
      (void)r.Raw(k);
      r.Fail(k, std::string("\"") + k + "\" is not supported: " + why);
    }
  }
}

void AllLanes(StackConfig& c, std::uint32_t max_concurrent, std::uint32_t max_queued) {
  c.bulkhead.enabled = true;
  for (LaneLimits& lane : c.bulkhead.lanes) lane = LaneLimits{max_concurrent, max_queued};
}

// --- @notionhq/client 5.26.0: new Client({timeoutMs, retry}) ------------------------------------

void ReadNotionClient(ObjectReader& r, StackConfig& c) {
  Refuse(r, {"fetch", "agent", "logger"},
         "it is code (a function or an object); the simulation is the transport and the trace is "
         "the log");
  NoEffect(r, {"auth", "baseUrl", "logLevel"});
  if (r.Has("notionVersion")) {
    const std::string v = r.String("notionVersion");
    if (v != "2025-09-03") {
      r.Fail("notionVersion",
             "the simulated stack speaks Notion-Version 2025-09-03 (the SDK "
             "5.26.0 default), found \"" +
                 v + "\"");
    }
  }
  // The SDK's rules exactly (docs/sources.md#the-official-sdk): retries by body code and method,
  // the ±50 % band, its Retry-After parsing capped by maxRetryDelayMs, no deadline, per-attempt
  // timeout.
  c.retry.rules = RetryRules::kSdk;
  c.retry.retry_after = RetryAfterMode::kSdk;
  c.retry.deadline_us = 0;
  c.retry_after_scope = RetryAfterScope::kOperation;
  std::int64_t max_retries = 2;
  std::int64_t initial_ms = 1'000;
  std::int64_t max_ms = 60'000;
  if (const nlohmann::json* retry = r.Raw("retry"); retry != nullptr) {
    if (retry->is_boolean() && !retry->get<bool>()) {
      max_retries = 0;  // `retry: false`: maxRetries 0 and both delays 0
      initial_ms = 0;
      max_ms = 0;
    } else if (retry->is_object()) {
      ObjectReader o = r.Object("retry");
      max_retries = o.Int("maxRetries", 2, 0, 99);
      initial_ms = o.Int("initialRetryDelayMs", 1'000, 0, kMaxMs);
      max_ms = o.Int("maxRetryDelayMs", 60'000, 0, kMaxMs);
      o.Finish();
    } else {
      r.Fail("retry",
             "expected false or {maxRetries, initialRetryDelayMs, maxRetryDelayMs}, "
             "found " +
                 retry->dump());
    }
  }
  c.retry.max_attempts = static_cast<std::uint32_t>(max_retries + 1);
  c.retry.backoff = BackoffConfig{BackoffKind::kSdkBand, Ms(initial_ms), Ms(max_ms), 2.0};
  const std::int64_t timeout_ms = r.Int("timeoutMs", 60'000, 1, kMaxMs);
  c.timeouts.enabled = true;
  c.timeouts.connect_us = 0;
  c.timeouts.request_us = c.timeouts.upload_us = c.timeouts.long_poll_us = Ms(timeout_ms);
  r.Finish();
}

// --- opossum 9.0.0: new CircuitBreaker(action, options) -----------------------------------------

void ReadOpossum(ObjectReader& r, StackConfig& c, bool sdk_inside) {
  Refuse(r, {"errorFilter"},
         "it is a function; which errors count is the stack's breaker.failures (\"any_error\" is "
         "opossum's default, \"service_errors\" leaves 4xx and 429 out)");
  Refuse(r, {"cache", "cacheTTL", "cacheSize", "cacheGetKey", "cacheTransport"},
         "opossum's result cache is not modelled (the stack's \"fallback\" serves a read's "
         "last good answer when the call fails)");
  Refuse(r, {"coalesce", "coalesceTTL", "coalesceSize", "coalesceResetOn"},
         "request coalescing is not modelled");
  Refuse(r, {"abortController", "autoRenewAbortController"},
         "aborting is not modelled: a call that timed out may still reach the server (as with "
         "the SDK, which passes fetch no AbortSignal)");
  Refuse(r, {"rotateBucketController"},
         "it is an EventEmitter (code); each breaker rotates its buckets on its own timer");
  Refuse(r, {"status", "state"},
         "restored statistics and state are not modelled: breakers start closed with empty "
         "windows");
  Refuse(r, {"maxFailures"},
         "it is deprecated and ignored by opossum (errorThresholdPercentage decides); remove it");
  NoEffect(r, {"name", "group", "enableSnapshots", "rollingPercentilesEnabled"});
  if (!r.Bool("enabled", true)) {
    // A disabled breaker calls the action directly: no breaker, no timeout, no semaphore.
    r.Finish();
    return;
  }
  c.breaker_enabled = true;
  c.breaker = BreakerConfig{};
  c.breaker.mode = BreakerMode::kOpossum;
  c.breaker_scope = BreakerScope::kGlobal;
  c.breaker_failures = BreakerFailures::kAnyError;
  BreakerConfig& b = c.breaker;
  b.error_threshold_percentage = r.Number("errorThresholdPercentage", 50, 0, 100);
  b.reset_timeout_us = Ms(r.Int("resetTimeout", 30'000, 0, kMaxMs));
  b.rolling_count_timeout_us = Ms(r.Int("rollingCountTimeout", 10'000, 1, kMaxMs));
  b.rolling_count_buckets = static_cast<std::int32_t>(r.Int("rollingCountBuckets", 10, 1, 10'000));
  b.volume_threshold = r.Int("volumeThreshold", 0, 0, 1'000'000'000);
  b.allow_warm_up = r.Bool("allowWarmUp", false);
  // timeout: 10000 by default; false (or 0) disables it.
  std::int64_t timeout_ms = 10'000;
  if (const nlohmann::json* t = r.Raw("timeout"); t != nullptr) {
    if (t->is_boolean() && !t->get<bool>()) {
      timeout_ms = 0;
    } else if (t->is_number_integer() && t->get<std::int64_t>() >= 0 &&
               t->get<std::int64_t>() <= kMaxMs) {
      timeout_ms = t->get<std::int64_t>();
    } else {
      r.Fail("timeout", "expected milliseconds (an integer) or false, found " + t->dump());
    }
  }
  if (timeout_ms > 0) {
    if (sdk_inside) {
      // The breaker's timer covers the whole fire(), the SDK's retries inside it.
      c.retry.deadline_us = Ms(timeout_ms);
    } else {
      // One fire is one call: its timer is the call's.
      c.timeouts.enabled = true;
      c.timeouts.connect_us = 0;
      c.timeouts.request_us = c.timeouts.upload_us = c.timeouts.long_poll_us = Ms(timeout_ms);
    }
  }
  if (r.Has("capacity")) {
    // The semaphore: calls beyond `capacity` at once are rejected, not queued.
    AllLanes(c, static_cast<std::uint32_t>(r.Int("capacity", 1, 1, 1'000'000)), 0);
  }
  r.Finish();
}

// --- p-queue 9.3.5: new PQueue({concurrency, intervalCap, interval, ...}) ------------------------

void ReadPQueue(ObjectReader& r, StackConfig& c) {
  Refuse(r, {"queueClass"}, "it is code (a class); the queue is first in, first out");
  Refuse(r, {"throwOnTimeout"},
         "p-queue 9 removed it: a task past its \"timeout\" always fails (TimeoutError), as here");
  if (r.Has("autoStart") && !r.Bool("autoStart", true)) {
    r.Fail("autoStart",
           "\"autoStart\": false is not supported: tasks waiting for start() are "
           "not modelled; the simulation starts them as they arrive");
  }
  for (const char* k : {"carryoverIntervalCount", "carryoverConcurrencyCount"}) {
    if (r.Has(k) && r.Bool(k, false)) {
      r.Fail(k, std::string("\"") + k +
                    "\": true is not supported: a task still running when its "
                    "interval ends is not counted against the next one");
    }
  }
  if (r.Has("concurrency")) {
    // One unbounded queue; each lane of the bulkhead gets the limit.
    AllLanes(c, static_cast<std::uint32_t>(r.Int("concurrency", 1, 1, 1'000'000)), 1'000'000);
  }
  const bool strict = r.Bool("strict", false);
  const std::int64_t interval_ms = r.Int("interval", 0, 0, kMaxMs);
  if (r.Has("intervalCap")) {
    const std::int64_t cap = r.Int("intervalCap", 1, 1, 100'000);
    // p-queue ignores intervalCap while interval is 0.
    if (interval_ms > 0) {
      c.limiter = RateLimiterConfig{};
      c.limiter.kind = strict ? LimiterKind::kSlidingWindow : LimiterKind::kFixedWindow;
      c.limiter.scope = LimiterScope::kGlobal;
      c.limiter.limit = cap;
      c.limiter.window_us = Ms(interval_ms);
      c.limiter.max_wait_us = Ms(kMaxMs);  // tasks wait as long as it takes
    }
  } else if (strict) {
    r.Fail("strict", "\"strict\" needs a finite \"intervalCap\" (as p-queue says)");
  }
  if (r.Has("timeout")) {
    // The task's timer covers everything the task does (its retries too).
    const TimeUs t = Ms(r.Int("timeout", 1, 1, kMaxMs));
    c.retry.deadline_us = c.retry.deadline_us > 0 ? std::min(c.retry.deadline_us, t) : t;
  }
  r.Finish();
}

// --- resilience4j: the Spring Boot properties (resilience4j.<module>.instances.<name>.*) --------

// A duration as Spring reads it: a number of milliseconds, "500ms", "10s", "1m", "2h", "1d", or
// ISO-8601 "PT10S", "PT0.5S", "PT1M30S". nullopt when it is none of these.
std::optional<TimeUs> ParseDuration(const nlohmann::json& v) {
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return Ms(v.get<std::int64_t>());
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto number = [](const std::string& text, std::size_t& pos, double& out) {
    const std::size_t start = pos;
    while (pos < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.')) {
      ++pos;
    }
    if (pos == start || pos - start > 15) return false;
    // "." or "1.2.3" is no number (std::stod would throw on the first).
    const std::string digits = text.substr(start, pos - start);
    char* end = nullptr;
    out = std::strtod(digits.c_str(), &end);
    return end == digits.c_str() + digits.size();
  };
  double total_us = 0;
  std::size_t pos = 0;
  if (s.rfind("pt", 0) == 0) {
    pos = 2;
    if (pos == s.size()) return std::nullopt;
    while (pos < s.size()) {
      double n = 0;
      if (!number(s, pos, n) || pos >= s.size()) return std::nullopt;
      const char unit = s[pos++];
      if (unit == 'h') {
        total_us += n * 3.6e9;
      } else if (unit == 'm') {
        total_us += n * 6e7;
      } else if (unit == 's') {
        total_us += n * 1e6;
      } else {
        return std::nullopt;
      }
    }
  } else {
    double n = 0;
    if (!number(s, pos, n)) return std::nullopt;
    const std::string unit = s.substr(pos);
    if (unit.empty() || unit == "ms") {
      total_us = n * 1e3;
    } else if (unit == "s") {
      total_us = n * 1e6;
    } else if (unit == "m") {
      total_us = n * 6e7;
    } else if (unit == "h") {
      total_us = n * 3.6e9;
    } else if (unit == "d") {
      total_us = n * 8.64e10;
    } else {
      return std::nullopt;
    }
  }
  if (!(total_us >= 0 && total_us <= static_cast<double>(Ms(kMaxMs)))) return std::nullopt;
  return static_cast<TimeUs>(std::llround(total_us));
}

TimeUs Duration(ObjectReader& r, const char* key, TimeUs fallback) {
  const nlohmann::json* v = r.Raw(key);
  if (v == nullptr) return fallback;
  if (auto d = ParseDuration(*v)) return *d;
  r.Fail(key,
         "expected a duration (milliseconds, \"500ms\", \"10s\", \"1m\" or \"PT10S\"), found " +
             v->dump());
  return fallback;
}

// A module's properties: given directly, or as its one entry under "instances" or "configs".
std::optional<ObjectReader> Properties(ObjectReader& module) {
  for (const char* holder : {"instances", "configs"}) {
    if (!module.Has(holder)) continue;
    const nlohmann::json* all = module.Raw(holder);
    if (!all->is_object() || all->size() != 1) {
      module.Fail(holder,
                  std::string("expected one entry (the instance the stack models), found ") +
                      std::to_string(all->is_object() ? all->size() : 0));
      return std::nullopt;
    }
    ObjectReader inner = module.Object(holder);
    ObjectReader props = inner.Object(all->begin().key());
    inner.Finish();
    module.Finish();
    return props;
  }
  return module;
}

void ReadR4jBreaker(ObjectReader& r, StackConfig& c) {
  Refuse(r,
         {"recordExceptions", "ignoreExceptions", "recordFailurePredicate",
          "ignoreExceptionPredicate", "recordResultPredicate"},
         "exception classes and predicates are code; which failures count is the stack's "
         "breaker.failures (\"any_error\" is resilience4j's default)");
  Refuse(r, {"baseConfig"}, "give the properties themselves");
  Refuse(r, {"enableRandomizedWait", "randomizedWaitFactor"},
         "a randomized open state is not modelled (the open duration can grow: "
         "enableExponentialBackoff)");
  NoEffect(r, {"registerHealthIndicator", "allowHealthIndicatorToFail", "eventConsumerBufferSize",
               "writableStackTraceEnabled"});
  c.breaker_enabled = true;
  c.breaker = BreakerConfig{};
  c.breaker_scope = BreakerScope::kGlobal;
  c.breaker_failures = BreakerFailures::kAnyError;
  BreakerConfig& b = c.breaker;
  b.mode = r.Enum("slidingWindowType", {"COUNT_BASED", "TIME_BASED"}, "COUNT_BASED") == "TIME_BASED"
               ? BreakerMode::kTimeWindow
               : BreakerMode::kCountWindow;
  b.failure_rate_threshold = r.Number("failureRateThreshold", 50, 0.001, 100);
  b.slow_call_rate_threshold = r.Number("slowCallRateThreshold", 100, 0.001, 100);
  b.slow_call_duration_threshold_us = Duration(r, "slowCallDurationThreshold", Sec(60));
  b.sliding_window_size = static_cast<std::int32_t>(r.Int("slidingWindowSize", 100, 1, 100'000));
  b.minimum_number_of_calls =
      static_cast<std::int32_t>(r.Int("minimumNumberOfCalls", 100, 1, 100'000));
  b.permitted_number_of_calls_in_half_open_state =
      static_cast<std::int32_t>(r.Int("permittedNumberOfCallsInHalfOpenState", 10, 1, 100'000));
  b.wait_duration_in_open_state_us = Duration(r, "waitDurationInOpenState", Sec(60));
  b.open_to_half_open = r.Bool("automaticTransitionFromOpenToHalfOpenEnabled", false)
                            ? HalfOpenTransition::kTimer
                            : HalfOpenTransition::kLazy;
  b.max_wait_duration_in_half_open_state_us = Duration(r, "maxWaitDurationInHalfOpenState", 0);
  b.transition_to_state_after_wait_duration =
      r.Enum("transitionToStateAfterWaitDuration", {"OPEN", "CLOSED"}, "OPEN") == "CLOSED"
          ? BreakerState::kClosed
          : BreakerState::kOpen;
  if (r.Bool("enableExponentialBackoff", false)) {
    b.open_duration_multiplier = r.Number("exponentialBackoffMultiplier", 1.5, 1, 100);
    b.max_open_duration_us = Duration(r, "exponentialMaxWaitDurationInOpenState", Min(30));
  }
  r.Finish();
}

void ReadR4jRetry(ObjectReader& r, StackConfig& c) {
  Refuse(r,
         {"retryExceptions", "ignoreExceptions", "retryOnResultPredicate",
          "retryExceptionPredicate", "intervalBiFunction", "intervalFunction"},
         "exception classes and functions are code; what is retried is the stack's retry.rules "
         "(\"any_failure\" is resilience4j's default)");
  NoEffect(r, {"failAfterMaxAttempts", "eventConsumerBufferSize", "writableStackTraceEnabled"});
  c.retry.max_attempts = static_cast<std::uint32_t>(r.Int("maxAttempts", 3, 1, 100));
  c.retry.rules = RetryRules::kAnyFailure;
  c.retry.retry_after = RetryAfterMode::kIgnore;
  const TimeUs wait_us = Duration(r, "waitDuration", Ms(500));
  const bool exponential = r.Bool("enableExponentialBackoff", false);
  const double multiplier = exponential ? r.Number("exponentialBackoffMultiplier", 1.5, 1, 100) : 1;
  const TimeUs cap_us =
      exponential ? Duration(r, "exponentialMaxWaitDuration", Ms(kMaxMs)) : wait_us;
  const bool randomized = r.Bool("enableRandomizedWait", false);
  const double factor = randomized ? r.Number("randomizedWaitFactor", 0.5, 0, 1) : 0;
  if (randomized && !(exponential && multiplier == 2.0 && factor == 0.5)) {
    r.Fail("enableRandomizedWait",
           "a randomized wait is supported only as the ±50 % band around a doubling backoff "
           "(enableExponentialBackoff, exponentialBackoffMultiplier 2, randomizedWaitFactor "
           "0.5: the SDK's band); for other jitter use the stack's retry.backoff "
           "(\"full_jitter\", \"decorrelated_jitter\")");
  }
  if (randomized) {
    c.retry.backoff = BackoffConfig{BackoffKind::kSdkBand, wait_us, cap_us, 2.0};
  } else if (exponential) {
    c.retry.backoff = BackoffConfig{BackoffKind::kExponential, wait_us, cap_us, multiplier};
  } else {
    c.retry.backoff = BackoffConfig{BackoffKind::kFixed, wait_us, wait_us, 1.0};
  }
  r.Finish();
}

void ReadR4jBulkhead(ObjectReader& r, StackConfig& c) {
  NoEffect(r, {"eventConsumerBufferSize", "writableStackTraceEnabled", "fairCallHandlingEnabled"});
  const auto max_concurrent =
      static_cast<std::uint32_t>(r.Int("maxConcurrentCalls", 25, 1, 1'000'000));
  if (Duration(r, "maxWaitDuration", 0) > 0) {
    r.Fail("maxWaitDuration",
           "a bounded wait for a permit is not modelled: the stack's bulkhead "
           "either rejects at once (0, resilience4j's default) or queues up "
           "to bulkhead.<lane>.max_queued calls without a time limit");
  }
  AllLanes(c, max_concurrent, 0);
  r.Finish();
}

void ReadR4jLimiter(ObjectReader& r, StackConfig& c) {
  NoEffect(r, {"eventConsumerBufferSize", "registerHealthIndicator", "writableStackTraceEnabled",
               "allowHealthIndicatorToFail"});
  Refuse(r, {"drainPermissionsOnResult"}, "it is a predicate (code)");
  c.limiter = RateLimiterConfig{};
  c.limiter.kind = LimiterKind::kFixedWindow;
  c.limiter.scope = LimiterScope::kGlobal;
  c.limiter.limit = r.Int("limitForPeriod", 50, 1, 100'000);
  if (!r.Has("limitRefreshPeriod")) {
    r.Fail("",
           "give \"limitRefreshPeriod\": resilience4j's default of 500 ns is below the "
           "simulation's resolution (1 ms)");
  }
  c.limiter.window_us = Duration(r, "limitRefreshPeriod", Ms(1));
  if (c.limiter.window_us < Ms(1)) {
    r.Fail("limitRefreshPeriod", "below the simulation's resolution (1 ms)");
  }
  c.limiter.max_wait_us = Duration(r, "timeoutDuration", Sec(5));
  r.Finish();
}

void ReadR4jTimeLimiter(ObjectReader& r, StackConfig& c) {
  // A timed-out call is never cancelled on the server in the simulation, whatever this says.
  NoEffect(r, {"cancelRunningFuture", "eventConsumerBufferSize"});
  const TimeUs t = Duration(r, "timeoutDuration", Sec(1));
  if (t <= 0) r.Fail("timeoutDuration", "must be above 0");
  c.timeouts.enabled = true;
  c.timeouts.connect_us = 0;
  c.timeouts.request_us = c.timeouts.upload_us = c.timeouts.long_poll_us = t;
  r.Finish();
}

void ReadResilience4j(ObjectReader& r, StackConfig& c) {
  // Decorated as resilience4j documents: Retry(CircuitBreaker(RateLimiter(TimeLimiter(Bulkhead(
  // call))))), so the breaker sees every attempt.
  c.order = {Stage::kRetry, Stage::kBreaker, Stage::kLimiter, Stage::kBulkhead};
  using Reader = void (*)(ObjectReader&, StackConfig&);
  const std::vector<std::pair<const char*, Reader>> modules = {{"circuitbreaker", ReadR4jBreaker},
                                                               {"retry", ReadR4jRetry},
                                                               {"bulkhead", ReadR4jBulkhead},
                                                               {"ratelimiter", ReadR4jLimiter},
                                                               {"timelimiter", ReadR4jTimeLimiter}};
  for (const auto& [name, read] : modules) {
    std::optional<ObjectReader> module = r.OptionalObject(name);
    if (!module) continue;
    std::optional<ObjectReader> props = Properties(*module);
    if (props) read(*props, c);
  }
  Refuse(r, {"thread-pool-bulkhead", "thread_pool_bulkhead", "threadpoolbulkhead"},
         "a thread-pool bulkhead is not modelled (use \"bulkhead\": a semaphore)");
  r.Finish();
}

}  // namespace

void ReadPeerOptions(ObjectReader& stack, StackConfig& c) {
  if (stack.Has("opossum") && stack.Has("resilience4j") &&
      stack.Raw("resilience4j")->contains("circuitbreaker")) {
    stack.Fail("resilience4j", "two circuit breakers (opossum's and resilience4j's): give one");
  }
  if (stack.Has("notionhq_client") && stack.Has("resilience4j") &&
      stack.Raw("resilience4j")->contains("retry")) {
    stack.Fail("resilience4j", "two retry loops (the SDK's and resilience4j's): give one");
  }
  const bool sdk = stack.Has("notionhq_client");
  if (std::optional<ObjectReader> r = stack.OptionalObject("notionhq_client")) {
    ReadNotionClient(*r, c);
  }
  if (std::optional<ObjectReader> r = stack.OptionalObject("opossum")) ReadOpossum(*r, c, sdk);
  if (std::optional<ObjectReader> r = stack.OptionalObject("p_queue")) ReadPQueue(*r, c);
  if (std::optional<ObjectReader> r = stack.OptionalObject("resilience4j")) {
    ReadResilience4j(*r, c);
  }
}

}  // namespace notion_sim::policies
