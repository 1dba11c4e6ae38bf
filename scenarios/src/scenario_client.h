// ScenarioClient: the client a scenario run hands to the Runner. It routes each logical operation
// to the right place — single calls to the Notion stack, workflow runs (the old enrich pipeline
// among them) to the WorkflowEngine, which carries their items through their steps across the
// Notion stack, the second upstream's and the steps' own — and feeds batch-sync records to their
// checkpoints. Not thread-safe: runs on the loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/batch_sync.h"
#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/scenarios/scenario.h"
#include "workflow_engine.h"

namespace notion_sim::scenarios {

class ScenarioClient final : public engine::Client {
 public:
  // `upstream` may be null when no workflow calls the second upstream; `step_stacks` are the
  // clients of ScenarioSpec::step_stacks, in order; `data_source` is the workspace's (workflows
  // query it and create pages under it). `deadline_us` (0 = none) is the Notion stack's: an item
  // of a workflow is one piece of work, and its steps share that deadline.
  ScenarioClient(const ScenarioSpec& spec, engine::Loop& loop, engine::Trace& trace,
                 engine::Client& notion, engine::Client* upstream,
                 std::vector<engine::Client*> step_stacks, engine::ObjectId data_source,
                 TimeUs deadline_us = 0);
  ~ScenarioClient() override;

  void Execute(const engine::LogicalOp& op, engine::OpCompletion done) override;
  void Finish() override;

  // The webhook trigger's door (WorkflowEngine::OnWebhook).
  std::size_t OnWebhook(std::string_view type, engine::ObjectId entity) {
    return workflows_.OnWebhook(type, entity);
  }

  const std::vector<std::unique_ptr<policies::BatchSync>>& batches() const { return batches_; }
  const WorkflowEngine& workflows() const { return workflows_; }

 private:
  const ScenarioSpec& spec_;
  engine::Loop& loop_;
  engine::Client& notion_;
  engine::Client* upstream_;
  std::vector<engine::Client*> step_stacks_;
  std::vector<std::unique_ptr<policies::BatchSync>> batches_;
  WorkflowEngine workflows_;
};

}  // namespace notion_sim::scenarios
