#include "workflow_engine.h"

#include <array>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"

namespace notion_sim::scenarios {
namespace {

using engine::ItemOutcome;
using engine::OpStatus;

// A listing lists its next page while fewer items than this wait for a worker.
constexpr std::size_t kListAhead = 200;

constexpr std::uint64_t kItemIdBits = engine::kSubOperationBit | engine::kWorkflowItemBit;

engine::Payload Json(nlohmann::json j) {
  return std::make_shared<const nlohmann::json>(std::move(j));
}

nlohmann::json RichText(const std::string& text) {
  return nlohmann::json::array({{{"text", {{"content", text}}}}});
}

// The body a step sends when the scenario gives none (creates get a unique title instead).
engine::Payload DefaultBody(engine::Operation op) {
  static const engine::Payload kUpdate =
      Json({{"properties", {{"Status", {{"rich_text", RichText("synced")}}}}}});
  static const engine::Payload kAppend = Json(
      {{"children", nlohmann::json::array({{{"object", "block"},
                                            {"type", "paragraph"},
                                            {"paragraph", {{"rich_text", RichText("note")}}}}})}});
  static const engine::Payload kBlock = Json({{"paragraph", {{"rich_text", RichText("edited")}}}});
  static const engine::Payload kSearch = Json({{"query", "notion-sim"}, {"page_size", 100}});
  switch (op) {
    case engine::Operation::kUpdatePage:
      return kUpdate;
    case engine::Operation::kAppendBlocks:
      return kAppend;
    case engine::Operation::kUpdateBlock:
      return kBlock;
    case engine::Operation::kSearch:
      return kSearch;
    default:
      return nullptr;
  }
}

// A Notion read served from the stack's fallback cache is a stale copy of the object the step
// aimed at: a success for the step. A cached completion of the second upstream is an earlier
// answer, not this one; a step without a target has no copy of its own: both failed.
bool Ok(const StepSpec& step, OpStatus s) {
  return s == OpStatus::kSucceeded ||
         (s == OpStatus::kServedFallback && step.target != StepTarget::kNone &&
          step.operation != engine::Operation::kUpstreamComplete);
}

}  // namespace

// An item waiting for a worker (released, or back from a "retry_later" wait).
struct WorkflowEngine::Waiting {
  std::uint64_t id = 0;
  std::uint64_t run = 0;  // 0: released by a webhook, outside any run
  engine::ObjectId target;
  std::uint16_t tenant = 0;
  TimeUs released_us = 0;
  std::uint32_t attempts = 0;
  std::uint32_t retries = 0;
};

struct WorkflowEngine::Flow {
  std::size_t index = 0;
  const WorkflowSpec* spec = nullptr;
  std::uint32_t active = 0;
  std::deque<Waiting> waiting;
  std::deque<std::uint64_t> paused_lists;  // runs whose listing waits for the queue to shrink
  bool aborted = false;
  bool tracks_objects = false;  // some step aims at what an earlier step returned
  std::uint64_t released = 0;   // items released (round-robin over the tenants)
  policies::MemoryDeadLetterStore store;
  std::unique_ptr<policies::DeadLetterQueue> dlq;
  // Dead-lettered items: where their replay resumes.
  struct Parked {
    std::uint16_t step = 0;
    std::vector<engine::ObjectId> objects;
  };
  std::map<std::uint64_t, Parked> parked;
};

struct WorkflowEngine::Run {
  engine::LogicalOp op;
  engine::OpCompletion done;
  std::size_t flow = 0;
  std::uint32_t open_items = 0;
  std::uint32_t attempts = 0;
  std::array<std::uint32_t, engine::kItemOutcomeCount> outcomes{};
  bool listing = false;
  bool list_failed = false;
  std::uint64_t cursor = 0;
  std::uint32_t pages = 0;
  std::uint64_t listed = 0;
  TimeUs page_started_us = 0;
  engine::Response last;
};

struct WorkflowEngine::Item {
  std::uint64_t id = 0;
  std::uint64_t run = 0;
  std::size_t flow = 0;
  engine::ObjectId target;
  std::uint16_t tenant = 0;
  TimeUs released_us = 0;
  TimeUs deadline_at_us = kTimeNever;  // its steps share it (a replay has none)
  std::uint32_t attempts = 0;
  std::uint32_t retries = 0;
  std::uint16_t step = 0;
  TimeUs step_started_us = 0;
  std::uint64_t cursor = 0;
  std::uint32_t pages = 0;       // pages of the current step fetched so far
  std::uint32_t step_calls = 0;  // attempts of the current step so far
  bool degraded = false;
  std::vector<engine::ObjectId> objects;  // by step, when the flow tracks them
  bool replay = false;
  policies::DeadLetterQueue::Done replay_done;
  engine::Response last;
};

WorkflowEngine::WorkflowEngine(const ScenarioSpec& spec, engine::Loop& loop, engine::Trace& trace,
                               Clients clients, engine::ObjectId data_source, TimeUs deadline_us)
    : spec_(spec),
      loop_(loop),
      trace_(trace),
      clients_(std::move(clients)),
      data_source_(data_source),
      deadline_us_(deadline_us) {
  for (std::size_t i = 0; i < spec_.workflows.size(); ++i) {
    const WorkflowSpec& wf = spec_.workflows[i];
    auto flow = std::make_unique<Flow>();
    flow->index = i;
    flow->spec = &wf;
    bool parks = false;
    for (const StepSpec& s : wf.steps) {
      if (s.target == StepTarget::kStep) flow->tracks_objects = true;
      if (s.on_failure == OnFailure::kDeadLetter) parks = true;
    }
    if (parks) {
      policies::DlqConfig config;
      if (wf.dlq.is_object() && !wf.dlq.empty()) {
        // Validated when the scenario was loaded.
        if (auto doc = engine::JsonDocument::Parse(wf.dlq.dump(), spec_.path); doc.ok()) {
          engine::JsonReader reader(*doc);
          engine::ObjectReader root = reader.Root();
          if (auto parsed = policies::ParseDlqConfig(root, config); parsed.ok()) config = *parsed;
        }
      }
      flow->dlq = std::make_unique<policies::DeadLetterQueue>(
          loop_, &trace_, flow->store, config,
          [this, i](const engine::LogicalOp& op, policies::DeadLetterQueue::Done done) {
            Replay(i, op, std::move(done));
          });
    }
    flows_.push_back(std::move(flow));
  }
}

WorkflowEngine::~WorkflowEngine() { *alive_ = false; }

const policies::DeadLetterQueue* WorkflowEngine::dlq(std::size_t workflow) const {
  return workflow < flows_.size() ? flows_[workflow]->dlq.get() : nullptr;
}

void WorkflowEngine::Finish() {
  for (const auto& flow : flows_) {
    if (flow->dlq) flow->dlq->Stop();
  }
}

engine::Client& WorkflowEngine::ClientFor(const StepSpec& step) {
  if (step.stack > 0 && step.stack <= clients_.steps.size()) return *clients_.steps[step.stack - 1];
  if (step.operation == engine::Operation::kUpstreamComplete && clients_.upstream != nullptr) {
    return *clients_.upstream;
  }
  return *clients_.notion;
}

engine::LogicalOp WorkflowEngine::Call(const Flow& flow, const StepSpec& step, const Item* item,
                                       engine::ObjectId target, std::uint16_t tenant,
                                       engine::Lane lane) {
  engine::LogicalOp call;
  call.op_id = engine::kSubOperationBit | next_call_++;
  call.operation = step.operation;
  call.tenant = tenant;
  call.lane = lane;
  call.target = target;
  call.parent = data_source_;
  call.arrival_us = loop_.NowUs();
  call.page_size = step.page_size;
  call.payload = step.body != nullptr ? step.body : DefaultBody(step.operation);
  if (step.operation == engine::Operation::kCreatePage && item != nullptr) {
    // A unique title per item: a content-derived idempotency key must not collide between two
    // creates the workflow meant as different pages.
    nlohmann::json body = step.body != nullptr ? *step.body : nlohmann::json::object();
    body["properties"]["Name"] = {
        {"title", RichText(flow.spec->name + " " + std::to_string(item->id & ~kItemIdBits))}};
    call.payload = Json(std::move(body));
  }
  return call;
}

// --- runs and items ---------------------------------------------------------------------------

void WorkflowEngine::Start(const engine::LogicalOp& run, engine::OpCompletion done) {
  const std::size_t index = static_cast<std::size_t>(run.workflow) - 1;
  auto r = std::make_unique<Run>();
  r->op = run;
  r->done = std::move(done);
  r->flow = index;
  const std::uint64_t id = run.op_id;
  runs_[id] = std::move(r);
  Flow& flow = *flows_.at(index);
  if (flow.aborted) {
    // The workflow stopped: the run's item ends aborted, later (never inside Execute).
    loop_.ScheduleAt(loop_.NowUs(),
                     [this, id, target = run.target, tenant = run.tenant, alive = alive_] {
                       if (!*alive) return;
                       Flow& f = *flows_[runs_.at(id)->flow];
                       if (f.spec->has_list) {
                         MaybeEndRun(id);
                       } else {
                         Release(f, id, target, tenant);
                       }
                     });
    return;
  }
  if (flow.spec->has_list) {
    runs_[id]->listing = true;
    ListNext(id);
    return;
  }
  Release(flow, id, run.target, run.tenant);
}

std::size_t WorkflowEngine::OnWebhook(std::string_view type, engine::ObjectId entity) {
  std::size_t taken = 0;
  for (const auto& flow : flows_) {
    const WorkflowSpec& wf = *flow->spec;
    if (wf.trigger != TriggerKind::kWebhook || wf.event != type) continue;
    ++taken;
    Release(*flow, 0, entity, wf.tenants[flow->released % wf.tenants.size()]);
  }
  return taken;
}

void WorkflowEngine::Release(Flow& flow, std::uint64_t run, engine::ObjectId target,
                             std::uint16_t tenant) {
  const std::uint64_t id = kItemIdBits | next_item_++;
  const TimeUs now = loop_.NowUs();
  ++flow.released;
  trace_.Emit(engine::EventKind::kItemStarted, now, id, 0, static_cast<std::uint16_t>(flow.index),
              static_cast<std::int64_t>(run), 0);
  if (run != 0) ++runs_.at(run)->open_items;
  Waiting w{id, run, target, tenant, now, 0, 0};
  if (flow.aborted) {
    EndWaiting(flow, w, ItemOutcome::kAborted);
    return;
  }
  flow.waiting.push_back(w);
  Fill(flow);
}

void WorkflowEngine::Fill(Flow& flow) {
  const std::uint32_t limit = flow.spec->concurrency;
  while (!flow.waiting.empty() && !flow.aborted && (limit == 0 || flow.active < limit)) {
    const Waiting w = flow.waiting.front();
    flow.waiting.pop_front();
    Activate(flow, w);
  }
  while (!flow.paused_lists.empty() && !flow.aborted && flow.waiting.size() < kListAhead) {
    const std::uint64_t run = flow.paused_lists.front();
    flow.paused_lists.pop_front();
    ListNext(run);
  }
}

void WorkflowEngine::Activate(Flow& flow, const Waiting& w) {
  auto item = std::make_unique<Item>();
  item->id = w.id;
  item->run = w.run;
  item->flow = flow.index;
  item->target = w.target;
  item->tenant = w.tenant;
  item->released_us = w.released_us;
  item->attempts = w.attempts;
  item->retries = w.retries;
  if (deadline_us_ > 0) item->deadline_at_us = loop_.NowUs() + deadline_us_;
  if (flow.tracks_objects) item->objects.resize(flow.spec->steps.size());
  ++flow.active;
  items_[w.id] = std::move(item);
  RunStep(w.id);
}

void WorkflowEngine::RunStep(std::uint64_t item_id) {
  Item& item = *items_.at(item_id);
  const Flow& flow = *flows_[item.flow];
  const StepSpec& step = flow.spec->steps[item.step];
  if (item.pages == 0) item.step_started_us = loop_.NowUs();
  engine::ObjectId target;
  switch (step.target) {
    case StepTarget::kItem:
      target = item.target;
      break;
    case StepTarget::kDataSource:
      target = data_source_;
      break;
    case StepTarget::kStep:
      target = item.objects[step.target_step];
      break;
    case StepTarget::kNone:
      break;
  }
  engine::LogicalOp call = Call(flow, step, &item, target, item.tenant, step.lane);
  call.start_cursor = item.cursor;
  call.deadline_at_us = item.deadline_at_us;
  ClientFor(step).Execute(call, [this, item_id, alive = alive_](engine::OpResult result) {
    if (!*alive) return;
    OnStep(item_id, std::move(result));
  });
}

void WorkflowEngine::OnStep(std::uint64_t item_id, engine::OpResult result) {
  auto it = items_.find(item_id);
  if (it == items_.end()) return;
  Item& item = *it->second;
  const Flow& flow = *flows_[item.flow];
  const StepSpec& step = flow.spec->steps[item.step];
  item.attempts += result.attempts;
  item.step_calls += result.attempts;
  if (Ok(step, result.status) && step.paginate && result.last.has_more &&
      item.pages + 1 < step.max_pages) {
    ++item.pages;
    item.cursor = result.last.next_cursor;
    RunStep(item_id);
    return;
  }
  if (!item.replay) {
    trace_.Emit(engine::EventKind::kStepDone, loop_.NowUs(), item.id, item.step,
                static_cast<std::uint16_t>(item.flow),
                static_cast<std::int64_t>(result.status) + 256 * std::int64_t{item.step_calls},
                loop_.NowUs() - item.step_started_us);
  }
  if (Ok(step, result.status)) {
    if (flow.tracks_objects) item.objects[item.step] = result.last.object_id;
    item.last = std::move(result.last);
    Advance(item, step.next);
    return;
  }
  item.last = std::move(result.last);
  if (item.replay) {
    policies::DeadLetterQueue::Done done = std::move(item.replay_done);
    const std::string error = step.name + " failed again";
    items_.erase(it);
    done(false, error);
    return;
  }
  if (result.status == OpStatus::kDeadLettered) {
    // The stack parked the call in its own queue and replays it itself.
    EndItem(item_id, ItemOutcome::kDeadLettered);
    return;
  }
  StepFailed(item);
}

void WorkflowEngine::Advance(Item& item, std::uint16_t next) {
  Flow& flow = *flows_[item.flow];
  item.cursor = 0;
  item.pages = 0;
  item.step_calls = 0;
  item.step = next;
  if (next < flow.spec->steps.size()) {
    RunStep(item.id);
    return;
  }
  const std::uint64_t id = item.id;
  if (item.replay) {
    flow.parked.erase(id);
    policies::DeadLetterQueue::Done done = std::move(item.replay_done);
    items_.erase(id);
    done(true, "");
    return;
  }
  EndItem(id, item.degraded ? ItemOutcome::kDegraded : ItemOutcome::kSucceeded);
}

void WorkflowEngine::StepFailed(Item& item) {
  Flow& flow = *flows_[item.flow];
  const StepSpec& step = flow.spec->steps[item.step];
  switch (step.on_failure) {
    case OnFailure::kSkip:
      EndItem(item.id, ItemOutcome::kFailed);
      return;
    case OnFailure::kDeadLetter: {
      engine::LogicalOp op;
      op.op_id = item.id;
      op.operation = step.operation;
      op.tenant = item.tenant;
      op.lane = step.lane;
      op.target = item.target;
      op.parent = data_source_;
      op.arrival_us = item.released_us;
      auto parked = flow.dlq->Enqueue(op, step.name + " failed", item.attempts);
      if (parked.ok()) flow.parked[item.id] = Flow::Parked{item.step, item.objects};
      EndItem(item.id, parked.ok() ? ItemOutcome::kDeadLettered : ItemOutcome::kFailed);
      return;
    }
    case OnFailure::kRetryLater: {
      if (item.retries >= flow.spec->retry_later_max) {
        EndItem(item.id, ItemOutcome::kFailed);
        return;
      }
      // The item leaves its worker and comes back to the queue after the wait.
      const Waiting w{item.id,          item.run,      item.target,     item.tenant,
                      item.released_us, item.attempts, item.retries + 1};
      items_.erase(w.id);
      --flow.active;
      const std::size_t index = flow.index;
      loop_.ScheduleAt(loop_.NowUs() + flow.spec->retry_later_us, [this, index, w, alive = alive_] {
        if (!*alive) return;
        Flow& f = *flows_[index];
        if (f.aborted) {
          EndWaiting(f, w, ItemOutcome::kAborted);
          return;
        }
        f.waiting.push_back(w);
        Fill(f);
      });
      Fill(flow);
      return;
    }
    case OnFailure::kAbort:
      flow.aborted = true;
      EndItem(item.id, ItemOutcome::kAborted);
      Abort(flow);
      return;
    case OnFailure::kContinue:
      item.degraded = true;
      Advance(item, static_cast<std::uint16_t>(item.step + 1));
      return;
    case OnFailure::kGoto:
      item.degraded = true;
      Advance(item, step.goto_step);
      return;
  }
}

void WorkflowEngine::EndItem(std::uint64_t item_id, ItemOutcome outcome) {
  auto it = items_.find(item_id);
  if (it == items_.end()) return;
  std::unique_ptr<Item> item = std::move(it->second);
  items_.erase(it);
  Flow& flow = *flows_[item->flow];
  --flow.active;
  const TimeUs now = loop_.NowUs();
  trace_.Emit(engine::EventKind::kItemFinished, now, item->id, item->attempts,
              static_cast<std::uint16_t>(flow.index), static_cast<std::int64_t>(outcome),
              now - item->released_us);
  ItemEnded(item->run, item->attempts, outcome, &item->last);
  Fill(flow);
}

void WorkflowEngine::EndWaiting(Flow& flow, const Waiting& w, ItemOutcome outcome) {
  const TimeUs now = loop_.NowUs();
  trace_.Emit(engine::EventKind::kItemFinished, now, w.id, w.attempts,
              static_cast<std::uint16_t>(flow.index), static_cast<std::int64_t>(outcome),
              now - w.released_us);
  ItemEnded(w.run, w.attempts, outcome, nullptr);
}

void WorkflowEngine::ItemEnded(std::uint64_t run_id, std::uint32_t attempts, ItemOutcome outcome,
                               const engine::Response* last) {
  if (run_id == 0) return;
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  run.attempts += attempts;
  ++run.outcomes[static_cast<std::size_t>(outcome)];
  if (last != nullptr) run.last = *last;
  --run.open_items;
  MaybeEndRun(run_id);
}

void WorkflowEngine::Abort(Flow& flow) {
  flow.aborted = true;
  while (!flow.waiting.empty()) {
    const Waiting w = flow.waiting.front();
    flow.waiting.pop_front();
    EndWaiting(flow, w, ItemOutcome::kAborted);
  }
  std::deque<std::uint64_t> paused;
  paused.swap(flow.paused_lists);
  for (std::uint64_t run : paused) {
    auto it = runs_.find(run);
    if (it == runs_.end()) continue;
    it->second->listing = false;
    MaybeEndRun(run);
  }
}

void WorkflowEngine::MaybeEndRun(std::uint64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  if (run.open_items > 0 || run.listing) return;
  auto count = [&](ItemOutcome o) { return run.outcomes[static_cast<std::size_t>(o)]; };
  engine::OpResult result;
  // The run's status is its worst item's (one item: that item's).
  if (run.list_failed || count(ItemOutcome::kFailed) > 0 || count(ItemOutcome::kAborted) > 0) {
    result.status = OpStatus::kFailed;
  } else if (count(ItemOutcome::kDeadLettered) > 0) {
    result.status = OpStatus::kDeadLettered;
  } else if (count(ItemOutcome::kDegraded) > 0) {
    result.status = OpStatus::kServedFallback;
  } else {
    result.status = OpStatus::kSucceeded;
  }
  result.attempts = run.attempts;
  result.last = std::move(run.last);
  engine::OpCompletion done = std::move(run.done);
  runs_.erase(it);
  done(std::move(result));
}

// --- listing ------------------------------------------------------------------------------------

void WorkflowEngine::ListNext(std::uint64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  Flow& flow = *flows_[run.flow];
  if (flow.aborted) {
    run.listing = false;
    MaybeEndRun(run_id);
    return;
  }
  run.page_started_us = loop_.NowUs();
  const StepSpec& list = flow.spec->list;
  engine::LogicalOp call = Call(flow, list, nullptr, data_source_, run.op.tenant, list.lane);
  call.start_cursor = run.cursor;
  ClientFor(list).Execute(call, [this, run_id, alive = alive_](engine::OpResult result) {
    if (!*alive) return;
    OnList(run_id, std::move(result));
  });
}

void WorkflowEngine::OnList(std::uint64_t run_id, engine::OpResult result) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  Flow& flow = *flows_[run.flow];
  const WorkflowSpec& wf = *flow.spec;
  run.attempts += result.attempts;
  // The listing is step number steps.size() of its workflow; its op id is the run's.
  trace_.Emit(engine::EventKind::kStepDone, loop_.NowUs(), run_id,
              static_cast<std::uint32_t>(wf.steps.size()), static_cast<std::uint16_t>(flow.index),
              static_cast<std::int64_t>(result.status) + 256 * std::int64_t{result.attempts},
              loop_.NowUs() - run.page_started_us);
  if (!Ok(wf.list, result.status)) {
    run.listing = false;
    run.list_failed = true;
    run.last = std::move(result.last);
    if (wf.list.on_failure == OnFailure::kAbort) Abort(flow);
    MaybeEndRun(run_id);
    return;
  }
  ++run.pages;
  run.cursor = result.last.next_cursor;
  const bool more = result.last.has_more && run.pages < wf.list.max_pages;
  for (const engine::ObjectId& id : result.last.result_ids) {
    if (run.listed >= wf.max_items || flow.aborted) break;
    ++run.listed;
    // Releasing may end items synchronously only when the flow is aborted; the run lives on
    // while it is listing.
    Release(flow, run_id, id, wf.tenants[flow.released % wf.tenants.size()]);
  }
  auto again = runs_.find(run_id);
  if (again == runs_.end()) return;
  Run& r = *again->second;
  if (!more || r.listed >= wf.max_items || flow.aborted) {
    r.listing = false;
    MaybeEndRun(run_id);
    return;
  }
  if (flow.waiting.size() < kListAhead) {
    ListNext(run_id);
  } else {
    flow.paused_lists.push_back(run_id);
  }
}

// --- dead-letter replays ----------------------------------------------------------------------

void WorkflowEngine::Replay(std::size_t workflow, const engine::LogicalOp& op,
                            policies::DeadLetterQueue::Done done) {
  Flow& flow = *flows_[workflow];
  auto parked = flow.parked.find(op.op_id);
  if (parked == flow.parked.end() || items_.count(op.op_id) > 0) {
    done(false, "nothing to replay");
    return;
  }
  // The item's earlier steps ran before it was parked; the replay resumes at the failed one and
  // runs to the end, outside the workflow's workers. Any failure fails the replay.
  auto item = std::make_unique<Item>();
  item->id = op.op_id;
  item->flow = workflow;
  item->target = op.target;
  item->tenant = op.tenant;
  item->released_us = op.arrival_us;
  item->step = parked->second.step;
  item->objects = parked->second.objects;
  item->replay = true;
  item->replay_done = std::move(done);
  items_[op.op_id] = std::move(item);
  RunStep(op.op_id);
}

}  // namespace notion_sim::scenarios
