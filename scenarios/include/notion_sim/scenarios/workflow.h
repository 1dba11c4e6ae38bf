// Workflows: an integration's call graph as scenario data, run by the scenario's client through
// the same stack as every other call.
//
// A workflow carries items (a page of a batch, a result of a listing, a triggering event) through
// a sequence of steps. Each step is one call of an operation the fake serves (or of the second
// upstream), aimed at the item, the data source or what an earlier step returned, paginated until
// done if asked; a failed step does what its policy says (skip the item, park it in the
// workflow's dead-letter queue, run the item again later, stop the workflow, go on, or branch to a
// later step). Triggers release items: arrivals like a stream's (one item each), a batch of N
// items at once, or webhook events from the fake. With a "list" step, each trigger first lists
// the data source and every result becomes an item. At most `concurrency` items are in flight at
// once (the integration's workers); the rest wait in order.
//
//   "workflows": [{"name": "ai_enrich",
//                  "trigger": {"batch": {"items": 2000}}, "concurrency": 4, "tokens": 2,
//                  "steps": [{"name": "read", "operation": "retrieve_page"},
//                            {"name": "ask", "operation": "upstream_complete",
//                             "on_failure": {"goto": "note"}},
//                            {"name": "write", "operation": "update_page", "then": "end"},
//                            {"name": "note", "operation": "append_blocks"}]}]
//
// The old "enrich" section is the workflow EnrichWorkflow() builds. Parsed by the scenario loader
// (scenario.h), which reports errors with file:line:col and the JSON pointer. Thread-safe as a
// value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/scenarios/arrivals.h"

namespace notion_sim::scenarios {

// What a failed step does to its item. A step "fails" when its call ends failed. A Notion read the
// stack served from its fallback cache is a success when the step aims at an object (a stale copy
// of it), a failure otherwise, and always for the second upstream (a cached completion is an
// earlier answer); a write the stack parked in its own dead-letter queue ends the item as
// dead-lettered (the stack replays that call itself).
enum class OnFailure : std::uint8_t {
  kSkip,        // the item ends failed; the other items go on
  kDeadLetter,  // the item is parked in the workflow's DLQ, replayed later from this step
  kRetryLater,  // the item runs again from its first step after retry_later.after (at most
                // retry_later.max times; then it ends failed)
  kAbort,       // the workflow stops: this item, the waiting ones and every later one end
                // aborted; items already in flight finish their steps
  kContinue,    // go on with the next step; the item ends degraded at best
  kGoto,        // branch to a later step; the item ends degraded at best
};
std::string_view OnFailureName(OnFailure policy);  // "skip", "dead_letter", ...

// What a step's call aims at.
enum class StepTarget : std::uint8_t {
  kItem,        // the item's object (a page; for the second upstream, what the prompt is about)
  kDataSource,  // the workspace's data source
  kStep,        // the object an earlier step returned (a created page, a retrieved one)
  kNone,        // operations without a target (create_page, search, list_users, ...)
};

struct StepSpec {
  std::string name;
  engine::Operation operation = engine::Operation::kRetrievePage;
  StepTarget target = StepTarget::kItem;
  std::uint16_t target_step = 0;  // kStep: the index of the earlier step
  // The request body; null: the operation's default (a unique title for creates).
  engine::Payload body;
  bool paginate = false;        // list endpoints: call again with the next cursor until done
  std::uint16_t page_size = 0;  // list endpoints: 0 = the API's default (100)
  std::uint32_t max_pages = 1000;
  engine::Lane lane = engine::Lane::kNormal;
  // 0: the stack of the operation's dependency (Notion or the second upstream); i > 0: the
  // scenario's step stack i - 1 (ScenarioSpec::step_stacks), the scenario's stack with this
  // step's "stack" overrides, a client of its own.
  std::uint16_t stack = 0;
  OnFailure on_failure = OnFailure::kSkip;
  std::uint16_t goto_step = 0;  // kGoto: a later step
  std::uint16_t next = 0;       // after a success: this step (== steps.size(): the item is done)
};

enum class TriggerKind : std::uint8_t {
  kArrivals,  // one run per arrival of an OpStream-like process
  kBatch,     // `items` runs released at once at `start_us`
  kWebhook,   // one run per webhook event of type `event` the fake delivers
};

struct WorkflowSpec {
  std::string name;
  TriggerKind trigger = TriggerKind::kBatch;
  OpStream arrivals;        // kArrivals (its operation is ignored)
  std::uint64_t items = 1;  // kBatch: items released (with a list: at most this many)
  TimeUs start_us = 0;      // kBatch
  std::string event;        // kWebhook: "page.created", ...
  // A listing run first: each result of every page it lists becomes an item.
  bool has_list = false;
  StepSpec list;
  std::uint64_t max_items = UINT64_MAX;  // with a list: stop listing after this many items
  std::vector<StepSpec> steps;           // at least one
  std::uint32_t concurrency = 0;         // items in flight at once; 0 = unbounded
  std::vector<std::uint16_t> tenants;    // items go round-robin over these tenants' tokens
  engine::Lane lane = engine::Lane::kNormal;
  TimeUs retry_later_us = Sec(60);  // kRetryLater: the wait before the item runs again
  std::uint32_t retry_later_max = 3;
  nlohmann::json dlq;  // the workflow DLQ's settings (policies/dead_letter.h); {} = defaults

  bool UsesUpstream() const;
  bool Writes() const;
};

// The usual AI-enrichment pipeline (read a page, ask the second upstream, write the answer
// back) as a workflow: `degrade_placeholder` false parks a failed enrichment in the DLQ, true
// writes "temporarily unavailable" instead (the item ends degraded). `name` names it.
WorkflowSpec EnrichWorkflow(const std::string& name, const OpStream& arrivals,
                            bool degrade_placeholder);

}  // namespace notion_sim::scenarios
