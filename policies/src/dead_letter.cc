#include "notion_sim/policies/dead_letter.h"

#include <algorithm>
#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "policy_check.h"

namespace notion_sim::policies {

std::string_view DeadLetterStateName(DeadLetterState state) {
  static constexpr std::array<std::string_view, 3> kNames = {"pending", "retrying", "permanent"};
  const auto i = static_cast<std::size_t>(state);
  return i < kNames.size() ? kNames[i] : "?";
}

bool SameDeadLetter(const DeadLetter& a, const DeadLetter& b) {
  const bool same_payload =
      (a.op.payload == nullptr && b.op.payload == nullptr) ||
      (a.op.payload != nullptr && b.op.payload != nullptr && *a.op.payload == *b.op.payload);
  return a.id == b.id && a.op.op_id == b.op.op_id && a.op.operation == b.op.operation &&
         a.op.tenant == b.op.tenant && a.op.lane == b.op.lane && a.op.target == b.op.target &&
         a.op.parent == b.op.parent && same_payload && a.op.arrival_us == b.op.arrival_us &&
         a.op.record == b.op.record && a.op.batch == b.op.batch && a.error == b.error &&
         a.stack_attempts == b.stack_attempts && a.attempts == b.attempts &&
         a.enqueued_us == b.enqueued_us && a.last_attempt_us == b.last_attempt_us &&
         a.next_attempt_us == b.next_attempt_us && a.state == b.state;
}

// ---- MemoryDeadLetterStore ----

Status MemoryDeadLetterStore::Put(const DeadLetter& entry) {
  entries_[entry.id] = entry;
  return {};
}

Status MemoryDeadLetterStore::Remove(std::uint64_t id) {
  entries_.erase(id);
  return {};
}

Result<std::vector<DeadLetter>> MemoryDeadLetterStore::Load() {
  std::vector<DeadLetter> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) out.push_back(entry);
  return out;
}

// ---- config ----

Result<DlqConfig> ParseDlqConfig(engine::ObjectReader& r, DlqConfig d) {
  DlqConfig c = d;
  if (r.Has("retry_delays_ms")) {
    const std::vector<std::int64_t> delays = r.Ints("retry_delays_ms");
    c.retry_delays_us.clear();
    for (std::int64_t ms : delays) {
      if (ms < 0 || ms > 365LL * 24 * 3600 * 1000) {
        r.Fail("retry_delays_ms", "expected delays in [0, 1 year] milliseconds");
        break;
      }
      c.retry_delays_us.push_back(Ms(ms));
    }
    if (r.ok() && c.retry_delays_us.empty()) {
      r.Fail("retry_delays_ms", "expected at least one delay");
    }
    if (c.retry_delays_us.size() > 1000) r.Fail("retry_delays_ms", "expected at most 1000 delays");
  }
  c.max_attempts = static_cast<std::uint32_t>(r.Int("max_attempts", d.max_attempts, 1, 1000));
  c.max_depth = static_cast<std::size_t>(
      r.Int("max_depth", static_cast<std::int64_t>(d.max_depth), 1, 100'000'000));
  r.Finish();
  if (!r.ok()) return r.error();
  return c;
}

// ---- DeadLetterQueue ----

DeadLetterQueue::DeadLetterQueue(engine::Loop& loop, engine::Trace* trace, DeadLetterStore& store,
                                 DlqConfig config, Reprocess reprocess)
    : loop_(loop),
      trace_(trace),
      store_(store),
      config_(std::move(config)),
      reprocess_(std::move(reprocess)),
      alive_(std::make_shared<bool>(true)) {
  NSIM_POLICY_CHECK(!config_.retry_delays_us.empty());
  NSIM_POLICY_CHECK(config_.max_attempts >= 1);
  Result<std::vector<DeadLetter>> loaded = store_.Load();
  if (!loaded.ok()) {
    store_status_ = loaded.error();
    return;
  }
  // Times stored by an earlier run are on that run's clock, not comparable with this one: entries
  // that were waiting resume at once, in id order; one that was being reprocessed is retried.
  const TimeUs now = loop_.NowUs();
  for (DeadLetter& e : loaded.value()) {
    if (e.id == 0 || entries_.size() >= config_.max_depth) continue;
    next_id_ = std::max(next_id_, e.id + 1);
    ++totals_.enqueued;
    if (e.state == DeadLetterState::kPermanent) {
      ++permanent_;
      ++totals_.permanent;
    } else {
      e.state = DeadLetterState::kPending;
      e.next_attempt_us = now;
      schedule_.emplace(e.next_attempt_us, e.id);
    }
    entries_.emplace(e.id, std::move(e));
  }
  Arm();
}

DeadLetterQueue::~DeadLetterQueue() {
  *alive_ = false;
  if (timer_.valid()) loop_.Cancel(timer_);
}

TimeUs DeadLetterQueue::DelayFor(std::uint32_t attempts) const {
  const std::size_t i = std::min<std::size_t>(attempts, config_.retry_delays_us.size() - 1);
  return config_.retry_delays_us[i];
}

void DeadLetterQueue::Emit(engine::EventKind kind, const DeadLetter& entry, std::int64_t b) {
  if (trace_ == nullptr) return;
  trace_->Emit(kind, loop_.NowUs(), entry.op.op_id, entry.attempts, entry.op.tenant,
               static_cast<std::int64_t>(entries_.size()), b);
}

void DeadLetterQueue::Persist(const DeadLetter& entry) {
  Status s = store_.Put(entry);
  if (!s.ok()) store_status_ = s;
}

Result<const DeadLetter*> DeadLetterQueue::Add(const engine::LogicalOp& op, std::string error,
                                               std::uint32_t stack_attempts,
                                               DeadLetterState state) {
  if (entries_.size() >= config_.max_depth) {
    return Error{ErrorCode::kLimitExceeded,
                 "dead-letter queue full (" + std::to_string(config_.max_depth) + " entries)"};
  }
  const TimeUs now = loop_.NowUs();
  DeadLetter e;
  e.id = next_id_++;
  e.op = op;
  e.error = std::move(error);
  e.stack_attempts = stack_attempts;
  e.attempts = 0;
  e.enqueued_us = now;
  e.last_attempt_us = now;
  e.next_attempt_us = state == DeadLetterState::kPending ? now + DelayFor(0) : kTimeNever;
  e.state = state;
  const DeadLetter& stored = entries_.emplace(e.id, std::move(e)).first->second;
  ++totals_.enqueued;
  return &stored;
}

Result<std::uint64_t> DeadLetterQueue::Enqueue(const engine::LogicalOp& op, std::string error,
                                               std::uint32_t stack_attempts) {
  Result<const DeadLetter*> added =
      Add(op, std::move(error), stack_attempts, DeadLetterState::kPending);
  if (!added.ok()) return added.error();
  const DeadLetter& stored = **added;
  schedule_.emplace(stored.next_attempt_us, stored.id);
  Persist(stored);
  Emit(engine::EventKind::kDlqEnqueued, stored, stack_attempts);
  Arm();
  return stored.id;
}

Result<std::uint64_t> DeadLetterQueue::Park(const engine::LogicalOp& op, std::string error,
                                            std::uint32_t stack_attempts) {
  Result<const DeadLetter*> added =
      Add(op, std::move(error), stack_attempts, DeadLetterState::kPermanent);
  if (!added.ok()) return added.error();
  const DeadLetter& stored = **added;
  ++totals_.permanent;
  ++permanent_;
  Persist(stored);
  Emit(engine::EventKind::kDlqEnqueued, stored, stack_attempts);
  Emit(engine::EventKind::kDlqPermanent, stored, 0);
  return stored.id;
}

void DeadLetterQueue::Arm() {
  if (stopped_ || in_flight_ != 0 || schedule_.empty()) {
    if (timer_.valid() && (stopped_ || schedule_.empty())) {
      loop_.Cancel(timer_);
      timer_ = {};
      timer_at_us_ = kTimeNever;
    }
    return;
  }
  const TimeUs at = schedule_.begin()->first;
  if (timer_.valid() && timer_at_us_ == at) return;
  if (timer_.valid()) loop_.Cancel(timer_);
  timer_at_us_ = at;
  timer_ = loop_.ScheduleAt(at, [this] {
    timer_ = {};
    timer_at_us_ = kTimeNever;
    RunNext();
  });
}

void DeadLetterQueue::RunNext() {
  if (stopped_ || in_flight_ != 0 || schedule_.empty()) return;
  const TimeUs now = loop_.NowUs();
  const auto [at, id] = *schedule_.begin();
  if (at > now) {
    Arm();
    return;
  }
  schedule_.erase(schedule_.begin());
  DeadLetter& e = entries_.at(id);
  e.state = DeadLetterState::kRetrying;
  e.last_attempt_us = now;
  Persist(e);
  in_flight_ = id;
  ++totals_.reprocesses;
  Emit(engine::EventKind::kDlqRetried, e, e.attempts + 1);
  auto called = std::make_shared<bool>(false);
  std::weak_ptr<bool> alive = alive_;
  const engine::LogicalOp op = e.op;  // the callback may outlive the entry
  // A copy: clang before 16 cannot capture a structured binding (the fuzz build uses clang-14).
  reprocess_(op, [this, alive, called, id = id](bool ok, std::string error) {
    NSIM_POLICY_CHECK(!*called);  // Done runs exactly once
    *called = true;
    const std::shared_ptr<bool> live = alive.lock();
    if (live == nullptr || !*live) return;
    Finish(id, ok, std::move(error));
  });
}

void DeadLetterQueue::Finish(std::uint64_t id, bool ok, std::string error) {
  NSIM_POLICY_CHECK(in_flight_ == id);
  in_flight_ = 0;
  auto it = entries_.find(id);
  NSIM_POLICY_CHECK(it != entries_.end());
  DeadLetter& e = it->second;
  const TimeUs now = loop_.NowUs();
  if (ok) {
    const DeadLetter done = std::move(e);
    entries_.erase(it);
    Status s = store_.Remove(id);
    if (!s.ok()) store_status_ = s;
    ++totals_.drained;
    Emit(engine::EventKind::kDlqDrained, done, done.attempts);
  } else {
    ++e.attempts;
    if (!error.empty()) e.error = std::move(error);
    if (e.attempts >= config_.max_attempts) {
      e.state = DeadLetterState::kPermanent;
      e.next_attempt_us = kTimeNever;
      ++permanent_;
      ++totals_.permanent;
      Persist(e);
      Emit(engine::EventKind::kDlqPermanent, e, e.attempts);
    } else {
      e.state = DeadLetterState::kPending;
      e.next_attempt_us = now + DelayFor(e.attempts);
      schedule_.emplace(e.next_attempt_us, e.id);
      Persist(e);
    }
  }
  Arm();
}

std::vector<DeadLetter> DeadLetterQueue::Entries() const {
  std::vector<DeadLetter> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(e);
  return out;
}

bool DeadLetterQueue::Holds(std::uint64_t op_id) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [op_id](const auto& kv) { return kv.second.op.op_id == op_id; });
}

void DeadLetterQueue::Stop() {
  stopped_ = true;
  Arm();
}

void DeadLetterQueue::RetryAllNow() {
  const TimeUs now = loop_.NowUs();
  std::set<std::pair<TimeUs, std::uint64_t>> now_schedule;
  for (const auto& [at, id] : schedule_) {
    DeadLetter& e = entries_.at(id);
    e.next_attempt_us = now;
    now_schedule.emplace(now, id);
  }
  schedule_ = std::move(now_schedule);
  Arm();
}

}  // namespace notion_sim::policies
