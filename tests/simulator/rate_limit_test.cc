// Notion's request limits: the per-token 60 s window (180 or 600), the older token bucket, the
// workspace budget shared by its tokens, and 529 overload; exact Retry-After values.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ApiCode;
using nlohmann::json;

TEST(RateLimiterTest, FixedWindowOf180PerMinute) {
  RateLimiter limiter(RateLimitConfig{});
  for (int i = 0; i < 180; ++i) {
    ASSERT_TRUE(limiter.Admit(0, 0, Sec(10) + i).admitted()) << i;  // one burst is fine
  }
  EXPECT_EQ(limiter.Remaining(0, Sec(10) + 180), 0);
  LimitDecision d = limiter.Admit(0, 0, Sec(20));
  EXPECT_EQ(d.verdict, LimitVerdict::kTokenLimited);
  EXPECT_EQ(d.retry_after_s, 50);  // the window opened at 10 s and resets at 70 s
  EXPECT_EQ(limiter.Admit(0, 0, Sec(69) + Ms(500)).retry_after_s, 1);  // rounded up
  EXPECT_EQ(limiter.Admit(0, 0, Sec(69) + 1).retry_after_s, 1);
  EXPECT_TRUE(limiter.Admit(0, 0, Sec(70)).admitted());  // a new window
  EXPECT_EQ(limiter.Remaining(0, Sec(70)), 179);
  // Other tokens have their own windows.
  EXPECT_TRUE(limiter.Admit(1, 0, Sec(20)).admitted());
  EXPECT_EQ(LimitReasonName(LimitVerdict::kTokenLimited), "public_api_request_rate_limit");
}

TEST(RateLimiterTest, RefusedRequestsSpendNothing) {
  RateLimitConfig c;
  c.window_requests = 2;
  RateLimiter limiter(c);
  EXPECT_TRUE(limiter.Admit(0, 0, 0).admitted());
  EXPECT_TRUE(limiter.Admit(0, 0, 0).admitted());
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(limiter.Admit(0, 0, Sec(1)).admitted());
  EXPECT_TRUE(limiter.Admit(0, 0, Sec(60)).admitted());
  EXPECT_TRUE(limiter.Admit(0, 0, Sec(60)).admitted());
  EXPECT_FALSE(limiter.Admit(0, 0, Sec(60)).admitted());
}

TEST(RateLimiterTest, BusinessPlanSixHundred) {
  RateLimitConfig c;
  c.window_requests = 600;
  RateLimiter limiter(c);
  int admitted = 0;
  for (int i = 0; i < 700; ++i) admitted += limiter.Admit(0, 0, Ms(i)).admitted() ? 1 : 0;
  EXPECT_EQ(admitted, 600);
}

TEST(RateLimiterTest, TokenBucketAveragesThreePerSecondWithBursts) {
  RateLimitConfig c;
  c.mode = RateLimitMode::kTokenBucket;
  c.bucket_rate_milli_per_s = 3'000;
  c.bucket_burst = 10;
  RateLimiter limiter(c);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.Admit(0, 0, 0).admitted()) << i;
  LimitDecision d = limiter.Admit(0, 0, 0);
  EXPECT_EQ(d.verdict, LimitVerdict::kTokenLimited);
  EXPECT_EQ(d.retry_after_s, 1);
  // 1 s later: three tokens back, exactly.
  int admitted = 0;
  for (int i = 0; i < 5; ++i) admitted += limiter.Admit(0, 0, Sec(1)).admitted() ? 1 : 0;
  EXPECT_EQ(admitted, 3);
  // Refills are exact however often we ask: 10 requests at 100 ms steps over 1 s add up to 3.
  RateLimiter steps(c);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(steps.Admit(0, 0, 0).admitted());
  int later = 0;
  for (int i = 1; i <= 10; ++i) later += steps.Admit(0, 0, Ms(100) * i).admitted() ? 1 : 0;
  EXPECT_EQ(later, 3);
  // A slow bucket: 0.2 per second, so the next token is 5 s away.
  c.bucket_rate_milli_per_s = 200;
  c.bucket_burst = 1;
  RateLimiter slow(c);
  EXPECT_TRUE(slow.Admit(0, 0, 0).admitted());
  EXPECT_EQ(slow.Admit(0, 0, Sec(1)).retry_after_s, 4);
}

TEST(RateLimiterTest, WorkspaceBudgetIsSharedAndMayExceedAMinute) {
  RateLimitConfig c;
  c.window_requests = 1000;
  c.workspace_requests = 300;
  c.workspace_window_us = Sec(300);
  RateLimiter limiter(c);
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(limiter.Admit(0, 0, Sec(1)).admitted());
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(limiter.Admit(1, 0, Sec(2)).admitted());
  LimitDecision d = limiter.Admit(1, 0, Sec(3));
  EXPECT_EQ(d.verdict, LimitVerdict::kWorkspaceLimited);
  EXPECT_EQ(d.retry_after_s, 298);
  EXPECT_TRUE(limiter.Admit(2, 1, Sec(3)).admitted());  // another workspace
  EXPECT_EQ(LimitReasonName(d.verdict), "public_api_space_request_rate_limit");
}

TEST(RateLimiterTest, OverloadBudget) {
  RateLimitConfig c;
  c.overload_requests = 5;
  c.overload_window_us = Sec(1);
  c.overload_retry_after_s = 2;
  RateLimiter limiter(c);
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(limiter.Admit(static_cast<std::uint32_t>(i), 0, 0).admitted());
  LimitDecision d = limiter.Admit(9, 0, Ms(10));
  EXPECT_EQ(d.verdict, LimitVerdict::kOverloaded);
  EXPECT_EQ(d.retry_after_s, 2);
  EXPECT_TRUE(limiter.Admit(9, 0, Sec(1)).admitted());
}

TEST(RateLimitTest, FakeAnswers429WithHeaderAndAdditionalData) {
  engine::ManualClock clock(Sec(5));
  FakeConfig config;
  config.workspace.rate_limits.window_requests = 3;
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(HttpCall::Notion("GET", "/v1/users/me", "tok").SendTo(fake).response.status, 200);
  }
  clock.Advance(Sec(12) + Ms(300));
  Answer a = HttpCall::Notion("GET", "/v1/users/me", "tok").SendTo(fake);
  EXPECT_EQ(a.response.status, 429);
  EXPECT_EQ(a.response.code, ApiCode::kRateLimited);
  EXPECT_EQ(a.response.retry_after, "48");
  EXPECT_FALSE(a.response.injected);  // emergent, not a planned fault
  EXPECT_EQ(AnswerHeader(a, "retry-after"), "48");
  const json body = json::parse(a.body);
  EXPECT_EQ(body["message"], "You have been rate limited. Please try again in a few minutes.");
  EXPECT_EQ(body["additional_data"]["rate_limit_reason"], "public_api_request_rate_limit");
  EXPECT_EQ(body["additional_data"]["retry_after"], "48");
  EXPECT_EQ(fake.stats().rate_limited, 1u);
  // Another token is not limited.
  EXPECT_EQ(HttpCall::Notion("GET", "/v1/users/me", "tok2").SendTo(fake).response.status, 200);
}

TEST(RateLimitTest, InProcessTenantsAndWorkspaces) {
  engine::ManualClock clock;
  FakeConfig config;
  config.workspace.tokens = {TokenSpec{"a", "a", 0, 0, kCapAll, {}, {}},
                             TokenSpec{"b", "b", 1, 0, kCapAll, {}, {}},
                             TokenSpec{"c", "c", 2, 1, kCapAll, {}, {}}};
  config.workspace.rate_limits.workspace_requests = 4;
  config.workspace.rate_limits.workspace_window_us = Sec(120);
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  engine::Request r;
  r.operation = engine::Operation::kUsersMe;
  for (int t : {0, 1, 0, 1}) {
    r.tenant = static_cast<std::uint16_t>(t);
    ASSERT_EQ(fake.Handle(r).response.status, 200);
  }
  clock.Advance(Sec(30));
  r.tenant = 0;
  Answer a = fake.Handle(r);
  EXPECT_EQ(a.response.status, 429);
  EXPECT_EQ(a.response.retry_after, "90");  // over a minute: the workspace's window
  r.tenant = 2;
  EXPECT_EQ(fake.Handle(r).response.status, 200);
}

TEST(RateLimitTest, OverloadIs529ServiceOverload) {
  engine::ManualClock clock;
  FakeConfig config;
  config.workspace.rate_limits.overload_requests = 2;
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  HttpCall::Notion("GET", "/v1/users/me", "x").SendTo(fake);
  HttpCall::Notion("GET", "/v1/users/me", "y").SendTo(fake);
  Answer a = HttpCall::Notion("GET", "/v1/users/me", "z").SendTo(fake);
  EXPECT_EQ(a.response.status, 529);
  EXPECT_EQ(a.response.code, ApiCode::kServiceOverload);
  EXPECT_EQ(AnswerHeader(a, "retry-after"), "1");
  EXPECT_EQ(json::parse(a.body)["code"], "service_overload");
  EXPECT_EQ(fake.stats().overloaded, 1u);
}

TEST(RateLimitTest, ParseRateLimits) {
  auto doc = engine::JsonDocument::Parse(
      R"({"mode": "token_bucket", "bucket_rate_per_s": 2.5, "bucket_burst": 4,
          "workspace_requests": 100, "workspace_window_s": 600})",
      "rl.json");
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Result<RateLimitConfig> c = ParseRateLimits(root);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->mode, RateLimitMode::kTokenBucket);
  EXPECT_EQ(c->bucket_rate_milli_per_s, 2500);
  EXPECT_EQ(c->bucket_burst, 4);
  EXPECT_EQ(c->workspace_window_us, Sec(600));
  auto bad = engine::JsonDocument::Parse(R"({"window_requests": 0})", "rl.json");
  engine::JsonReader bad_reader(*bad);
  engine::ObjectReader bad_root = bad_reader.Root();
  EXPECT_FALSE(ParseRateLimits(bad_root).ok());
}

}  // namespace
}  // namespace notion_sim::sim
