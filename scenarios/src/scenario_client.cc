#include "scenario_client.h"

#include <utility>

namespace notion_sim::scenarios {

ScenarioClient::ScenarioClient(const ScenarioSpec& spec, engine::Loop& loop, engine::Trace& trace,
                               engine::Client& notion, engine::Client* upstream,
                               std::vector<engine::Client*> step_stacks,
                               engine::ObjectId data_source, TimeUs deadline_us)
    : spec_(spec),
      loop_(loop),
      notion_(notion),
      upstream_(upstream),
      step_stacks_(step_stacks),
      workflows_(spec, loop, trace,
                 WorkflowEngine::Clients{&notion, upstream, std::move(step_stacks)}, data_source,
                 deadline_us) {
  for (std::size_t i = 0; i < spec_.batches.size(); ++i) {
    batches_.push_back(
        std::make_unique<policies::BatchSync>(&trace, static_cast<std::uint16_t>(i + 1),
                                              spec_.batches[i].approach == CheckpointApproach::kA
                                                  ? policies::CheckpointMode::kAdvanceOnSuccess
                                                  : policies::CheckpointMode::kAdvanceWithDlq));
  }
}

ScenarioClient::~ScenarioClient() = default;

void ScenarioClient::Execute(const engine::LogicalOp& op, engine::OpCompletion done) {
  if (op.workflow != 0 && op.workflow <= spec_.workflows.size()) {
    workflows_.Start(op, std::move(done));
    return;
  }
  if (op.batch == 0 || op.batch > batches_.size()) {
    notion_.Execute(op, std::move(done));
    return;
  }
  engine::LogicalOp record = op;
  // Approach B advances fully with failures in the DLQ: a record the API refuses (a validation
  // error, say) is parked for manual review instead of holding the checkpoint.
  record.park_failures =
      batches_[op.batch - 1]->mode() == policies::CheckpointMode::kAdvanceWithDlq;
  notion_.Execute(record, [this, record, done = std::move(done)](engine::OpResult result) {
    // The checkpoint refuses nothing here: each record is reported once, when its op ends.
    (void)batches_[record.batch - 1]->OnOpFinished(loop_.NowUs(), record, result.status);
    done(std::move(result));
  });
}

void ScenarioClient::Finish() {
  notion_.Finish();
  if (upstream_ != nullptr) upstream_->Finish();
  for (engine::Client* c : step_stacks_) c->Finish();
  workflows_.Finish();
}

}  // namespace notion_sim::scenarios
