// The second upstream: a completion API with its own latency, rate limit, auth and health, under
// the same fault plan, through both doors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ApiCode;
using engine::Operation;
using nlohmann::json;

HttpCall Complete(const std::string& body, const std::string& key = "") {
  HttpCall c;
  c.method = "POST";
  c.path = "/upstream/v1/complete";
  c.body = body;
  if (!key.empty()) c.Header("Authorization", "Bearer " + key);
  return c;
}

TEST(UpstreamTest, CompletesOverHttpWithItsOwnLatency) {
  engine::ManualClock clock;
  FakeConfig config;
  config.upstream.latency = LatencyDist::Fixed(Ms(420));
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  Answer a = Complete(R"({"prompt":"Summarize the page","max_tokens":8})").SendTo(fake);
  ASSERT_EQ(a.response.status, 200) << a.body;
  EXPECT_EQ(a.delay_us, Ms(420));
  const json body = json::parse(a.body);
  EXPECT_EQ(body["object"], "completion");
  EXPECT_EQ(body["model"], "sim-1");
  EXPECT_EQ(body["choices"][0]["index"], 0);
  EXPECT_FALSE(body["choices"][0]["text"].get<std::string>().empty());
  EXPECT_LE(body["usage"]["completion_tokens"].get<int>(), 8);
  EXPECT_EQ(AnswerHeader(a, "x-notion-request-id"), "");  // not Notion
  // No Notion-Version needed.
  EXPECT_EQ(Complete(R"({})").SendTo(fake).response.status, 400);
  EXPECT_EQ(json::parse(Complete(R"({})").SendTo(fake).body)["error"]["type"],
            "invalid_request_error");
}

TEST(UpstreamTest, InProcessNeedsNoBody) {
  engine::ManualClock clock;
  FakeConfig config;
  config.upstream.latency = LatencyDist::Uniform(Ms(100), Ms(200));
  FakeNotion a(clock, engine::Rng(4), nullptr, config);
  FakeNotion b(clock, engine::Rng(4), nullptr, config);
  engine::Request r;
  r.operation = Operation::kUpstreamComplete;
  for (int i = 0; i < 20; ++i) {
    Answer x = a.Handle(r);
    Answer y = b.Handle(r);
    EXPECT_EQ(x.response.status, 200);
    EXPECT_GE(x.delay_us, Ms(100));
    EXPECT_LE(x.delay_us, Ms(200));
    EXPECT_EQ(x.delay_us, y.delay_us);  // seeded
  }
  EXPECT_EQ(a.stats().upstream_requests, 20u);
}

TEST(UpstreamTest, RateLimitAndAuth) {
  engine::ManualClock clock(Sec(3));
  FakeConfig config;
  config.upstream.requests_per_minute = 2;
  config.upstream.api_keys = {"k1"};
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  EXPECT_EQ(Complete(R"({"prompt":"x"})").SendTo(fake).response.status, 401);
  EXPECT_EQ(Complete(R"({"prompt":"x"})", "k2").SendTo(fake).response.status, 401);
  EXPECT_EQ(json::parse(Complete(R"({"prompt":"x"})").SendTo(fake).body)["error"]["type"],
            "authentication_error");
  EXPECT_EQ(Complete(R"({"prompt":"x"})", "k1").SendTo(fake).response.status, 200);
  EXPECT_EQ(Complete(R"({"prompt":"x"})", "k1").SendTo(fake).response.status, 200);
  clock.Advance(Sec(20));
  Answer limited = Complete(R"({"prompt":"x"})", "k1").SendTo(fake);
  EXPECT_EQ(limited.response.status, 429);
  EXPECT_EQ(limited.response.code, ApiCode::kRateLimited);
  EXPECT_EQ(AnswerHeader(limited, "retry-after"), "40");
  EXPECT_EQ(json::parse(limited.body)["error"]["type"], "rate_limit_error");
  clock.Advance(Sec(40));
  EXPECT_EQ(Complete(R"({"prompt":"x"})", "k1").SendTo(fake).response.status, 200);
}

TEST(UpstreamTest, SharesTheFaultPlanAndHasItsOwnHealth) {
  engine::ManualClock clock;
  FakeConfig config;
  FaultRule overload;
  overload.match.operation = Operation::kUpstreamComplete;
  overload.action = FaultAction::kRespond;
  overload.status = 529;
  overload.trigger.kind = TriggerKind::kFirstN;
  overload.trigger.n = 10;
  ASSERT_TRUE(config.faults.Add(overload).ok());
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  EXPECT_EQ(fake.UpstreamHealthJson()["status"], "ok");
  Answer a = Complete(R"({"prompt":"x"})").SendTo(fake);
  EXPECT_EQ(a.response.status, 529);
  EXPECT_TRUE(a.injected);
  EXPECT_EQ(json::parse(a.body)["error"]["type"], "overloaded_error");
  EXPECT_EQ(AnswerHeader(a, "retry-after"), "1");
  // Notion requests are untouched by the upstream's rule.
  EXPECT_EQ(HttpCall::Notion("GET", "/v1/users/me", "t").SendTo(fake).response.status, 200);
  engine::Request r;
  r.operation = Operation::kUpstreamComplete;
  for (int i = 0; i < 9; ++i) EXPECT_EQ(fake.Handle(r).response.status, 529);
  EXPECT_EQ(fake.UpstreamHealthJson()["status"], "degraded");
  EXPECT_EQ(fake.UpstreamHealthJson()["errors"], 10);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(fake.Handle(r).response.status, 200);
  EXPECT_EQ(fake.UpstreamHealthJson()["status"], "ok");  // 10 of the last 50 failed
  EXPECT_EQ(fake.HealthJson()["upstream"]["requests"], 50);
  FakeConfig off;
  off.upstream.enabled = false;
  FakeNotion disabled(clock, engine::Rng(1), nullptr, off);
  EXPECT_EQ(disabled.Handle(r).response.status, 404);
  EXPECT_EQ(disabled.UpstreamHealthJson()["status"], "disabled");
}

TEST(UpstreamTest, ParseUpstream) {
  auto doc = engine::JsonDocument::Parse(
      R"({"latency": {"dist": "lognormal", "median_ms": 400, "sigma": 0.5}, "requests_per_minute": 60,
          "api_keys": ["a"], "model": "m2", "max_prompt_chars": 100})",
      "u.json");
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Result<UpstreamConfig> c = ParseUpstream(root);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->latency.kind, LatencyKind::kLognormal);
  EXPECT_EQ(c->latency.median_us, Ms(400));
  EXPECT_EQ(c->requests_per_minute, 60);
  EXPECT_EQ(c->model, "m2");
  engine::ManualClock clock;
  FakeConfig config;
  config.upstream = *c;
  FakeNotion fake(clock, engine::Rng(1), nullptr, config);
  Answer big = Complete("{\"prompt\":\"" + std::string(101, 'p') + "\"}", "a").SendTo(fake);
  EXPECT_EQ(big.response.status, 400);
}

}  // namespace
}  // namespace notion_sim::sim
