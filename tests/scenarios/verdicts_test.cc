// Issue 14 ("every verdict true"): simulated runs whose figures a CI gate reads, each checked with
// the exact number the run must give. Every test here failed on the code before its fix; the
// comment above each says what it measured then.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {
namespace {

using nlohmann::json;

json Library(const std::string& name) {
  const char* src = std::getenv("NSIM_SOURCE_DIR");
  std::ifstream in(std::string(src != nullptr ? src : "../../..") + "/scenarios/library/" + name +
                   ".json");
  return json::parse(in);
}

const checks::InvariantResult* Invariant(const RunResult& r, const std::string& name) {
  for (const auto& i : r.checks.invariants) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

RunResult RunJson(const json& j) {
  auto spec = ParseScenario(j.dump(), j.at("name").get<std::string>() + ".json");
  EXPECT_TRUE(spec.ok()) << spec.error().message;
  if (!spec.ok()) return {};
  auto result = RunScenario(*spec);
  EXPECT_TRUE(result.ok()) << result.error().message;
  return result.ok() ? std::move(result).value() : RunResult{};
}

// A Retry-After HTTP-date is read on the run's one calendar: the workspace's epoch, on which the
// fake dates it. Before, the stack read it against 2026-01-01 whatever the workspace said: with
// an epoch in 2024 the date was long past (a wait of 0 ms), with one in 2027 months ahead (the
// SDK's 60 s cap). Now the wait is the ~2.x s the header means.
TEST(Verdicts, HttpDatesAreReadOnTheWorkspaceCalendar) {
  for (const char* epoch : {"2024-02-29T23:59:30Z", "2027-06-01T00:00:00Z"}) {
    SCOPED_TRACE(epoch);
    const json j = {
        {"name", "dated"},
        {"seed", 5},
        {"duration_s", 10},
        {"stack", {{"profile", "notionhq-client-v5"}}},
        {"workspace", {{"epoch", epoch}}},
        {"faults", json::array({{{"match", {{"operation", "retrieve_page"}}},
                                 {"trigger", {{"first", 1}}},
                                 {"action", "respond"},
                                 {"status", 429},
                                 {"code", "rate_limited"},
                                 {"retry_after_s", 3},
                                 {"retry_after_form", "http_date"}}})},
        {"workload",
         {{"streams", json::array({{{"operation", "retrieve_page"}, {"max_ops", 1}}})}}}};
    const RunResult r = RunJson(j);
    const checks::MetricsReport& m = r.checks.metrics;
    EXPECT_EQ(m.http_429, 1u);
    EXPECT_EQ(m.retry_after_honored, 1u);
    // Dated 3 s after the whole second the 429 was answered in (0.08 s): a wait of 3.92 s.
    EXPECT_EQ(m.retry_delay_max_us, Ms(3920));
    EXPECT_EQ(r.summary.ops_succeeded, 1u);
  }
}

// The SDK profile claims to be @notionhq/client exactly, whose timeout covers only the headers:
// a response whose body stalls keeps it waiting (docs/sources.md#the-official-sdk). Before, the
// profile's 1 s timeout fired at the stall (1 timeout, the operation failed); now nothing fires and
// the operation is still waiting when the run ends, as the SDK would be. Our stack still times out.
TEST(Verdicts, TheSdkProfileWaitsForAStalledBodyAsTheSdkDoes) {
  for (const char* profile : {"notionhq-client-v5", "recommended"}) {
    SCOPED_TRACE(profile);
    const json j = {
        {"name", "stalled"},
        {"seed", 5},
        {"duration_s", 10},
        {"drain_limit_s", 60},
        {"stack", {{"profile", profile}, {"timeouts", {{"request_ms", 1000}}}}},
        {"faults", json::array({{{"match", {{"operation", "retrieve_page"}}},
                                 {"trigger", {{"first", 1}}},
                                 {"action", "stall_body"}}})},
        {"workload",
         {{"streams", json::array({{{"operation", "retrieve_page"}, {"max_ops", 1}}})}}}};
    const RunResult r = RunJson(j);
    const checks::MetricsReport& m = r.checks.metrics;
    if (std::string(profile) == "recommended") {
      EXPECT_EQ(m.timeouts_fired, 1u);
      EXPECT_EQ(m.ops.unfinished, 0u);
    } else {
      EXPECT_EQ(m.timeouts_fired, 0u);
      EXPECT_EQ(m.ops.unfinished, 1u);
    }
  }
}

// Recovery is measured from when the last fault rule stopped acting, not from the end of the
// safety phase. Before, a 60 s outage ending at 120 s in a 600 s safety phase had its recovery
// measured from 600 s (recovery_s 0: the stack looked instantly recovered, however long it took).
TEST(Verdicts, RecoveryRunsFromTheEndOfTheFaultsNotOfTheSafetyPhase) {
  json j = {{"name", "outage"},
            {"seed", 9},
            {"phases", {{"safety_s", 600}, {"liveness_s", 300}}},
            {"stack", {{"profile", "recommended"}}},
            {"faults", json::array({{{"match", {{"from_s", 60}, {"until_s", 120}}},
                                     {"action", "respond"},
                                     {"status", 503},
                                     {"code", "service_unavailable"}}})},
            {"workload",
             {{"streams", json::array({{{"operation", "retrieve_page"}, {"rate_per_s", 2}}})}}}};
  RunResult r = RunJson(j);
  const checks::MetricsReport& m = r.checks.metrics;
  EXPECT_EQ(m.fault_end_us, Sec(120));
  EXPECT_EQ(m.fault_end_source, checks::FaultEnd::kWindow);
  ASSERT_EQ(m.recovery, checks::Recovery::kRecovered);
  EXPECT_EQ(m.recovered_at_us, Sec(168));  // 48 s after the outage (was measured from 600 s)
  EXPECT_EQ(m.recovery_us, m.recovered_at_us - Sec(120));
  ASSERT_EQ(m.fault_windows.size(), 1u);
  EXPECT_EQ(m.fault_windows[0].from_us, Sec(60));
  EXPECT_EQ(m.fault_windows[0].until_us, Sec(120));

  // A rule without an end of its own (the first 5 retrieves) stops when it last fires.
  j["faults"] = json::array({{{"match", {{"operation", "retrieve_page"}}},
                              {"trigger", {{"first", 5}}},
                              {"action", "respond"},
                              {"status", 503},
                              {"code", "service_unavailable"}}});
  r = RunJson(j);
  const checks::MetricsReport& n = r.checks.metrics;
  EXPECT_EQ(n.faults_injected, 5u);
  EXPECT_EQ(n.fault_end_source, checks::FaultEnd::kLastFault);
  EXPECT_EQ(n.fault_end_us, n.last_fault_us);
  EXPECT_EQ(n.fault_end_us, Ms(1540));
  ASSERT_EQ(n.fault_windows.size(), 1u);
  EXPECT_EQ(n.fault_windows[0].until_us, n.last_fault_us);
}

// The deadline bounds the whole operation, queues included. Before, with one slot per lane and
// attempts that hang until their timeout, operations waited in the bulkhead queue far past the
// recommended stack's 2-minute deadline while the invariant, checking a default of 12 minutes,
// said "held".
TEST(Verdicts, TheDeadlineCoversTheWaitForABulkheadSlot) {
  const json j = {
      {"name", "queued"},
      {"seed", 3},
      {"duration_s", 30},
      {"drain_limit_s", 1200},
      {"stack",
       {{"profile", "recommended"},
        {"bulkhead", {{"normal", {{"max_concurrent", 1}, {"max_queued", 100}}}}}}},
      {"faults", json::array({{{"match", {{"operation", "retrieve_page"}}}, {"action", "hang"}}})},
      {"workload",
       {{"streams", json::array({{{"operation", "retrieve_page"}, {"max_ops", 20}}})}}}};
  const RunResult r = RunJson(j);
  const checks::MetricsReport& m = r.checks.metrics;
  EXPECT_EQ(m.ops.started, 20u);
  EXPECT_EQ(m.ops.unfinished, 0u);
  EXPECT_EQ(m.latency.max_us, Sec(120));  // the deadline, queue wait included
  EXPECT_EQ(m.latency.p99_us, Sec(120));
  const checks::InvariantResult* deadline = Invariant(r, "deadline_bounded");
  ASSERT_NE(deadline, nullptr);
  EXPECT_TRUE(deadline->held()) << deadline->first_violation;
  EXPECT_EQ(deadline->checked_count, 20u);
}

// Each dependency has its own stack, breaker keys, limiter and invariants. Before, the second
// upstream's stack shared the Notion stack's breaker key and rate count: with the upstream down
// and a short Notion blip, this valid run had 17 false breaker_transitions and 7,516 false
// client_rate violations (the two-dependency run: 1,217 and a false client_rate). Now every
// invariant holds, each dependency's checked against its own stack. A workflow's steps share its
// deadline: the upstream step no longer schedules a retry past it (it had, by 1.3 s).
TEST(Verdicts, TwoDependenciesAreJudgedEachAgainstItsOwnStack) {
  json j = Library("enrich_upstream_down");
  j["name"] = "two_deps";
  j["faults"].push_back(
      {{"name", "notion blip"},
       {"match", {{"operation", "retrieve_page"}, {"from_s", 600}, {"until_s", 700}}},
       {"action", "respond"},
       {"status", 503},
       {"code", "service_unavailable"}});
  j["workload"]["enrich"][0]["rate_per_s"] = 1.0;
  const RunResult r = RunJson(j);
  for (const auto& i : r.checks.invariants) {
    EXPECT_TRUE(i.held()) << i.name << ": " << i.first_violation;
  }
  // Each dependency's invariants check its own stack's work (counts: items checked).
  const std::vector<std::pair<const char*, std::uint64_t>> checked = {
      {"client_rate", 16119},
      {"breaker_transitions", 271},
      {"upstream.client_rate", 5498},
      {"upstream.breaker_transitions", 2453},
      {"upstream.attempts_bounded", 5491}};
  for (const auto& [name, count] : checked) {
    const checks::InvariantResult* i = Invariant(r, name);
    ASSERT_NE(i, nullptr) << name;
    EXPECT_EQ(i->checked_count, count) << name;
  }
  EXPECT_EQ(Invariant(r, "upstream.no_duplicate_creates"), nullptr);  // Notion's ledger only
  // A breaker per dependency, each with its own timeline, and a row of figures for each.
  std::uint64_t notion_opens = 0;
  std::uint64_t upstream_opens = 0;
  for (const checks::BreakerTimeline& b : r.checks.metrics.breakers) {
    (b.dependency == engine::Dependency::kNotion ? notion_opens : upstream_opens) += b.opens;
  }
  EXPECT_EQ(notion_opens, 3u);
  EXPECT_EQ(upstream_opens, 16u);
  const std::vector<checks::DependencyMetrics>& deps = r.checks.metrics.dependencies;
  ASSERT_EQ(deps.size(), 2u);
  EXPECT_EQ(deps[0].requests, 16119u);
  EXPECT_EQ(deps[0].http_5xx, 15u);
  EXPECT_EQ(deps[1].requests, 5498u);
  EXPECT_EQ(deps[1].http_5xx, 43u);
  ASSERT_EQ(r.checks.metrics.health.size(), 2u);
  EXPECT_EQ(r.checks.metrics.health[1].unhealthy_us, 604'632'223);
  EXPECT_EQ(r.checks.metrics.health[1].degraded_us, 360'937'414);
}

// Checkpoint approach B advances fully, with failures in the DLQ. Before, a record the API
// refused (a 400 validation_error: not retried, not an availability failure) was surfaced, not
// dead-lettered, and B stopped at it: sync_checkpoints ended B at record 95 of 500. Now it is
// parked for manual review and B reaches 500; approach A still holds before its first failure.
TEST(Verdicts, CheckpointApproachBParksPermanentFailuresAndAdvancesFully) {
  const RunResult r = RunJson(Library("sync_checkpoints"));
  ASSERT_EQ(r.checkpoints.size(), 2u);
  const CheckpointResult& a = r.checkpoints[0];
  const CheckpointResult& b = r.checkpoints[1];
  EXPECT_EQ(a.approach, "A");
  EXPECT_EQ(a.checkpoint, 36u);  // before its first failure, as A promises
  EXPECT_EQ(b.approach, "B");
  EXPECT_EQ(b.checkpoint, 500u);  // was 95
  EXPECT_EQ(b.failed, 0u);
  EXPECT_EQ(b.succeeded, 470u);
  EXPECT_EQ(b.dead_lettered, 30u);
  EXPECT_EQ(r.checks.metrics.dlq_permanent, 15u);  // B's refused records, for manual review
  EXPECT_TRUE(Invariant(r, "checkpoint_safety")->held());
  EXPECT_EQ(Invariant(r, "checkpoint_safety")->checked_count, 536u);
}

// Health is computed on every run; its time per service is now in the result and the gates.
// Before, these figures did not exist (health changes only went into the trace).
TEST(Verdicts, HealthTimePerServiceIsMeasured) {
  const RunResult r = RunJson(Library("outage_10min"));
  const checks::MetricsReport& m = r.checks.metrics;
  ASSERT_EQ(m.health.size(), 1u);  // no second upstream in this scenario
  const checks::ServiceHealth& h = m.health[0];
  EXPECT_EQ(h.service, engine::Dependency::kNotion);
  EXPECT_EQ(h.healthy_us + h.degraded_us + h.unhealthy_us, m.end_us);
  EXPECT_EQ(h.unhealthy_us, 213'954'980);  // during the 10-minute outage
  EXPECT_EQ(h.degraded_us, 1'091'638'855);
  EXPECT_EQ(h.healthy_us, 1'694'453'508);
  EXPECT_EQ(h.changes, 14u);
  EXPECT_EQ(checks::MetricValue(m, "health.notion.unhealthy_s"),
            static_cast<double>(h.unhealthy_us) / 1e6);
  EXPECT_EQ(checks::MetricValue(m, "health.notion.healthy_ratio"), h.healthy_ratio());
  EXPECT_EQ(checks::MetricValue(m, "health.upstream.healthy_ratio"), std::nullopt);
}

}  // namespace
}  // namespace notion_sim::scenarios
