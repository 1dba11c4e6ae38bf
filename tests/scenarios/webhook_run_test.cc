// Webhooks in a simulated run: the integration's fetches go through the stack and are exactly the
// extra requests the server sees; a bad signature is refused and retried; the run is reproducible.
#include <gtest/gtest.h>

#include <string>

#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {
namespace {

std::string Scenario(const std::string& consumer, const std::string& faults = "[]") {
  return R"({"name": "hooks", "seed": 5, "duration_s": 300, "drain_limit_s": 600,
    "stack": {"profile": "recommended"},
    "webhooks": {"subscriptions": [{"url": "https://x.example/hook"}],
                 "aggregation_window_ms": 0, "retry": {"initial_backoff_ms": 1000},
                 "faults": )" +
         faults + R"(, "consumer": )" + consumer + R"(},
    "workload": {"streams": [{"operation": "create_page", "rate_per_s": 0.5}]}})";
}

RunResult RunHooks(const std::string& text) {
  auto spec = ParseScenario(text, "hooks.json");
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  auto result = RunScenario(spec.value());
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.value();
}

TEST(WebhookRunTest, EachEventCostsOneFetchThroughTheStack) {
  const RunResult off = RunHooks(Scenario(R"({"fetch": false})"));
  const RunResult on = RunHooks(Scenario(R"({"fetch": true})"));
  EXPECT_EQ(on.summary.ops_started, 150u);  // 0.5/s for 300 s
  EXPECT_EQ(on.webhooks.events, 150u);      // one page.created per create
  EXPECT_EQ(on.webhooks.deliveries, 150u);
  EXPECT_EQ(on.webhooks.fetches, 150u);
  EXPECT_EQ(on.webhooks.fetches_succeeded, 150u);
  EXPECT_EQ(off.webhooks.fetches, 0u);
  // The storm's cost: exactly the fetches' requests on top of the workload's.
  EXPECT_EQ(on.server_requests, off.server_requests + on.webhooks.fetch_attempts);
  EXPECT_EQ(on.webhooks.fetch_attempts, 150u);
  EXPECT_EQ(RunHooks(Scenario(R"({"fetch": true})")).summary.digest, on.summary.digest);
}

TEST(WebhookRunTest, BadSignaturesAreRefusedAndRetried) {
  const RunResult r =
      RunHooks(Scenario(R"({"fetch": true, "verify_signature": true})",
                        R"([{"trigger": {"every": 10}, "action": "bad_signature"}])"));
  EXPECT_EQ(r.webhooks.events, 150u);
  // The rule sees every attempt: 150 first ones and their retries, so it fires on attempts 10,
  // 20, ..., 160 (166 attempts in all).
  EXPECT_EQ(r.webhooks.rejected_signature, 16u);
  EXPECT_EQ(r.webhooks.retries, 16u);
  EXPECT_EQ(r.webhooks.accepted, 150u);  // every retry signed properly, and accepted
  EXPECT_EQ(r.webhooks.deliveries, 166u);
  EXPECT_EQ(r.webhooks.dropped, 0u);
  // An integration that does not check signatures accepts the tampered ones.
  const RunResult lax =
      RunHooks(Scenario(R"({"fetch": true, "verify_signature": false})",
                        R"([{"trigger": {"every": 10}, "action": "bad_signature"}])"));
  EXPECT_EQ(lax.webhooks.rejected_signature, 0u);
  EXPECT_EQ(lax.webhooks.retries, 0u);
}

}  // namespace
}  // namespace notion_sim::scenarios
