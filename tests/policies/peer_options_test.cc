// A stack in the peers' own words: each library's options land on the stack fields the README's
// mapping table names, with the packages' defaults; what cannot be modelled is an error naming
// the option and what is missing.
#include <string>

#include <gtest/gtest.h>

#include "notion_sim/policies/profiles.h"
#include "notion_sim/policies/stack_config.h"

namespace notion_sim::policies {
namespace {

StackConfig Parse(const std::string& text) {
  auto c = ParseStackConfigText(text, "stack.json");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : StackConfig{};
}

std::string ErrorOf(const std::string& text) {
  auto c = ParseStackConfigText(text, "stack.json");
  return c.ok() ? std::string("(no error)") : c.error().message;
}

void ExpectSameRetryAndTimeouts(const StackConfig& a, const StackConfig& b) {
  EXPECT_EQ(a.retry.max_attempts, b.retry.max_attempts);
  EXPECT_EQ(a.retry.rules, b.retry.rules);
  EXPECT_EQ(a.retry.backoff.kind, b.retry.backoff.kind);
  EXPECT_EQ(a.retry.backoff.initial_delay_us, b.retry.backoff.initial_delay_us);
  EXPECT_EQ(a.retry.backoff.max_delay_us, b.retry.backoff.max_delay_us);
  EXPECT_EQ(a.retry.backoff.multiplier, b.retry.backoff.multiplier);
  EXPECT_EQ(a.retry.retry_after, b.retry.retry_after);
  EXPECT_EQ(a.retry.deadline_us, b.retry.deadline_us);
  EXPECT_EQ(a.retry_after_scope, b.retry_after_scope);
  EXPECT_EQ(a.timeouts.enabled, b.timeouts.enabled);
  EXPECT_EQ(a.timeouts.connect_us, b.timeouts.connect_us);
  EXPECT_EQ(a.timeouts.request_us, b.timeouts.request_us);
  EXPECT_EQ(a.timeouts.upload_us, b.timeouts.upload_us);
  EXPECT_EQ(a.timeouts.long_poll_us, b.timeouts.long_poll_us);
}

void ExpectSameBreaker(const StackConfig& a, const StackConfig& b) {
  EXPECT_EQ(a.breaker_enabled, b.breaker_enabled);
  EXPECT_EQ(a.breaker_scope, b.breaker_scope);
  EXPECT_EQ(a.breaker_failures, b.breaker_failures);
  EXPECT_EQ(a.breaker.mode, b.breaker.mode);
  EXPECT_EQ(a.breaker.reset_timeout_us, b.breaker.reset_timeout_us);
  EXPECT_EQ(a.breaker.error_threshold_percentage, b.breaker.error_threshold_percentage);
  EXPECT_EQ(a.breaker.rolling_count_timeout_us, b.breaker.rolling_count_timeout_us);
  EXPECT_EQ(a.breaker.rolling_count_buckets, b.breaker.rolling_count_buckets);
  EXPECT_EQ(a.breaker.volume_threshold, b.breaker.volume_threshold);
  EXPECT_EQ(a.breaker.allow_warm_up, b.breaker.allow_warm_up);
  EXPECT_EQ(a.breaker.half_open_probes, b.breaker.half_open_probes);
}

TEST(PeerOptions, TheSdkDefaultsAreTheSdkProfile) {
  const StackConfig c = Parse(R"({"notionhq_client": {}})");
  ExpectSameRetryAndTimeouts(c, *ProfileConfig("notionhq-client-v5"));
  EXPECT_FALSE(c.breaker_enabled);
}

TEST(PeerOptions, SdkOptions) {
  const StackConfig c = Parse(R"({"notionhq_client": {"auth": "secret_x", "timeoutMs": 30000,
      "retry": {"maxRetries": 5, "initialRetryDelayMs": 500, "maxRetryDelayMs": 10000}}})");
  EXPECT_EQ(c.retry.max_attempts, 6u);
  EXPECT_EQ(c.retry.backoff.initial_delay_us, Ms(500));
  EXPECT_EQ(c.retry.backoff.max_delay_us, Ms(10'000));
  EXPECT_EQ(c.timeouts.request_us, Ms(30'000));
  EXPECT_EQ(c.retry.rules, RetryRules::kSdk);
  const StackConfig off = Parse(R"({"notionhq_client": {"retry": false}})");
  EXPECT_EQ(off.retry.max_attempts, 1u);
  EXPECT_EQ(ErrorOf(R"({"notionhq_client": {"retry": {"maxRetrys": 3}}})")
                .rfind("stack.json:1:32: at /notionhq_client/retry/maxRetrys: unknown field "
                       "\"maxRetrys\"",
                       0),
            0u);
  EXPECT_NE(ErrorOf(R"({"notionhq_client": {"fetch": "globalThis.fetch"}})")
                .find("at /notionhq_client/fetch: \"fetch\" is not supported: it is code"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"notionhq_client": {"notionVersion": "2022-06-28"}})")
                .find("speaks Notion-Version 2025-09-03"),
            std::string::npos);
}

TEST(PeerOptions, TheOpossumDefaultsAreTheOpossumProfile) {
  const StackConfig c = Parse(R"({"opossum": {}})");
  const StackConfig p = *ProfileConfig("opossum");
  ExpectSameBreaker(c, p);
  ExpectSameRetryAndTimeouts(c, p);
}

TEST(PeerOptions, OpossumOptions) {
  const StackConfig c = Parse(R"({"opossum": {"name": "notion", "timeout": 3000,
      "errorThresholdPercentage": 25, "resetTimeout": 5000, "volumeThreshold": 10,
      "rollingCountTimeout": 20000, "rollingCountBuckets": 20, "allowWarmUp": true,
      "capacity": 8}})");
  EXPECT_TRUE(c.breaker_enabled);
  EXPECT_EQ(c.breaker.error_threshold_percentage, 25);
  EXPECT_EQ(c.breaker.reset_timeout_us, Ms(5'000));
  EXPECT_EQ(c.breaker.volume_threshold, 10);
  EXPECT_EQ(c.breaker.rolling_count_timeout_us, Ms(20'000));
  EXPECT_EQ(c.breaker.rolling_count_buckets, 20);
  EXPECT_TRUE(c.breaker.allow_warm_up);
  EXPECT_EQ(c.timeouts.request_us, Ms(3'000));
  EXPECT_EQ(c.retry.deadline_us, 0);
  EXPECT_TRUE(c.bulkhead.enabled);
  EXPECT_EQ(c.bulkhead.lanes[1].max_concurrent, 8u);
  EXPECT_EQ(c.bulkhead.lanes[1].max_queued, 0u);
  // Around the SDK, the breaker's timer covers the SDK's retries: a deadline.
  const StackConfig both =
      Parse(R"({"notionhq_client": {"timeoutMs": 20000}, "opossum": {"timeout": 90000}})");
  EXPECT_EQ(both.retry.deadline_us, Ms(90'000));
  EXPECT_EQ(both.timeouts.request_us, Ms(20'000));
  EXPECT_EQ(both.retry.max_attempts, 3u);
  EXPECT_TRUE(both.breaker_enabled);
  const StackConfig no_timeout = Parse(R"({"opossum": {"timeout": false}})");
  EXPECT_FALSE(no_timeout.timeouts.enabled);
  EXPECT_FALSE(Parse(R"({"opossum": {"enabled": false}})").breaker_enabled);
  EXPECT_NE(ErrorOf(R"({"opossum": {"errorFilter": "err => err.status === 404"}})")
                .find("at /opossum/errorFilter: \"errorFilter\" is not supported: it is a "
                      "function; which errors count is the stack's breaker.failures"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"opossum": {"cache": true}})").find("result cache is not modelled"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"opossum": {"timout": 1000}})").find("unknown field \"timout\""),
            std::string::npos);
  // An unknown option a letter or two from a known one says which was meant; one far from every
  // option says nothing more.
  EXPECT_NE(ErrorOf(R"({"opossum": {"resetTimout": 1000}})")
                .find("unknown field \"resetTimout\" (a typo would silently run a different "
                      "scenario, so unknown fields are errors); did you mean \"resetTimeout\"?"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"notionhq_client": {"retry": {"maxRetrys": 3}}})")
                .find("did you mean \"maxRetries\"?"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"p_queue": {"Interval": 1000}})").find("did you mean \"interval\"?"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"p_queue": {"priorityLanes": 2}})").find("did you mean"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"p_queue": {"throwOnTimeout": true}})")
                .find("at /p_queue/throwOnTimeout: \"throwOnTimeout\" is not supported: p-queue 9 "
                      "removed it"),
            std::string::npos);
}

TEST(PeerOptions, PQueueOptions) {
  const StackConfig c = Parse(R"({"p_queue": {"concurrency": 4, "intervalCap": 3,
      "interval": 1000, "timeout": 60000}})");
  EXPECT_TRUE(c.bulkhead.enabled);
  for (const LaneLimits& lane : c.bulkhead.lanes) EXPECT_EQ(lane.max_concurrent, 4u);
  EXPECT_EQ(c.limiter.kind, LimiterKind::kFixedWindow);
  EXPECT_EQ(c.limiter.limit, 3);
  EXPECT_EQ(c.limiter.window_us, Ms(1'000));
  EXPECT_EQ(c.retry.deadline_us, Ms(60'000));
  EXPECT_EQ(
      Parse(R"({"p_queue": {"intervalCap": 3, "interval": 1000, "strict": true}})").limiter.kind,
      LimiterKind::kSlidingWindow);
  // interval 0 (the default): p-queue ignores intervalCap.
  EXPECT_EQ(Parse(R"({"p_queue": {"intervalCap": 3}})").limiter.kind, LimiterKind::kNone);
  EXPECT_NE(ErrorOf(R"({"p_queue": {"autoStart": false}})").find("not modelled"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"p_queue": {"carryoverIntervalCount": true}})").find("not supported"),
            std::string::npos);
}

TEST(PeerOptions, Resilience4jProperties) {
  const StackConfig c = Parse(R"({"resilience4j": {
      "circuitbreaker": {"instances": {"notion": {"slidingWindowType": "TIME_BASED",
          "slidingWindowSize": 30, "minimumNumberOfCalls": 20, "failureRateThreshold": 40,
          "waitDurationInOpenState": "10s", "permittedNumberOfCallsInHalfOpenState": 3,
          "registerHealthIndicator": true}}},
      "retry": {"instances": {"notion": {"maxAttempts": 4, "waitDuration": "PT0.5S",
          "enableExponentialBackoff": true, "exponentialBackoffMultiplier": 2}}},
      "bulkhead": {"instances": {"notion": {"maxConcurrentCalls": 10}}},
      "ratelimiter": {"instances": {"notion": {"limitForPeriod": 3, "limitRefreshPeriod": "1s",
          "timeoutDuration": "30s"}}},
      "timelimiter": {"instances": {"notion": {"timeoutDuration": 5000}}}}})");
  EXPECT_EQ(c.order, (std::vector<Stage>{Stage::kRetry, Stage::kBreaker, Stage::kLimiter,
                                         Stage::kBulkhead}));
  EXPECT_EQ(c.breaker.mode, BreakerMode::kTimeWindow);
  EXPECT_EQ(c.breaker.sliding_window_size, 30);
  EXPECT_EQ(c.breaker.minimum_number_of_calls, 20);
  EXPECT_EQ(c.breaker.failure_rate_threshold, 40);
  EXPECT_EQ(c.breaker.wait_duration_in_open_state_us, Sec(10));
  EXPECT_EQ(c.breaker.permitted_number_of_calls_in_half_open_state, 3);
  EXPECT_EQ(c.retry.max_attempts, 4u);
  EXPECT_EQ(c.retry.backoff.kind, BackoffKind::kExponential);
  EXPECT_EQ(c.retry.backoff.initial_delay_us, Ms(500));
  EXPECT_EQ(c.retry.backoff.multiplier, 2.0);
  EXPECT_EQ(c.retry.rules, RetryRules::kAnyFailure);
  EXPECT_EQ(c.bulkhead.lanes[0].max_concurrent, 10u);
  EXPECT_EQ(c.limiter.kind, LimiterKind::kFixedWindow);
  EXPECT_EQ(c.limiter.limit, 3);
  EXPECT_EQ(c.limiter.window_us, Sec(1));
  EXPECT_EQ(c.limiter.max_wait_us, Sec(30));
  EXPECT_EQ(c.timeouts.request_us, Ms(5'000));
  EXPECT_NE(ErrorOf(R"({"resilience4j": {"retry": {"maxAttempts": 3,
      "enableRandomizedWait": true, "randomizedWaitFactor": 0.3}}})")
                .find("only as the ±50 % band around a doubling backoff"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"resilience4j": {"circuitbreaker": {"recordExceptions":
      ["java.io.IOException"]}}})")
                .find("\"recordExceptions\" is not supported"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"resilience4j": {"bulkhead": {"maxWaitDuration": "1s"}}})")
                .find("a bounded wait for a permit is not modelled"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"resilience4j": {"ratelimiter": {"limitForPeriod": 3}}})")
                .find("give \"limitRefreshPeriod\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"resilience4j": {"retry": {"waitDuration": "5 parsecs"}}})")
                .find("expected a duration"),
            std::string::npos);
  // Dots only are no number (std::stod threw here before: a crash on bad input).
  for (const char* d : {R"(".")", R"("PT.S")", R"("..ms")", R"("1.2.3s")"}) {
    EXPECT_NE(ErrorOf(std::string(R"({"resilience4j": {"retry": {"waitDuration": )") + d + "}}}")
                  .find("expected a duration"),
              std::string::npos)
        << d;
  }
  EXPECT_NE(ErrorOf(R"({"resilience4j": {"circuitbreaker": {"instances": {"a": {}, "b": {}}}}})")
                .find("expected one entry"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"opossum": {}, "resilience4j": {"circuitbreaker": {}}})")
                .find("two circuit breakers"),
            std::string::npos);
}

TEST(PeerOptions, TheStacksOwnSectionsAdjustThem) {
  const StackConfig c =
      Parse(R"({"profile": "recommended", "notionhq_client": {"retry": {"maxRetries": 1}},
                "retry": {"backoff": "full_jitter"}})");
  EXPECT_EQ(c.retry.max_attempts, 2u);
  EXPECT_EQ(c.retry.backoff.kind, BackoffKind::kFullJitter);
  EXPECT_TRUE(c.breaker_enabled);  // the profile's, untouched
}

}  // namespace
}  // namespace notion_sim::policies
