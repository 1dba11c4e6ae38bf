// ScenarioClient: the client a scenario run hands to the Runner. It routes each logical operation
// to the right stack — Notion calls to the Notion pipeline, the enrich workflow (retrieve a page,
// ask the second upstream, write the answer back) across both — and feeds batch-sync records to
// their checkpoints. Sub-steps of a workflow get their own op ids (high bit set), so the ledger
// and the invariants see each call. Not thread-safe: runs on the loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/batch_sync.h"
#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {

class ScenarioClient final : public engine::Client {
 public:
  // `upstream` may be null when the scenario has no enrich workload. `deadline_us` (0 = none) is
  // the Notion stack's: a workflow is one operation, and its steps share that deadline.
  ScenarioClient(const ScenarioSpec& spec, engine::Loop& loop, engine::Trace& trace,
                 engine::Client& notion, engine::Client* upstream, TimeUs deadline_us = 0);
  ~ScenarioClient() override;

  void Execute(const engine::LogicalOp& op, engine::OpCompletion done) override;
  void Finish() override;

  const std::vector<std::unique_ptr<policies::BatchSync>>& batches() const { return batches_; }
  const policies::DeadLetterQueue* enrich_dlq() const { return enrich_dlq_.get(); }

 private:
  struct Enrich;
  void StartEnrich(const engine::LogicalOp& op, engine::OpCompletion done);
  void AskUpstream(std::uint64_t id);
  void WriteBack(std::uint64_t id, bool placeholder);
  void EndEnrich(std::uint64_t id, engine::OpResult result);
  engine::LogicalOp SubOp(const engine::LogicalOp& parent, engine::Operation operation);
  void ReprocessEnrichment(const engine::LogicalOp& op, policies::DeadLetterQueue::Done done);

  const ScenarioSpec& spec_;
  engine::Loop& loop_;
  engine::Trace& trace_;
  engine::Client& notion_;
  engine::Client* upstream_;
  TimeUs deadline_us_;
  std::vector<std::unique_ptr<policies::BatchSync>> batches_;
  policies::MemoryDeadLetterStore enrich_store_;
  std::unique_ptr<policies::DeadLetterQueue> enrich_dlq_;
  std::map<std::uint64_t, std::unique_ptr<Enrich>> enrich_;
  std::uint64_t next_sub_id_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace notion_sim::scenarios
