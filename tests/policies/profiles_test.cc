#include "notion_sim/policies/profiles.h"

#include <gtest/gtest.h>

#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/policies/pass_through.h"
#include "notion_sim/policies/pipeline.h"
#include "notion_sim/policies/stack_config.h"

namespace notion_sim::policies {
namespace {

StackConfig Get(std::string_view name) {
  Result<StackConfig> c = ProfileConfig(name);
  EXPECT_TRUE(c.ok()) << name;
  return c.ok() ? c.value() : StackConfig{};
}

TEST(Profiles, EveryProfileIsValid) {
  ASSERT_EQ(ProfileNames().size(), 7u);
  for (std::string_view name : ProfileNames()) {
    const StackConfig c = Get(name);
    EXPECT_EQ(c.profile, name);
    const Status s = ValidateStackConfig(c);
    EXPECT_TRUE(s.ok()) << name << ": " << (s.ok() ? "" : s.error().message);
  }
  const Result<StackConfig> unknown = ProfileConfig("hystrix");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("recommended"), std::string::npos);
}

TEST(Profiles, PassThroughHasNoPolicies) {
  const StackConfig c = Get("pass_through");
  EXPECT_EQ(c.retry.max_attempts, 1u);
  EXPECT_FALSE(c.breaker_enabled);
  EXPECT_FALSE(c.bulkhead.enabled);
  EXPECT_FALSE(c.timeouts.enabled);
  EXPECT_EQ(c.limiter.kind, LimiterKind::kNone);
  EXPECT_EQ(c.reconcile, Reconcile::kOff);
}

TEST(Profiles, NotionSdkV5IsTheSdkExactly) {
  const StackConfig c = Get("notionhq-client-v5");
  EXPECT_EQ(c.retry.max_attempts, 3u);  // DEFAULT_MAX_RETRIES 2
  EXPECT_EQ(c.retry.rules, RetryRules::kSdk);
  EXPECT_EQ(c.retry.backoff.kind, BackoffKind::kSdkBand);
  EXPECT_EQ(c.retry.backoff.initial_delay_us, Ms(1000));
  EXPECT_EQ(c.retry.backoff.max_delay_us, Ms(60000));
  EXPECT_EQ(c.retry.retry_after, RetryAfterMode::kSdk);
  EXPECT_EQ(c.retry.deadline_us, 0);
  EXPECT_TRUE(c.timeouts.enabled);
  EXPECT_EQ(c.timeouts.request_us, Ms(60000));
  EXPECT_EQ(c.timeouts.upload_us, Ms(60000));
  EXPECT_EQ(c.timeouts.connect_us, 0);
  EXPECT_FALSE(c.breaker_enabled);
  EXPECT_EQ(c.limiter.kind, LimiterKind::kNone);
  EXPECT_EQ(c.budget.kind, BudgetKind::kNone);
  EXPECT_EQ(c.reconcile, Reconcile::kOff);
  EXPECT_FALSE(c.dlq_enabled);
}

TEST(Profiles, OpossumDefaults) {
  const StackConfig c = Get("opossum");
  EXPECT_EQ(c.retry.max_attempts, 1u);
  ASSERT_TRUE(c.breaker_enabled);
  EXPECT_EQ(c.breaker.mode, BreakerMode::kOpossum);
  EXPECT_EQ(c.breaker.reset_timeout_us, Ms(30000));
  EXPECT_EQ(c.breaker.error_threshold_percentage, 50);
  EXPECT_EQ(c.breaker.rolling_count_timeout_us, Ms(10000));
  EXPECT_EQ(c.breaker.rolling_count_buckets, 10);
  EXPECT_EQ(c.breaker.volume_threshold, 0);
  EXPECT_EQ(c.timeouts.request_us, Ms(10000));
  EXPECT_EQ(c.breaker_failures, BreakerFailures::kAnyError);
}

TEST(Profiles, Resilience4jDefaults) {
  const StackConfig c = Get("resilience4j");
  EXPECT_EQ(c.retry.max_attempts, 3u);
  EXPECT_EQ(c.retry.backoff.kind, BackoffKind::kFixed);
  EXPECT_EQ(c.retry.backoff.initial_delay_us, Ms(500));
  EXPECT_EQ(c.retry.rules, RetryRules::kAnyFailure);
  ASSERT_TRUE(c.breaker_enabled);
  EXPECT_EQ(c.breaker.mode, BreakerMode::kCountWindow);
  EXPECT_EQ(c.breaker.failure_rate_threshold, 50);
  EXPECT_EQ(c.breaker.sliding_window_size, 100);
  EXPECT_EQ(c.breaker.minimum_number_of_calls, 100);
  EXPECT_EQ(c.breaker.permitted_number_of_calls_in_half_open_state, 10);
  EXPECT_EQ(c.breaker.slow_call_rate_threshold, 100);
  EXPECT_EQ(c.breaker.slow_call_duration_threshold_us, Sec(60));
  EXPECT_EQ(c.breaker.wait_duration_in_open_state_us, Sec(60));
  // Retry(CircuitBreaker(...)): the breaker is inside the retry loop.
  EXPECT_EQ(c.order.front(), Stage::kRetry);
}

TEST(Profiles, NotionReliabilityPatterns) {
  const StackConfig c = Get("notion-reliability-patterns");
  ASSERT_TRUE(c.breaker_enabled);
  EXPECT_EQ(c.breaker.reset_timeout_us, Ms(30000));
  EXPECT_EQ(c.breaker.error_threshold_percentage, 50);
  EXPECT_EQ(c.breaker.volume_threshold, 10);
  ASSERT_TRUE(c.bulkhead.enabled);
  EXPECT_EQ(c.bulkhead.lanes[0].max_concurrent, 10u);
  EXPECT_EQ(c.bulkhead.lanes[1].max_concurrent, 5u);
  EXPECT_EQ(c.bulkhead.lanes[2].max_concurrent, 2u);
  EXPECT_EQ(c.timeouts.connect_us, Sec(5));
  EXPECT_EQ(c.timeouts.request_us, Sec(30));
  EXPECT_EQ(c.timeouts.upload_us, Sec(120));
  EXPECT_EQ(c.timeouts.long_poll_us, Sec(300));
  EXPECT_TRUE(c.dlq_enabled);
  EXPECT_EQ(c.dlq.max_attempts, 5u);
  EXPECT_EQ(c.health.dlq_degraded_above, 100u);
  EXPECT_TRUE(c.fallback_enabled);
  EXPECT_EQ(c.ambiguous_writes, AmbiguousWrites::kDeadLetter);
}

TEST(Profiles, FixedDelay) {
  const StackConfig c = Get("fixed-delay");
  EXPECT_EQ(c.retry.max_attempts, 3u);
  EXPECT_EQ(c.retry.backoff.kind, BackoffKind::kFixed);
  EXPECT_EQ(BackoffDelay(c.retry.backoff, 0, 0, 0.9), Sec(5));
  EXPECT_EQ(BackoffDelay(c.retry.backoff, 1, 0, 0.1), Sec(5));
}

TEST(Profiles, RecommendedKeepsNotionsBudgetInAnyMinute) {
  const StackConfig c = Get("recommended");
  EXPECT_EQ(c.retry.retry_after, RetryAfterMode::kStrict);
  EXPECT_EQ(c.reconcile, Reconcile::kLookupBeforeRetry);
  EXPECT_NE(c.budget.kind, BudgetKind::kNone);
  EXPECT_EQ(c.limiter.kind, LimiterKind::kTokenBucket);
  EXPECT_NE(c.limiter.adapt, LimiterAdapt::kNone);
  EXPECT_LE(c.limiter.burst + c.limiter.rate_per_s * 60, 180.0);
  EXPECT_TRUE(c.breaker_enabled);
  EXPECT_GT(c.breaker.half_open_probes, 1);
  EXPECT_EQ(c.breaker.late_results, LateResults::kIgnore);
  EXPECT_TRUE(c.dlq_enabled);
  EXPECT_TRUE(c.fallback_enabled);
}

Result<StackConfig> Parse(const std::string& text) {
  return ParseStackConfigText(text, "stack.json");
}

TEST(StackConfigParse, ProfileWithOverrides) {
  const Result<StackConfig> c = Parse(R"({
    "profile": "recommended",
    "order": ["retry", "bulkhead", "limiter", "breaker"],
    "retry": {"max_attempts": 5, "backoff": "full_jitter", "initial_delay_ms": 250,
              "max_delay_ms": 8000, "retry_after": "sdk", "deadline_ms": 90000,
              "retry_after_scope": "operation"},
    "budget": {"kind": "aws_standard"},
    "limiter": {"kind": "fixed_window", "limit": 600, "window_ms": 60000, "adapt": "none"},
    "bulkhead": {"bulk": {"max_concurrent": 1, "max_queued": 7}},
    "timeouts": {"request_ms": 20000, "per_operation": {"search": "long_poll"}},
    "breaker": {"scope": "per_tenant", "failures": "any_error", "error_threshold_percentage": 30},
    "idempotency": {"max_reconcile_lookups": 2},
    "dlq": {"max_attempts": 10},
    "health": {"dlq_degraded_above": 50}
  })");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->profile, "recommended");
  EXPECT_EQ(c->order.front(), Stage::kRetry);
  EXPECT_EQ(c->retry.max_attempts, 5u);
  EXPECT_EQ(c->retry.backoff.kind, BackoffKind::kFullJitter);
  EXPECT_EQ(c->retry.backoff.initial_delay_us, Ms(250));
  EXPECT_EQ(c->retry.backoff.max_delay_us, Ms(8000));
  EXPECT_EQ(c->retry.retry_after, RetryAfterMode::kSdk);
  EXPECT_EQ(c->retry.deadline_us, Ms(90000));
  EXPECT_EQ(c->retry_after_scope, RetryAfterScope::kOperation);
  EXPECT_EQ(c->budget.kind, BudgetKind::kAwsStandard);
  EXPECT_EQ(c->budget.retry_cost, 5);  // the new kind's own costs
  EXPECT_EQ(c->budget.timeout_retry_cost, 10);
  EXPECT_EQ(c->limiter.kind, LimiterKind::kFixedWindow);
  EXPECT_EQ(c->limiter.limit, 600);
  EXPECT_EQ(c->limiter.scope, LimiterScope::kPerTenant);  // kept from the profile
  EXPECT_TRUE(c->bulkhead.enabled);
  EXPECT_EQ(c->bulkhead.lanes[2].max_concurrent, 1u);
  EXPECT_EQ(c->bulkhead.lanes[2].max_queued, 7u);
  EXPECT_EQ(c->bulkhead.lanes[0].max_concurrent, 20u);  // kept from the profile
  EXPECT_EQ(c->timeouts.request_us, Ms(20000));
  EXPECT_EQ(c->timeouts.connect_us, Sec(5));
  EXPECT_EQ(c->timeouts.kind_of[static_cast<std::size_t>(engine::Operation::kSearch)],
            TimeoutKind::kLongPoll);
  EXPECT_EQ(c->breaker_scope, BreakerScope::kPerTenant);
  EXPECT_EQ(c->breaker_failures, BreakerFailures::kAnyError);
  EXPECT_EQ(c->breaker.error_threshold_percentage, 30);
  EXPECT_EQ(c->breaker.half_open_probes, 3);  // kept from the profile
  EXPECT_EQ(c->max_reconcile_lookups, 2u);
  EXPECT_EQ(c->dlq.max_attempts, 10u);
  EXPECT_EQ(c->health.dlq_degraded_above, 50u);
}

TEST(StackConfigParse, ASectionTurnsItsPolicyOn) {
  const Result<StackConfig> c =
      Parse(R"({"profile": "pass_through", "breaker": {"mode": "consecutive"},
                "timeouts": {}, "fallback": {"fresh_for_ms": 1000}, "dlq": {"enabled": false}})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->breaker_enabled);
  EXPECT_EQ(c->breaker.mode, BreakerMode::kConsecutive);
  EXPECT_TRUE(c->timeouts.enabled);
  EXPECT_TRUE(c->fallback_enabled);
  EXPECT_EQ(c->fallback.fresh_for_us, Ms(1000));
  EXPECT_FALSE(c->dlq_enabled);
  const Result<StackConfig> empty = Parse("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->profile, "pass_through");
}

TEST(StackConfigParse, ErrorsNameTheFileLinePointerAndWhatWasExpected) {
  Result<StackConfig> c =
      Parse("{\"profile\": \"recommended\",\n \"retry\": {\"max_atempts\": 5}}");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message.rfind(
                "stack.json:2:12: at /retry/max_atempts: unknown field \"max_atempts\"", 0),
            0u)
      << c.error().message;

  c = Parse(R"({"profile": "hystrix"})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("stack.json:1:13: at /profile"), std::string::npos)
      << c.error().message;

  c = Parse(R"({"retry": {"backoff": "jittery"}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("at /retry/backoff"), std::string::npos) << c.error().message;

  c = Parse(R"({"breaker": {"reset_timeout": 5}})");  // P2's parser reports its own fields
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("at /breaker/reset_timeout"), std::string::npos)
      << c.error().message;

  c = Parse(R"({"order": ["retry", "breaker"]})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("order"), std::string::npos) << c.error().message;

  c = Parse(R"({"limiter": {"kind": "fixed_window", "adapt": "aimd"}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("adapt"), std::string::npos) << c.error().message;

  // The calendar is the run's (issue 14: one per run), not a stack setting.
  c = Parse(R"({"retry": {"wall_epoch": "2027-06-01T00:00:00Z"}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("at /retry/wall_epoch: unknown field"), std::string::npos)
      << c.error().message;

  c = Parse(R"({"retry": {"max_attempts": 0}})");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("[1, 100]"), std::string::npos) << c.error().message;
}

class NullTransport final : public engine::Transport {
 public:
  void Send(const engine::Request&, engine::Completion) override {}
};

TEST(BuildStack, PassThroughIsTheBaselineClientOthersArePipelines) {
  engine::SimLoop loop;
  engine::Trace trace;
  NullTransport transport;
  for (std::string_view name : ProfileNames()) {
    std::unique_ptr<engine::Client> client =
        BuildStack(Get(name), loop, trace, transport, engine::Rng(1));
    ASSERT_NE(client, nullptr);
    if (name == "pass_through") {
      EXPECT_NE(dynamic_cast<PassThroughClient*>(client.get()), nullptr);
    } else {
      EXPECT_NE(dynamic_cast<Pipeline*>(client.get()), nullptr) << name;
    }
  }
}

}  // namespace
}  // namespace notion_sim::policies
