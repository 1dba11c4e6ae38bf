#include "scenario_client.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace notion_sim::scenarios {
namespace {

constexpr std::uint64_t kSubOpBit = 1ULL << 62;

engine::Payload AnswerPayload(const std::string& text) {
  return std::make_shared<const nlohmann::json>(nlohmann::json{
      {"properties", {{"Summary", {{"rich_text", {{{"text", {{"content", text}}}}}}}}}}});
}

}  // namespace

struct ScenarioClient::Enrich {
  engine::LogicalOp op;
  engine::OpCompletion done;
  std::uint32_t attempts = 0;
  bool replay = false;  // a DLQ reprocess of the upstream + write-back steps
  policies::DeadLetterQueue::Done replay_done;
};

ScenarioClient::ScenarioClient(const ScenarioSpec& spec, engine::Loop& loop, engine::Trace& trace,
                               engine::Client& notion, engine::Client* upstream, TimeUs deadline_us)
    : spec_(spec),
      loop_(loop),
      trace_(trace),
      notion_(notion),
      upstream_(upstream),
      deadline_us_(deadline_us) {
  for (std::size_t i = 0; i < spec_.batches.size(); ++i) {
    batches_.push_back(
        std::make_unique<policies::BatchSync>(&trace_, static_cast<std::uint16_t>(i + 1),
                                              spec_.batches[i].approach == CheckpointApproach::kA
                                                  ? policies::CheckpointMode::kAdvanceOnSuccess
                                                  : policies::CheckpointMode::kAdvanceWithDlq));
  }
  if (!spec_.enrich.empty()) {
    enrich_dlq_ = std::make_unique<policies::DeadLetterQueue>(
        loop_, &trace_, enrich_store_, policies::DlqConfig{},
        [this](const engine::LogicalOp& op, policies::DeadLetterQueue::Done done) {
          ReprocessEnrichment(op, std::move(done));
        });
  }
}

ScenarioClient::~ScenarioClient() { *alive_ = false; }

void ScenarioClient::Execute(const engine::LogicalOp& op, engine::OpCompletion done) {
  if (op.workflow == engine::Workflow::kEnrich && upstream_ != nullptr) {
    StartEnrich(op, std::move(done));
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
  if (enrich_dlq_) enrich_dlq_->Stop();
}

engine::LogicalOp ScenarioClient::SubOp(const engine::LogicalOp& parent,
                                        engine::Operation operation) {
  engine::LogicalOp sub = parent;
  sub.op_id = kSubOpBit | next_sub_id_++;
  sub.operation = operation;
  sub.workflow = engine::Workflow::kSingle;
  sub.payload = nullptr;
  return sub;
}

void ScenarioClient::StartEnrich(const engine::LogicalOp& op, engine::OpCompletion done) {
  auto e = std::make_unique<Enrich>();
  e->op = op;
  if (deadline_us_ > 0) e->op.deadline_at_us = loop_.NowUs() + deadline_us_;
  e->done = std::move(done);
  const std::uint64_t id = op.op_id;
  enrich_[id] = std::move(e);
  notion_.Execute(SubOp(op, engine::Operation::kRetrievePage),
                  [this, id, alive = alive_](engine::OpResult result) {
                    if (!*alive) return;
                    auto it = enrich_.find(id);
                    if (it == enrich_.end()) return;
                    it->second->attempts += result.attempts;
                    if (result.status != engine::OpStatus::kSucceeded &&
                        result.status != engine::OpStatus::kServedFallback) {
                      EndEnrich(id, std::move(result));  // nothing to enrich without the page
                      return;
                    }
                    AskUpstream(id);
                  });
}

void ScenarioClient::AskUpstream(std::uint64_t id) {
  Enrich& e = *enrich_.at(id);
  upstream_->Execute(
      SubOp(e.op, engine::Operation::kUpstreamComplete),
      [this, id, alive = alive_](engine::OpResult result) {
        if (!*alive) return;
        auto it = enrich_.find(id);
        if (it == enrich_.end()) return;
        Enrich& en = *it->second;
        en.attempts += result.attempts;
        if (result.status == engine::OpStatus::kSucceeded) {
          WriteBack(id, /*placeholder=*/false);
          return;
        }
        // The upstream is down: Notion work goes on; the enrichment degrades.
        if (en.replay) {
          EndEnrich(id, std::move(result));
          return;
        }
        const EnrichDegrade degrade =
            spec_.enrich.empty() ? EnrichDegrade::kDeadLetter : spec_.enrich.front().degrade;
        if (degrade == EnrichDegrade::kPlaceholder) {
          WriteBack(id, /*placeholder=*/true);
          return;
        }
        auto parked = enrich_dlq_->Enqueue(en.op, "upstream_complete failed", en.attempts);
        engine::OpResult out;
        out.attempts = en.attempts;
        out.last = std::move(result.last);
        out.status = parked.ok() ? engine::OpStatus::kDeadLettered : engine::OpStatus::kFailed;
        EndEnrich(id, std::move(out));
      });
}

void ScenarioClient::WriteBack(std::uint64_t id, bool placeholder) {
  Enrich& e = *enrich_.at(id);
  engine::LogicalOp write = SubOp(e.op, engine::Operation::kUpdatePage);
  write.payload = AnswerPayload(placeholder ? "temporarily unavailable" : "enriched");
  notion_.Execute(write, [this, id, placeholder, alive = alive_](engine::OpResult result) {
    if (!*alive) return;
    auto it = enrich_.find(id);
    if (it == enrich_.end()) return;
    it->second->attempts += result.attempts;
    if (placeholder && result.status == engine::OpStatus::kSucceeded) {
      result.status = engine::OpStatus::kServedFallback;
    }
    EndEnrich(id, std::move(result));
  });
}

void ScenarioClient::EndEnrich(std::uint64_t id, engine::OpResult result) {
  auto it = enrich_.find(id);
  if (it == enrich_.end()) return;
  std::unique_ptr<Enrich> e = std::move(it->second);
  enrich_.erase(it);
  result.attempts = e->attempts;
  if (e->replay) {
    const bool ok = result.status == engine::OpStatus::kSucceeded;
    e->replay_done(ok, ok ? "" : "enrichment failed again");
    return;
  }
  e->done(std::move(result));
}

void ScenarioClient::ReprocessEnrichment(const engine::LogicalOp& op,
                                         policies::DeadLetterQueue::Done done) {
  // The page was read before; the replay asks the upstream again and writes the answer back.
  // Replays use their own key so they never collide with a live operation's entry.
  const std::uint64_t id = kSubOpBit | (1ULL << 61) | next_sub_id_++;
  auto e = std::make_unique<Enrich>();
  e->op = op;
  e->op.deadline_at_us = kTimeNever;  // a replay comes after its operation ended
  e->replay = true;
  e->replay_done = std::move(done);
  enrich_[id] = std::move(e);
  AskUpstream(id);
}

}  // namespace notion_sim::scenarios
