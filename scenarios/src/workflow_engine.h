// WorkflowEngine: carries the items of a scenario's workflows (notion_sim/scenarios/workflow.h)
// through their steps, each step one logical call through the stack of its dependency (or its
// own), and ends every item exactly once.
//
// A workflow run is a logical operation the Runner started (LogicalOp::workflow = 1 + the
// workflow's index); it releases one item (its `target`), or, with a "list" step, one item per
// result of the listing, and ends when all of them have. Webhook events release items outside any
// run. Calls get step ids (engine::kSubOperationBit), items item ids (engine::kWorkflowItemBit);
// the trace shows kItemStarted / kStepDone / kItemFinished for each. At most `concurrency` items
// of a workflow are in flight; the others wait in release order. Per item the engine keeps a
// small record while it is in flight and a smaller one while it waits, nothing after it ended
// (but for dead-lettered items, what their replay needs). No JSON is built but a create's unique
// title. Not thread-safe: runs on the loop.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {

class WorkflowEngine {
 public:
  // Where each step's call goes: Notion's stack, the second upstream's (may be null when no
  // workflow calls it) and the steps' own stacks (ScenarioSpec::step_stacks, same order).
  struct Clients {
    engine::Client* notion = nullptr;
    engine::Client* upstream = nullptr;
    std::vector<engine::Client*> steps;
  };

  // `data_source` is what steps aimed at "data_source" (and listings) call, and the parent of
  // pages steps create. `deadline_us` (0 = none), the Notion stack's, bounds each item from the
  // moment a worker takes it: its steps share that deadline (LogicalOp::deadline_at_us), as the
  // calls of one operation do. Listing calls and dead-letter replays have only their stacks' own.
  WorkflowEngine(const ScenarioSpec& spec, engine::Loop& loop, engine::Trace& trace,
                 Clients clients, engine::ObjectId data_source, TimeUs deadline_us = 0);
  ~WorkflowEngine();
  WorkflowEngine(const WorkflowEngine&) = delete;
  WorkflowEngine& operator=(const WorkflowEngine&) = delete;

  // Starts a run (op.workflow > 0). `done` runs once, later, when all its items have ended.
  void Start(const engine::LogicalOp& run, engine::OpCompletion done);

  // The webhook trigger's door: the fake delivered an event of `type` about `entity`. Each
  // workflow triggered by that type releases one item aimed at `entity` (outside any run; its
  // tenant is the workflow's next, round-robin). Returns how many workflows took it.
  std::size_t OnWebhook(std::string_view type, engine::ObjectId entity);

  // Stops the dead-letter queues' timers (entries stay).
  void Finish();

  // Workflows' dead-letter queues (null where a workflow parks nothing), by workflow index.
  const policies::DeadLetterQueue* dlq(std::size_t workflow) const;

 private:
  struct Flow;
  struct Run;
  struct Item;
  struct Waiting;

  void Release(Flow& flow, std::uint64_t run, engine::ObjectId target, std::uint16_t tenant);
  void Fill(Flow& flow);
  void Activate(Flow& flow, const Waiting& w);
  void RunStep(std::uint64_t item_id);
  void OnStep(std::uint64_t item_id, engine::OpResult result);
  void StepFailed(Item& item);
  void Advance(Item& item, std::uint16_t next);
  void EndItem(std::uint64_t item_id, engine::ItemOutcome outcome);
  void EndWaiting(Flow& flow, const Waiting& w, engine::ItemOutcome outcome);
  void ItemEnded(std::uint64_t run_id, std::uint32_t attempts, engine::ItemOutcome outcome,
                 const engine::Response* last);
  void Abort(Flow& flow);
  void ListNext(std::uint64_t run_id);
  void OnList(std::uint64_t run_id, engine::OpResult result);
  void MaybeEndRun(std::uint64_t run_id);
  void Replay(std::size_t workflow, const engine::LogicalOp& op,
              policies::DeadLetterQueue::Done done);
  engine::LogicalOp Call(const Flow& flow, const StepSpec& step, const Item* item,
                         engine::ObjectId target, std::uint16_t tenant, engine::Lane lane);
  engine::Client& ClientFor(const StepSpec& step);

  const ScenarioSpec& spec_;
  engine::Loop& loop_;
  engine::Trace& trace_;
  Clients clients_;
  engine::ObjectId data_source_;
  TimeUs deadline_us_;
  std::vector<std::unique_ptr<Flow>> flows_;
  std::map<std::uint64_t, std::unique_ptr<Run>> runs_;    // by the run's op id
  std::map<std::uint64_t, std::unique_ptr<Item>> items_;  // in flight (replays included)
  std::uint64_t next_call_ = 1;
  std::uint64_t next_item_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace notion_sim::scenarios
