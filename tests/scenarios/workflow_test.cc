// Workflows in virtual time, with exact numbers: data flow (ids from a listing, paginated; what an
// earlier step created), each failure policy, concurrency, tokens, the item invariant, and the
// old "enrich" section as the workflow it now is.
//
// Timings: the pass_through stack sends each call once; the default network takes 40 ms each way,
// so a Notion call takes 80 ms and a call of the second upstream 380 ms (its 300 ms of work).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/checks/gates.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {
namespace {

using engine::EventKind;
using engine::ItemOutcome;
using nlohmann::json;

// Collects the workflow events of a run.
struct ItemLog final : engine::TraceSink {
  std::vector<engine::Event> started, steps, finished;
  void OnEvent(const engine::Event& e) override {
    if (e.kind == EventKind::kItemStarted) started.push_back(e);
    if (e.kind == EventKind::kStepDone) steps.push_back(e);
    if (e.kind == EventKind::kItemFinished) finished.push_back(e);
  }
  std::size_t Count(ItemOutcome o) const {
    return static_cast<std::size_t>(std::count_if(finished.begin(), finished.end(), [&](auto& e) {
      return e.a == static_cast<std::int64_t>(o);
    }));
  }
};

struct Outcome {
  RunResult result;
  ItemLog items;
  engine::Ledger ledger;
};

// Notion's rate limit is off: the pass_through stack would fail what it refuses.
json Base(int pages) {
  return {{"name", "wf"},
          {"seed", 1},
          {"duration_s", 60},
          {"workspace",
           {{"rate_limits", {{"mode", "off"}}},
            {"databases",
             {{{"title", "Tasks"}, {"data_sources", {{{"title", "Tasks"}, {"pages", pages}}}}}}}}}};
}

Outcome RunDoc(const json& doc) {
  Outcome out;
  auto spec = ParseScenario(doc.dump(), "wf.json");
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  if (!spec.ok()) return out;
  SimOptions options;
  options.observer = &out.items;
  options.ledger = [&](const engine::Ledger& l) { out.ledger = l; };
  auto result = RunScenario(*spec, options);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  if (result.ok()) out.result = std::move(result).value();
  return out;
}

double Metric(const RunResult& r, const std::string& name) {
  return checks::MetricValue(r.checks.metrics, name).value_or(-1);
}

void ExpectAllHeld(const RunResult& r) {
  for (const auto& i : r.checks.invariants) EXPECT_TRUE(i.held()) << i.first_violation;
}

// List the data source (3 pages of 100, 100, 50), then for each page: read it, list its blocks
// (paginated), write it back; 2 workers.
TEST(Workflow, ListingFeedsItemsAndEveryPageIsWrittenOnce) {
  json doc = Base(250);
  doc["workload"] = {
      {"workflows",
       {{{"name", "sync"},
         {"trigger", {{"batch", {{"items", 1000}}}}},
         {"list", {{"operation", "query_data_source"}, {"page_size", 100}}},
         {"concurrency", 2},
         {"steps",
          {{{"name", "read"}, {"operation", "retrieve_page"}},
           {{"name", "blocks"}, {"operation", "list_block_children"}, {"paginate", true}},
           {{"name", "write"}, {"operation", "update_page"}}}}}}}};
  const Outcome o = RunDoc(doc);
  ExpectAllHeld(o.result);
  EXPECT_EQ(o.result.summary.ops_started, 1u);  // one run
  EXPECT_EQ(o.result.summary.ops_succeeded, 1u);
  EXPECT_EQ(o.items.started.size(), 250u);
  EXPECT_EQ(o.items.Count(ItemOutcome::kSucceeded), 250u);
  // Every update aims at a page the listing returned, each page once.
  std::set<std::string> written;
  std::size_t updates = 0;
  for (const engine::LedgerEntry& e : o.ledger) {
    if (e.operation != engine::Operation::kUpdatePage) continue;
    ++updates;
    written.insert(e.object.ToString());
  }
  EXPECT_EQ(updates, 250u);
  EXPECT_EQ(written.size(), 250u);
  // The first page of results arrives at 80 ms; each item takes 3 calls (240 ms) on one of 2
  // workers: the last of 125 rounds ends at 80 + 125 x 240 = 30,080 ms.
  const checks::WorkflowMetrics& w = o.result.checks.metrics.workflows.at(0);
  EXPECT_EQ(w.name, "sync");
  EXPECT_EQ(w.first_release_us, Ms(80));
  EXPECT_EQ(w.last_finish_us, Ms(30'080));
  EXPECT_EQ(w.makespan_us, Ms(30'000));
  EXPECT_DOUBLE_EQ(Metric(o.result, "workflow.sync.makespan_s"), 30.0);
  EXPECT_DOUBLE_EQ(w.api_calls_per_item, 3.0);
  EXPECT_DOUBLE_EQ(w.items_per_min, 500.0);  // 250 items in half a minute
  ASSERT_EQ(w.steps.size(), 4u);             // read, blocks, write, then the listing
  EXPECT_EQ(w.steps[3].name, "list");
  EXPECT_EQ(w.steps[3].runs, 3u);
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(w.steps[s].runs, 250u) << w.steps[s].name;
    EXPECT_EQ(w.steps[s].latency.p99_us, Ms(80)) << w.steps[s].name;
  }
  // Items released at 240 ms (the third page) wait longest: the last ends at 30,080 ms.
  EXPECT_EQ(w.latency.max_us, Ms(30'080 - 240));
  // Half the items (125) have ended when round 63 ends: 80 + 63 x 240 = 15,200 ms, 15,120 ms
  // after the first release (the histogram holds it within 0.8 %).
  EXPECT_NEAR(static_cast<double>(w.done_p50_us), 15'120'000.0, 15'120'000.0 * 0.008);
}

// What an earlier step returned is the next one's target: create a page, write to it, read it.
TEST(Workflow, StepsAimAtWhatEarlierStepsCreated) {
  json doc = Base(10);
  doc["workload"] = {
      {"workflows",
       {{{"name", "make"},
         {"trigger", {{"batch", {{"items", 5}}}}},
         {"concurrency", 1},
         {"steps",
          {{{"name", "create"}, {"operation", "create_page"}},
           {{"name", "fill"}, {"operation", "update_page"}, {"target", "create"}},
           {{"name", "check"}, {"operation", "retrieve_page"}, {"target", "create"}}}}}}}};
  const Outcome o = RunDoc(doc);
  ExpectAllHeld(o.result);
  std::vector<std::string> created;
  std::vector<std::string> updated;
  for (const engine::LedgerEntry& e : o.ledger) {
    if (e.operation == engine::Operation::kCreatePage) created.push_back(e.object.ToString());
    if (e.operation == engine::Operation::kUpdatePage) updated.push_back(e.object.ToString());
  }
  ASSERT_EQ(created.size(), 5u);
  EXPECT_EQ(std::set<std::string>(created.begin(), created.end()).size(), 5u);
  EXPECT_EQ(updated, created);  // each item wrote the page it had just created
  EXPECT_EQ(o.items.Count(ItemOutcome::kSucceeded), 5u);
  // One worker, 3 calls of 80 ms per item: 5 items end at 1.2 s.
  EXPECT_EQ(o.result.checks.metrics.workflows.at(0).makespan_us, Ms(1'200));
}

// read -> ask (the upstream answers 503 to its first 2 calls) -> write, 4 items released at once
// with 1 worker, under each failure policy.
json PolicyScenario(const json& on_failure, int failing_asks = 2) {
  json doc = Base(10);
  doc["faults"] = {{{"match", {{"operation", "upstream_complete"}}},
                    {"trigger", {{"first", failing_asks}}},
                    {"action", "respond"},
                    {"status", 503},
                    {"code", "service_unavailable"}}};
  json ask = {{"name", "ask"}, {"operation", "upstream_complete"}, {"on_failure", on_failure}};
  doc["workload"] = {{"workflows",
                      {{{"name", "enrich"},
                        {"trigger", {{"batch", {{"items", 4}}}}},
                        {"concurrency", 1},
                        {"retry_later", {{"after_s", 10}, {"max", 1}}},
                        {"dlq", {{"retry_delays_ms", {60'000}}}},
                        {"steps",
                         {{{"name", "read"}, {"operation", "retrieve_page"}},
                          ask,
                          {{"name", "write"}, {"operation", "update_page"}, {"then", "end"}},
                          {{"name", "note"}, {"operation", "append_blocks"}}}}}}}};
  return doc;
}

std::size_t Writes(const Outcome& o, engine::Operation op) {
  return static_cast<std::size_t>(std::count_if(o.ledger.begin(), o.ledger.end(),
                                                [&](const auto& e) { return e.operation == op; }));
}

TEST(Workflow, SkipEndsTheItemFailedAndGoesOn) {
  const Outcome o = RunDoc(PolicyScenario("skip"));
  ExpectAllHeld(o.result);
  EXPECT_EQ(o.items.Count(ItemOutcome::kFailed), 2u);
  EXPECT_EQ(o.items.Count(ItemOutcome::kSucceeded), 2u);
  EXPECT_EQ(Writes(o, engine::Operation::kUpdatePage), 2u);
  EXPECT_EQ(Writes(o, engine::Operation::kAppendBlocks), 0u);
  EXPECT_EQ(o.result.summary.ops_failed, 2u);  // a batch item's run fails with it
  // The fault answers at once: two failed items take read + ask = 160 ms each, two full ones
  // read + ask (380 ms: the upstream's 300 ms of work) + write = 540 ms.
  EXPECT_EQ(o.result.checks.metrics.workflows.at(0).makespan_us, Ms(2 * 160 + 2 * 540));
  EXPECT_DOUBLE_EQ(Metric(o.result, "workflow.enrich.step.ask.failed"), 2);
}

TEST(Workflow, GotoBranchesAndTheItemEndsDegraded) {
  const Outcome o = RunDoc(PolicyScenario(json{{"goto", "note"}}));
  ExpectAllHeld(o.result);
  EXPECT_EQ(o.items.Count(ItemOutcome::kDegraded), 2u);
  EXPECT_EQ(o.items.Count(ItemOutcome::kSucceeded), 2u);
  EXPECT_EQ(Writes(o, engine::Operation::kUpdatePage), 2u);    // "then": "end" skips the note
  EXPECT_EQ(Writes(o, engine::Operation::kAppendBlocks), 2u);  // only the branch writes it
  EXPECT_EQ(o.result.summary.ops_fallback, 2u);
}

TEST(Workflow, ContinueGoesToTheNextStep) {
  const Outcome o = RunDoc(PolicyScenario("continue"));
  ExpectAllHeld(o.result);
  EXPECT_EQ(o.items.Count(ItemOutcome::kDegraded), 2u);
  EXPECT_EQ(Writes(o, engine::Operation::kUpdatePage), 4u);
  EXPECT_EQ(Writes(o, engine::Operation::kAppendBlocks), 0u);
}

TEST(Workflow, DeadLetterParksAndTheReplayResumesAtTheFailedStep) {
  const Outcome o = RunDoc(PolicyScenario("dead_letter"));
  ExpectAllHeld(o.result);
  EXPECT_EQ(o.items.Count(ItemOutcome::kDeadLettered), 2u);
  EXPECT_EQ(o.items.Count(ItemOutcome::kSucceeded), 2u);
  const checks::MetricsReport& m = o.result.checks.metrics;
  EXPECT_EQ(m.dlq_enqueued, 2u);
  EXPECT_EQ(m.dlq_drained, 2u);  // replayed after 60 s: the upstream answers by then
  // The replays ask again and write: 4 updates in all, and no page was read twice.
  EXPECT_EQ(Writes(o, engine::Operation::kUpdatePage), 4u);
  std::size_t reads = 0;
  for (const auto& e : o.items.steps) reads += e.attempt == 0 ? 1 : 0;
  EXPECT_EQ(reads, 4u);
}

TEST(Workflow, RetryLaterRunsTheItemAgainAfterTheWait) {
  const Outcome o = RunDoc(PolicyScenario("retry_later"));
  ExpectAllHeld(o.result);
  // Items 1 and 2 fail their ask and come back 10 s later; then the upstream answers.
  EXPECT_EQ(o.items.Count(ItemOutcome::kSucceeded), 4u);
  EXPECT_EQ(Writes(o, engine::Operation::kUpdatePage), 4u);
  const checks::WorkflowMetrics& w = o.result.checks.metrics.workflows.at(0);
  // Items 1 and 2 fail at 160 and 320 ms; 3 and 4 take 540 ms each (to 1.4 s); item 1 is back
  // at 10.16 s and ends at 10.7 s, then item 2 (back at 10.32 s, waiting for the worker) at
  // 11.24 s.
  EXPECT_EQ(w.makespan_us, Ms(11'240));
  EXPECT_DOUBLE_EQ(w.api_calls_per_item, 16.0 / 4);  // 2 x (2 + 3) + 2 x 3
}

TEST(Workflow, RetryLaterGivesUpAfterItsMaximum) {
  const Outcome o = RunDoc(PolicyScenario("retry_later", /*failing_asks=*/100));
  ExpectAllHeld(o.result);
  EXPECT_EQ(o.items.Count(ItemOutcome::kFailed), 4u);  // one retry each ("max": 1), then failed
  EXPECT_EQ(Writes(o, engine::Operation::kUpdatePage), 0u);
}

TEST(Workflow, AbortStopsTheWorkflowAndEndsEveryWaitingItem) {
  const Outcome o = RunDoc(PolicyScenario("abort"));
  ExpectAllHeld(o.result);
  EXPECT_EQ(o.items.started.size(), 4u);
  EXPECT_EQ(o.items.Count(ItemOutcome::kAborted), 4u);  // the failing one and the 3 waiting
  EXPECT_EQ(o.result.summary.ops_failed, 4u);
  EXPECT_EQ(Writes(o, engine::Operation::kUpdatePage), 0u);
  EXPECT_EQ(o.result.checks.metrics.requests, 2u);  // one read, one ask
}

// Items spread over the workflow's tokens; each token has its own Notion budget.
TEST(Workflow, TokensSpreadItemsRoundRobin) {
  json doc = Base(12);
  doc["workspace"].erase("rate_limits");  // Notion's 180 per minute per token
  doc["tenants"] = {{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}};
  doc["workload"] = {{"workflows",
                      {{{"name", "touch"},
                        {"trigger", {{"batch", {{"items", 12}}}}},
                        {"tokens", 2},
                        {"steps", {{{"name", "write"}, {"operation", "update_page"}}}}}}}};
  const Outcome o = RunDoc(doc);
  ExpectAllHeld(o.result);
  std::map<std::uint16_t, int> per_tenant;
  for (const engine::LedgerEntry& e : o.ledger) ++per_tenant[e.tenant];
  EXPECT_EQ(per_tenant, (std::map<std::uint16_t, int>{{0, 6}, {1, 6}}));
  // Budget line: 2 tokens x 180 req/min.
  EXPECT_DOUBLE_EQ(o.result.checks.metrics.workflows.at(0).budget_requests_per_min, 360.0);
}

// The old "enrich" section is a workflow: the same outcomes as writing that workflow out.
TEST(Workflow, EnrichSectionRunsAsTheEquivalentWorkflow) {
  json doc = Base(50);
  doc["stack"] = {{"profile", "recommended"}};
  doc["duration_s"] = 600;
  doc["faults"] = {
      {{"match", {{"operation", "upstream_complete"}, {"from_s", 60}, {"until_s", 300}}},
       {"action", "respond"},
       {"status", 503},
       {"code", "service_unavailable"}}};
  json old_form = doc;
  old_form["workload"] = {
      {"enrich", {{{"rate_per_s", 0.5}, {"arrival", "poisson"}, {"degrade", "placeholder"}}}}};
  json new_form = doc;
  new_form["workload"] = json::parse(R"({"workflows": [{
      "name": "enrich",
      "trigger": {"arrivals": {"rate_per_s": 0.5, "arrival": "poisson"}},
      "steps": [
        {"name": "read", "operation": "retrieve_page"},
        {"name": "ask", "operation": "upstream_complete", "on_failure": {"goto": "placeholder"}},
        {"name": "write", "operation": "update_page", "then": "end",
         "body": {"properties": {"Summary": {"rich_text": [{"text": {"content": "enriched"}}]}}}},
        {"name": "placeholder", "operation": "update_page",
         "body": {"properties": {"Summary": {"rich_text": [
             {"text": {"content": "temporarily unavailable"}}]}}}}]}]})");
  const Outcome a = RunDoc(old_form);
  const Outcome b = RunDoc(new_form);
  ExpectAllHeld(a.result);
  EXPECT_EQ(a.result.summary.digest, b.result.summary.digest);
  EXPECT_GT(a.items.Count(ItemOutcome::kDegraded), 0u);
  EXPECT_GT(a.items.Count(ItemOutcome::kSucceeded), 0u);
}

// The webhook trigger's door: each delivered event of the workflow's type releases one item aimed
// at the event's page; other types are not taken.
TEST(Workflow, WebhookEventsReleaseItems) {
  json doc = Base(10);
  doc["workload"] = {{"workflows",
                      {{{"name", "on_create"},
                        {"trigger", {{"webhook", {{"event", "page.created"}}}}},
                        {"steps",
                         {{{"name", "read"}, {"operation", "retrieve_page"}},
                          {{"name", "write"}, {"operation", "update_page"}}}}}}}};
  auto spec = ParseScenario(doc.dump(), "wh.json");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  auto refused = RunScenario(*spec);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find(
                "wh.json: workflow \"on_create\" is triggered by webhook \"page.created\" events, "
                "but no subscription in \"webhooks\" receives them"),
            std::string::npos)
      << refused.error().message;
  ItemLog items;
  engine::Ledger ledger;
  SimOptions options;
  options.observer = &items;
  options.ledger = [&](const engine::Ledger& l) { ledger = l; };
  options.webhook_events = {
      {Sec(1), "page.created", 3}, {Sec(2), "page.deleted", 4}, {Sec(3), "page.created", 5}};
  auto result = RunScenario(*spec, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ExpectAllHeld(*result);
  ASSERT_EQ(items.started.size(), 2u);
  EXPECT_EQ(items.started[0].at_us, Sec(1));
  EXPECT_EQ(items.started[1].at_us, Sec(3));
  EXPECT_EQ(items.Count(ItemOutcome::kSucceeded), 2u);
  EXPECT_EQ(result->summary.ops_started, 0u);  // webhook items belong to no run
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_NE(ledger[0].object, ledger[1].object);  // pages 3 and 5
  EXPECT_EQ(result->checks.metrics.workflows.at(0).makespan_us, Sec(2) + Ms(160));
}

// The fake's own deliveries go through the same door: each page.created event the scenario's
// subscription receives releases one item (10 creates in the first 20 s, one event each), and the
// integration fetches nothing on its own for an event a workflow took.
TEST(Workflow, TheFakesWebhookDeliveriesReleaseItems) {
  json doc = Base(10);
  doc["webhooks"] = {{"subscriptions",
                      {{{"url", "https://integration.example/hook"},
                        {"event_types", {"page.created", "page.deleted"}}}}},
                     {"aggregation_window_ms", 0}};
  doc["workload"] = {
      {"streams", {{{"operation", "create_page"}, {"rate_per_s", 0.5}, {"until_s", 20}}}},
      {"workflows",
       {{{"name", "on_create"},
         {"trigger", {{"webhook", {{"event", "page.created"}}}}},
         {"steps",
          {{{"name", "read"}, {"operation", "retrieve_page"}},
           {{"name", "write"}, {"operation", "update_page"}}}}}}}};
  auto spec = ParseScenario(doc.dump(), "wh.json");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  ItemLog items;
  SimOptions options;
  options.observer = &items;
  auto result = RunScenario(*spec, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ExpectAllHeld(*result);
  EXPECT_EQ(result->summary.ops_started, 10u);
  EXPECT_EQ(result->webhooks.events, 10u);
  EXPECT_EQ(result->webhooks.accepted, 10u);
  EXPECT_EQ(result->webhooks.fetches, 0u);
  ASSERT_EQ(items.started.size(), 10u);
  EXPECT_EQ(items.Count(ItemOutcome::kSucceeded), 10u);
  const checks::WorkflowMetrics& w = result->checks.metrics.workflows.at(0);
  EXPECT_EQ(w.items_started, 10u);
  EXPECT_EQ(w.api_calls, 20u);  // read and write, once each
  // Without the workflow, the same events cost the integration one fetch each.
  doc["workload"].erase("workflows");
  auto plain = RunScenario(*ParseScenario(doc.dump(), "plain.json"));
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->webhooks.fetches, 10u);
}

TEST(Workflow, ItemsEndOnceIsCheckedAndCanFail) {
  checks::ItemsEndOnceChecker checker;
  const std::uint64_t item = engine::kSubOperationBit | engine::kWorkflowItemBit | 1;
  const std::uint64_t other = engine::kSubOperationBit | engine::kWorkflowItemBit | 2;
  const std::uint64_t lost = engine::kSubOperationBit | engine::kWorkflowItemBit | 3;
  auto ev = [](EventKind k, TimeUs at, std::uint64_t id, std::int64_t a) {
    return engine::Event{at, id, a, 0, 0, 0, k};
  };
  checker.OnEvent(ev(EventKind::kItemStarted, 0, item, 7));
  checker.OnEvent(ev(EventKind::kItemFinished, 10, item, 0));
  checker.OnEvent(ev(EventKind::kItemFinished, 20, item, 0));   // twice
  checker.OnEvent(ev(EventKind::kItemFinished, 30, other, 0));  // never started
  checker.OnEvent(ev(EventKind::kItemStarted, 40, lost, 8));
  checker.OnEvent(ev(EventKind::kOpFinished, 50, 8, 0));  // its run ended with it open
  checker.Finish(nullptr);                                // and it never ended: lost
  const checks::InvariantResult r = checker.GetResult();
  EXPECT_EQ(r.name, "items_end_once");
  EXPECT_EQ(r.violation_count, 4u);
  ASSERT_EQ(r.violations.size(), 4u);
  EXPECT_NE(r.violations[0].text.find("finished again"), std::string::npos);
  EXPECT_NE(r.violations[1].text.find("never started"), std::string::npos);
  EXPECT_NE(r.violations[2].text.find("still open"), std::string::npos);
  EXPECT_NE(r.violations[3].text.find("lost"), std::string::npos);
}

// items_end_once judges workflow items: a run without workflows reports it off (not applicable,
// as client_rate without a budget), not "held"; a run with them checks every item.
TEST(Workflow, ItemsEndOnceIsOffWithoutWorkflowsAndChecksEveryItemWithThem) {
  auto verdict = [](const RunResult& r) {
    for (const auto& i : r.checks.invariants) {
      if (i.name == "items_end_once") return i;
    }
    return checks::InvariantResult{};
  };
  json plain = Base(10);
  plain["workload"] = {{"streams", {{{"operation", "retrieve_page"}, {"rate_per_s", 1}}}}};
  const Outcome p = RunDoc(plain);
  EXPECT_EQ(p.result.summary.ops_started, 60u);
  EXPECT_EQ(verdict(p.result).name, "items_end_once");
  EXPECT_EQ(verdict(p.result).verdict, checks::Verdict::kOff);
  EXPECT_EQ(verdict(p.result).checked_count, 0u);
  EXPECT_EQ(checks::Judge(p.result.checks), checks::RunVerdict::kPass);

  json flow = Base(10);
  const json read = {{"name", "read"}, {"operation", "retrieve_page"}};
  const json w = {
      {"name", "w"}, {"trigger", {{"batch", {{"items", 25}}}}}, {"steps", json::array({read})}};
  flow["workload"] = {{"workflows", json::array({w})}};
  const Outcome f = RunDoc(flow);
  EXPECT_EQ(verdict(f.result).verdict, checks::Verdict::kHeld);
  EXPECT_EQ(verdict(f.result).checked_count, 25u);
}

TEST(Workflow, LoaderNamesWhatIsWrong) {
  auto error_of = [](const json& workflows) {
    json doc = Base(10);
    doc["workload"] = {{"workflows", workflows}};
    auto spec = ParseScenario(doc.dump(2), "w.json");
    return spec.ok() ? std::string() : spec.error().message;
  };
  json step = {{"name", "read"}, {"operation", "retrieve_page"}};
  EXPECT_NE(error_of({{{"name", "w"},
                       {"trigger", {{"batch", {{"items", 1}}}}},
                       {"steps",
                        {step,
                         {{"name", "x"},
                          {"operation", "retrieve_page"},
                          {"on_failure", {{"goto", "read"}}}}}}}})
                .find("/workload/workflows/0/steps/1/on_failure: expected the name of a later "
                      "step"),
            std::string::npos);
  EXPECT_NE(
      error_of({{{"name", "w"},
                 {"trigger", {{"batch", {{"items", 1}}}}},
                 {"steps", {{{"name", "x"}, {"operation", "retrieve_page"}, {"target", "nope"}}}}}})
          .find("/workload/workflows/0/steps/0/target"),
      std::string::npos);
  EXPECT_NE(
      error_of({{{"name", "w"},
                 {"trigger", {{"batch", {{"items", 1}}}}},
                 {"steps", {{{"name", "x"}, {"operation", "retrieve_page"}, {"paginate", true}}}}}})
          .find("retrieve_page is not a list endpoint"),
      std::string::npos);
  EXPECT_NE(error_of({{{"name", "w"},
                       {"trigger", {{"batch", {{"items", 1}}}, {"webhook", {}}}},
                       {"steps", {step}}}})
                .find("exactly one of"),
            std::string::npos);
  EXPECT_NE(error_of({{{"name", "w"},
                       {"trigger", {{"batch", {{"items", 1}}}}},
                       {"steps",
                        {{{"name", "x"},
                          {"operation", "retrieve_page"},
                          {"stack", {{"retry", {{"max_attempts", 0}}}}}}}}}})
                .find("/workload/workflows/0/steps/0/stack"),
            std::string::npos);
  // Gates on workflow metrics must name the scenario's workflows and steps.
  json doc = Base(10);
  doc["workload"] = {
      {"workflows",
       {{{"name", "w"}, {"trigger", {{"batch", {{"items", 1}}}}}, {"steps", {step}}}}}};
  doc["gates"] = {{{"metric", "workflow.w.step.nope.latency_ms.p99"}, {"max", 1}}};
  auto spec = ParseScenario(doc.dump(2), "w.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find("workflow \"w\" has no step \"nope\" (its steps: \"read\")"),
            std::string::npos)
      << spec.error().message;
}

}  // namespace
}  // namespace notion_sim::scenarios
