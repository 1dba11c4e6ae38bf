#include "notion_sim/policies/pipeline.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "notion_sim/policies/classify.h"
#include "notion_sim/policies/idempotency.h"
#include "notion_sim/policies/pass_through.h"
#include "notion_sim/policies/timeouts.h"
#include "policy_check.h"

namespace notion_sim::policies {

using engine::EventKind;
using engine::OpStatus;
using engine::Response;
using engine::TransportOutcome;

struct Pipeline::Op {
  std::uint64_t ctx_id = 0;
  engine::LogicalOp op;
  engine::OpCompletion done;          // the Runner's completion (empty for DLQ replays)
  DeadLetterQueue::Done replay_done;  // set for DLQ replays
  bool replay = false;

  RetryState retry;
  RetryState lookup_retry;  // backoff and attempts of failed lookups
  std::uint32_t lookups = 0;
  Send next = Send::kAttempt;  // what the per-attempt gates lead to
  std::optional<IdempotencyKey> key;
  TimeUs deadline_at_us = kTimeNever;
  TimeUs not_before_us = 0;         // the op's own Retry-After (strict mode)
  bool maybe_applied = false;       // an attempt of this create may have been applied
  bool holds_budget_retry = false;  // an Envoy budget retry is active until its request answers

  struct Held {
    bool bulkhead = false;
    std::optional<BreakerPermit> permit;
    CircuitBreaker* breaker = nullptr;
    TimeUs since_us = 0;
  };
  std::array<Held, 2> held;  // by Scope
  Scope gate_scope = Scope::kOperation;
  std::size_t gate_index = 0;
  engine::EventId timer;

  Response last;
  bool have_last = false;
  TimeUs sent_us = 0;
  AttemptTimeouts timeouts;
  TimeUs held_since_us = 0;  // a replay waiting for its breaker to close
};

namespace {

// How long a DLQ replay waits for its breaker to close before it is tried (and fails) anyway, and
// how often a half-open breaker is looked at again.
constexpr TimeUs kMaxReplayHoldUs = kUsPerHour;
constexpr TimeUs kReplayPollUs = Sec(1);

std::int64_t StatusField(const Response& r) {
  return r.outcome == TransportOutcome::kResponse ? r.status
                                                  : -static_cast<std::int64_t>(r.outcome);
}

// Failures that say the target is unavailable (worth a cached answer or a later replay), as
// opposed to answers about the request itself (validation, auth, not found, conflict).
bool IsAvailabilityFailure(ErrorClass cls) {
  return cls == ErrorClass::kTransient || cls == ErrorClass::kRateLimited ||
         cls == ErrorClass::kUnknownEdge || cls == ErrorClass::kPermanentServer;
}

std::string ErrorText(const Response& r, std::string_view why) {
  std::string s(why);
  if (r.outcome != TransportOutcome::kResponse) {
    s += ": ";
    s += engine::TransportOutcomeName(r.outcome);
  } else if (r.status != 0) {
    s += ": HTTP " + std::to_string(r.status);
    if (r.code != engine::ApiCode::kNone) {
      s += " ";
      s += engine::ApiCodeName(r.code);
    }
  }
  return s;
}

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kRetryDecision:
      return "retry";
    case StopReason::kBulkheadRejected:
      return "bulkhead rejected";
    case StopReason::kLimiterRejected:
      return "rate limiter rejected";
    case StopReason::kBreakerRejected:
      return "breaker open";
    case StopReason::kReconcileFailed:
      return "reconcile failed";
  }
  return "?";
}

}  // namespace

Pipeline::Pipeline(const StackConfig& config, engine::Loop& loop, engine::Trace& trace,
                   engine::Transport& transport, engine::Rng rng, DeadLetterStore* dlq_store)
    : config_(config),
      loop_(loop),
      trace_(trace),
      transport_(transport),
      budget_(config.budget),
      retry_(config.retry, rng.Fork("retry"), &budget_, loop.EpochUnixUs()),
      bulkhead_(config.bulkhead, &trace),
      alive_(std::make_shared<bool>(true)) {
  NSIM_POLICY_CHECK(ValidateStackConfig(config_).ok());
  bool after_retry = false;
  for (Stage s : config_.order) {
    if (s == Stage::kRetry) {
      after_retry = true;
    } else {
      (after_retry ? inner_ : outer_).push_back(s);
    }
  }
  if (config_.breaker_enabled) {
    breakers_ =
        std::make_unique<BreakerRegistry>(loop_, &trace_, config_.breaker, config_.breaker_scope);
  }
  if (config_.fallback_enabled) fallback_ = std::make_unique<FallbackCache>(config_.fallback);
  if (config_.dlq_enabled) {
    if (dlq_store == nullptr) {
      own_store_ = std::make_unique<MemoryDeadLetterStore>();
      dlq_store = own_store_.get();
    }
    dlq_ = std::make_unique<DeadLetterQueue>(
        loop_, &trace_, *dlq_store, config_.dlq,
        [this](const engine::LogicalOp& op, DeadLetterQueue::Done done) {
          Reprocess(op, std::move(done));
        });
  }
}

Pipeline::~Pipeline() {
  *alive_ = false;
  for (auto& [id, op] : ops_) {
    if (op->timer.valid()) loop_.Cancel(op->timer);
  }
  dlq_.reset();  // its callbacks point into this object
}

RateLimiter* Pipeline::limiter(std::uint16_t tenant) {
  if (config_.limiter.kind == LimiterKind::kNone) return nullptr;
  const std::uint16_t key = config_.limiter.scope == LimiterScope::kPerTenant ? tenant : 0;
  auto it = limiters_.find(key);
  if (it == limiters_.end()) {
    it = limiters_.emplace(key, std::make_unique<RateLimiter>(config_.limiter, &trace_, key)).first;
  }
  return it->second.get();
}

TimeUs Pipeline::PausedUntil(std::uint16_t tenant) const {
  const auto it = paused_until_.find(tenant);
  return it == paused_until_.end() ? 0 : it->second;
}

Pipeline::Op* Pipeline::Find(std::uint64_t ctx_id) {
  const auto it = ops_.find(ctx_id);
  return it == ops_.end() ? nullptr : it->second.get();
}

bool Pipeline::Reconciles(const Op& op) const {
  return config_.reconcile == Reconcile::kLookupBeforeRetry && engine::IsCreate(op.op.operation);
}

WriteProtection Pipeline::ProtectionOf(const Op& op) const {
  const engine::Operation o = op.op.operation;
  if (!engine::IsWrite(o)) return WriteProtection::kProtected;  // POST query/search are reads
  if (Reconciles(op)) return WriteProtection::kProtected;
  if (config_.updates_idempotent &&
      (o == engine::Operation::kUpdatePage || o == engine::Operation::kUpdateBlock)) {
    return WriteProtection::kProtected;
  }
  return WriteProtection::kNone;
}

CallOutcome Pipeline::BreakerOutcome(const Response& response) const {
  const ErrorClass cls = Classify(response);
  if (cls == ErrorClass::kSuccess) return CallOutcome::kSuccess;
  if (config_.breaker_failures == BreakerFailures::kAnyError) return CallOutcome::kFailure;
  if (cls == ErrorClass::kRateLimited) return CallOutcome::kIgnored;
  return IsAvailabilityFailure(cls) ? CallOutcome::kFailure : CallOutcome::kSuccess;
}

void Pipeline::Later(TimeUs at_us, std::uint64_t ctx_id, void (Pipeline::*step)(Op&)) {
  Op* op = Find(ctx_id);
  NSIM_POLICY_CHECK(op != nullptr && !op->timer.valid());
  op->timer = loop_.ScheduleAt(at_us, [this, ctx_id, step] {
    Op* o = Find(ctx_id);
    if (o == nullptr) return;
    o->timer = {};
    (this->*step)(*o);
  });
}

void Pipeline::Execute(const engine::LogicalOp& op, engine::OpCompletion done) {
  Begin(op, std::move(done), {});
}

void Pipeline::Reprocess(const engine::LogicalOp& op, DeadLetterQueue::Done done) {
  Begin(op, {}, std::move(done));
}

void Pipeline::Begin(const engine::LogicalOp& logical, engine::OpCompletion done,
                     DeadLetterQueue::Done replay) {
  const std::uint64_t ctx_id = next_ctx_id_++;
  auto owned = std::make_unique<Op>();
  Op& op = *owned;
  op.ctx_id = ctx_id;
  op.op = logical;
  op.done = std::move(done);
  op.replay = static_cast<bool>(replay);
  op.replay_done = std::move(replay);
  const TimeUs now = loop_.NowUs();
  op.retry.started_us = now;
  op.lookup_retry.started_us = now;
  // The deadline bounds the whole operation: gates' queues, the limiter, attempts and backoff.
  // A workflow's step also ends by its operation's deadline.
  if (config_.retry.deadline_us > 0) op.deadline_at_us = now + config_.retry.deadline_us;
  // (A DLQ replay is work of its own, after its operation ended: the old deadline is not its.)
  if (!op.replay) op.deadline_at_us = std::min(op.deadline_at_us, logical.deadline_at_us);
  if (Reconciles(op)) op.key = IdempotencyKeyFor(logical);
  op.maybe_applied = logical.maybe_applied;
  if (op.replay) {
    const auto it = parked_.find(logical.op_id);
    if (it != parked_.end()) {
      op.not_before_us = it->second.not_before_us;
      op.maybe_applied = it->second.maybe_applied;
    } else {
      // Parked by an earlier process (a durable DLQ reloaded on resume): nothing says whether its
      // attempts were applied, so a create looks first.
      op.maybe_applied = true;
    }
  }
  ops_.emplace(ctx_id, std::move(owned));
  ++entered_;
  if (op.replay) {
    op.held_since_us = now;
    HoldReplay(op);
  } else {
    RunGates(op, Scope::kOperation, 0);
  }
  --entered_;
}

void Pipeline::HoldReplay(Op& op) {
  // A replay sent into an open breaker would only be refused and pushed back by the DLQ's
  // schedule (minutes, then hours): parked work waits for the breaker to close instead.
  const TimeUs now = loop_.NowUs();
  if (breakers_ && now - op.held_since_us < kMaxReplayHoldUs) {
    const CircuitBreaker& breaker = breakers_->For(op.op.tenant);
    const BreakerState state = breaker.State();
    if (engine::BreakerNotClosed(state)) {
      TimeUs at = now + kReplayPollUs;
      if (state == BreakerState::kOpen && breaker.OpenUntilUs() != kTimeNever) {
        at = std::max(breaker.OpenUntilUs(), now + 1);
      }
      Later(std::min(at, op.held_since_us + kMaxReplayHoldUs), op.ctx_id, &Pipeline::HoldReplay);
      return;
    }
  }
  RunGates(op, Scope::kOperation, 0);
}

void Pipeline::RunGates(Op& op, Scope scope, std::size_t index) {
  const std::vector<Stage>& gates = scope == Scope::kOperation ? outer_ : inner_;
  Op::Held& held = op.held[static_cast<std::size_t>(scope)];
  const TimeUs now = loop_.NowUs();
  const std::uint32_t attempt = scope == Scope::kAttempt ? op.retry.attempts + 1 : 0;
  for (std::size_t i = index; i < gates.size(); ++i) {
    switch (gates[i]) {
      case Stage::kBulkhead: {
        if (!config_.bulkhead.enabled) break;
        const BulkheadDecision d = bulkhead_.Acquire(op.op.lane, op.op.op_id, now);
        if (d == BulkheadDecision::kAdmitted) {
          held.bulkhead = true;
          break;
        }
        if (d == BulkheadDecision::kQueued) {
          waiting_[op.op.op_id] = {op.ctx_id, scope};
          op.gate_scope = scope;
          op.gate_index = i + 1;
          // Waiting for a slot counts against the deadline like any other wait (issue 14: under
          // a 2-minute deadline, operations queued here for up to 224 s).
          if (op.deadline_at_us != kTimeNever) {
            Later(std::max(op.deadline_at_us, now), op.ctx_id, &Pipeline::QueueDeadline);
          }
          return;
        }
        GiveUp(op, StopReason::kBulkheadRejected, RetryDecision::kNoRetry);
        return;
      }
      case Stage::kLimiter: {
        RateLimiter* limiter = this->limiter(op.op.tenant);
        if (limiter == nullptr) break;
        TimeUs max_wait = config_.limiter.max_wait_us;
        if (op.deadline_at_us != kTimeNever) {
          max_wait = std::min(max_wait, std::max<TimeUs>(op.deadline_at_us - now - 1, 0));
        }
        const LimiterVerdict v = limiter->Acquire(now, op.op.op_id, attempt, max_wait);
        if (v.decision == LimiterDecision::kAdmit) break;
        if (v.decision == LimiterDecision::kDelay) {
          op.gate_scope = scope;
          op.gate_index = i + 1;
          Later(now + v.delay_us, op.ctx_id, &Pipeline::ResumeGates);
          return;
        }
        GiveUp(op, StopReason::kLimiterRejected, RetryDecision::kNoRetry);
        return;
      }
      case Stage::kBreaker: {
        if (!breakers_) break;
        CircuitBreaker& breaker = breakers_->For(op.op.tenant);
        const BreakerPermit permit = breaker.TryAcquire(op.op.op_id, attempt);
        if (!permit.allowed()) {
          GiveUp(op, StopReason::kBreakerRejected, RetryDecision::kNoRetry);
          return;
        }
        held.permit = permit;
        held.breaker = &breaker;
        held.since_us = now;
        break;
      }
      case Stage::kRetry:
        break;
    }
  }
  AfterGates(op, scope);
}

void Pipeline::ResumeGates(Op& op) { RunGates(op, op.gate_scope, op.gate_index); }

void Pipeline::QueueDeadline(Op& op) {
  // Still queued at the deadline: the operation gives up without its slot.
  const bool withdrawn = bulkhead_.Withdraw(op.op.lane, op.op.op_id);
  NSIM_POLICY_CHECK(withdrawn);
  waiting_.erase(op.op.op_id);
  GiveUp(op, StopReason::kRetryDecision, RetryDecision::kDeadlineExceeded);
}

void Pipeline::AfterGates(Op& op, Scope scope) {
  if (scope == Scope::kAttempt) {
    SendNow(op);
    return;
  }
  // A create whose earlier attempts may have been applied (a DLQ replay, or an operation of a
  // resumed run) looks before it creates.
  op.next = op.maybe_applied && Reconciles(op) ? Send::kLookup : Send::kAttempt;
  Pace(op);
}

void Pipeline::Pace(Op& op) {
  const TimeUs now = loop_.NowUs();
  TimeUs not_before = op.not_before_us;
  if (config_.retry_after_scope == RetryAfterScope::kTenant) {
    not_before = std::max(not_before, PausedUntil(op.op.tenant));
  }
  if (not_before > now) {
    if (not_before >= op.deadline_at_us) {
      GiveUp(op, StopReason::kRetryDecision, RetryDecision::kDeadlineExceeded);
      return;
    }
    Later(not_before, op.ctx_id, &Pipeline::Pace);
    return;
  }
  RunGates(op, Scope::kAttempt, 0);
}

void Pipeline::SendNow(Op& op) {
  const TimeUs now = loop_.NowUs();
  engine::Request request;
  if (op.next == Send::kAttempt) {
    ++op.retry.attempts;
    request = MakeRequest(op.op, op.retry.attempts);
  } else {
    ++op.lookups;
    request = MakeRequest(op.op, op.retry.attempts);
    request.operation = engine::Operation::kQueryDataSource;
    request.method = engine::MethodOf(request.operation);
    // Pages are found under their parent; appended blocks under the block they were added to.
    request.target = op.op.parent.empty() ? op.op.target : op.op.parent;
    request.payload = nullptr;
    request.reconcile_lookup = true;
  }
  if (op.key) request.idempotency_key = op.key;
  op.timeouts = TimeoutsFor(config_.timeouts, request.operation, now, op.deadline_at_us);
  ApplyTimeouts(op.timeouts, request);
  op.sent_us = now;
  budget_.OnRequestStarted();
  if (op.next == Send::kAttempt) {
    trace_.Emit(EventKind::kAttemptSent, now, op.op.op_id, op.retry.attempts, op.op.tenant,
                static_cast<std::int64_t>(op.op.operation), request.timeout_us);
  } else {
    trace_.Emit(EventKind::kReconcileSent, now, op.op.op_id, op.retry.attempts, op.op.tenant,
                static_cast<std::int64_t>(op.op.operation), request.timeout_us);
  }
  std::weak_ptr<bool> alive = alive_;
  transport_.Send(request, [this, alive, ctx_id = op.ctx_id](Response response) {
    const std::shared_ptr<bool> live = alive.lock();
    if (live == nullptr || !*live) return;
    OnResponse(ctx_id, std::move(response));
  });
}

void Pipeline::NoteRetryAfter(Op& op, const Response& response) {
  if (response.retry_after.empty() || config_.retry.retry_after == RetryAfterMode::kIgnore) return;
  const TimeUs now = loop_.NowUs();
  // On the run's calendar: the loop's, which is the one the server dated the header on.
  const RetryAfterValue ra =
      engine::ParseRetryAfter(response.retry_after, config_.retry.retry_after, loop_.UnixNowUs());
  if (ra.form != RetryAfterForm::kSeconds && ra.form != RetryAfterForm::kDate) return;
  // The SDK keeps no memory of the header beyond the delay it computes from it.
  if (config_.retry.retry_after != RetryAfterMode::kStrict) return;
  op.not_before_us = std::max(op.not_before_us, now + ra.delay_us);
  if (config_.retry_after_scope == RetryAfterScope::kTenant) {
    TimeUs& paused = paused_until_[op.op.tenant];
    paused = std::max(paused, now + std::min(ra.delay_us, config_.retry.max_retry_after_us));
  }
}

void Pipeline::OnResponse(std::uint64_t ctx_id, Response response) {
  Op* found = Find(ctx_id);
  NSIM_POLICY_CHECK(found != nullptr);
  Op& op = *found;
  const TimeUs now = loop_.NowUs();
  budget_.OnRequestEnded();
  if (op.holds_budget_retry) {
    op.holds_budget_retry = false;
    budget_.OnRetryEnded();
  }
  if (response.outcome == TransportOutcome::kTimeout) {
    trace_.Emit(EventKind::kTimeoutFired, now, op.op.op_id, op.retry.attempts, op.op.tenant,
                static_cast<std::int64_t>(op.timeouts.kind), op.timeouts.timeout_us);
  }
  if (RateLimiter* limiter = this->limiter(op.op.tenant)) {
    limiter->OnResponse(Classify(response), now);
  }
  NoteRetryAfter(op, response);
  ReleaseGates(op, Scope::kAttempt, BreakerOutcome(response));
  if (op.next == Send::kLookup) {
    OnLookupResponse(op, std::move(response));
  } else {
    OnAttemptResponse(op, std::move(response));
  }
}

void Pipeline::OnAttemptResponse(Op& op, Response response) {
  const TimeUs now = loop_.NowUs();
  trace_.Emit(EventKind::kAttemptDone, now, op.op.op_id, op.retry.attempts, op.op.tenant,
              StatusField(response), static_cast<std::int64_t>(response.code));
  op.last = response;
  op.have_last = true;
  if (response.ok()) {
    Complete(op, OpStatus::kSucceeded, std::move(response));
    return;
  }
  if (engine::IsWrite(op.op.operation) && MayHaveApplied(response) == Applied::kMaybe) {
    op.maybe_applied = true;
  }
  const RetryVerdict v =
      retry_.Decide(response, engine::MethodOf(op.op.operation), ProtectionOf(op), op.retry, now);
  if (v.decision == RetryDecision::kRetry) {
    const bool look_first = Reconciles(op) && op.maybe_applied;
    if (look_first && op.lookups >= config_.max_reconcile_lookups) {
      GiveUp(op, StopReason::kReconcileFailed, RetryDecision::kNoRetry);
      return;
    }
    ScheduleRetry(op, v, look_first ? Send::kLookup : Send::kAttempt);
    return;
  }
  if (v.decision == RetryDecision::kBudgetExhausted) {
    trace_.Emit(EventKind::kBudgetExhausted, now, op.op.op_id, op.retry.attempts, op.op.tenant,
                budget_.tokens_milli(), v.budget.cost_milli);
  }
  GiveUp(op, StopReason::kRetryDecision, v.decision);
}

void Pipeline::OnLookupResponse(Op& op, Response response) {
  const TimeUs now = loop_.NowUs();
  if (response.ok()) {
    trace_.Emit(EventKind::kReconcileLookup, now, op.op.op_id, op.retry.attempts, op.op.tenant,
                response.found ? 1 : 0, 0);
    if (response.found) {
      // The lost create did happen: the operation succeeded without creating again.
      Complete(op, OpStatus::kSucceeded, std::move(response));
      return;
    }
    // Not there (yet): the create is sent again. A request still in flight on the server could
    // land later; only a server-side key could close that window.
    op.maybe_applied = false;
    op.lookup_retry.attempts = 0;
    op.next = Send::kAttempt;
    Pace(op);
    return;
  }
  // The lookup failed: its own retry, as a read, while lookups and the deadline allow.
  op.lookup_retry.attempts = op.lookups;
  const RetryVerdict v = op.lookups < config_.max_reconcile_lookups
                             ? retry_.Decide(response, engine::Method::kGet,
                                             WriteProtection::kProtected, op.lookup_retry, now)
                             : RetryVerdict{};
  if (v.decision == RetryDecision::kRetry) {
    ScheduleRetry(op, v, Send::kLookup);
    return;
  }
  if (!op.have_last) {
    op.last = response;
    op.have_last = true;
  }
  GiveUp(op, StopReason::kReconcileFailed, v.decision);
}

void Pipeline::ScheduleRetry(Op& op, const RetryVerdict& v, Send next) {
  const TimeUs now = loop_.NowUs();
  // The retry policy judges the wait against the stack's own deadline from this operation's
  // start; a workflow's step must also be over by its operation's deadline (op.deadline_at_us),
  // which may come sooner: the same rule, against the earlier of the two.
  if (now + v.delay_us >= op.deadline_at_us) {
    GiveUp(op, StopReason::kRetryDecision, RetryDecision::kDeadlineExceeded);
    return;
  }
  trace_.Emit(EventKind::kRetryScheduled, now, op.op.op_id, op.retry.attempts, op.op.tenant,
              v.delay_us, static_cast<std::int64_t>(v.error_class));
  if (v.retry_after_used) {
    trace_.Emit(EventKind::kRetryAfterHonored, now, op.op.op_id, op.retry.attempts, op.op.tenant,
                v.retry_after.delay_us, v.backoff_us);
  }
  op.next = next;
  op.holds_budget_retry = v.budget.holds_retry;
  Later(now + v.delay_us, op.ctx_id, &Pipeline::Pace);
}

void Pipeline::GiveUp(Op& op, StopReason reason, RetryDecision decision) {
  const TimeUs now = loop_.NowUs();
  if (decision != RetryDecision::kNoRetry) {
    trace_.Emit(EventKind::kRetryGaveUp, now, op.op.op_id, op.retry.attempts, op.op.tenant,
                static_cast<std::int64_t>(decision), op.retry.attempts);
  }
  const bool availability = reason != StopReason::kRetryDecision ||
                            decision != RetryDecision::kNoRetry ||
                            (op.have_last && IsAvailabilityFailure(Classify(op.last)));
  if (!op.replay && !availability && op.op.park_failures && dlq_ &&
      engine::IsWrite(op.op.operation)) {
    // Not worth a retry, but the caller asked not to lose it: parked for a person to look at.
    std::string why(StopReasonName(reason));
    if (reason == StopReason::kRetryDecision) why = RetryDecisionName(decision);
    if (dlq_->Park(op.op, ErrorText(op.last, why), op.retry.attempts).ok()) {
      Complete(op, OpStatus::kDeadLettered, op.last);
      return;
    }
  }
  if (!op.replay && availability) {
    const bool write = engine::IsWrite(op.op.operation);
    if (!write && fallback_) {
      if (std::optional<Cached> cached = fallback_->Lookup(FallbackKeyFor(op.op), now)) {
        EmitFallbackServed(&trace_, now, op.op, op.retry.attempts, *cached);
        Complete(op, OpStatus::kServedFallback, cached->response);
        return;
      }
    }
    // A write that may have been applied and has no protection is surfaced, not replayed:
    // replaying it could apply it twice.
    const bool ambiguous =
        ProtectionOf(op) == WriteProtection::kNone &&
        (op.maybe_applied || (op.have_last && MayHaveApplied(op.last) == Applied::kMaybe));
    if (write && dlq_ && (!ambiguous || config_.ambiguous_writes == AmbiguousWrites::kDeadLetter)) {
      std::string why(StopReasonName(reason));
      if (reason == StopReason::kRetryDecision) why = RetryDecisionName(decision);
      Result<std::uint64_t> id = dlq_->Enqueue(op.op, ErrorText(op.last, why), op.retry.attempts);
      if (id.ok()) {
        parked_[op.op.op_id] = Parked{op.not_before_us, op.maybe_applied};
        Complete(op, OpStatus::kDeadLettered, op.last);
        return;
      }
    }
  }
  Complete(op, OpStatus::kFailed, op.last);
}

void Pipeline::ReleaseGates(Op& op, Scope scope, CallOutcome outcome) {
  Op::Held& held = op.held[static_cast<std::size_t>(scope)];
  const TimeUs now = loop_.NowUs();
  if (held.permit) {
    const BreakerPermit permit = *held.permit;
    held.permit.reset();
    held.breaker->OnResult(permit, outcome, now - held.since_us);
  }
  if (held.bulkhead) {
    held.bulkhead = false;
    if (std::optional<std::uint64_t> next = bulkhead_.Release(op.op.lane, op.op.op_id, now)) {
      ResumeAdmitted(*next);
    }
  }
}

void Pipeline::ResumeAdmitted(std::uint64_t ticket) {
  const auto it = waiting_.find(ticket);
  NSIM_POLICY_CHECK(it != waiting_.end());
  const auto [ctx_id, scope] = it->second;
  waiting_.erase(it);
  Op* op = Find(ctx_id);
  NSIM_POLICY_CHECK(op != nullptr);
  op->held[static_cast<std::size_t>(scope)].bulkhead = true;
  if (op->timer.valid()) {  // the deadline it was waiting under
    loop_.Cancel(op->timer);
    op->timer = {};
  }
  // Continue on the loop, not inside the releasing operation's call stack.
  Later(loop_.NowUs(), ctx_id, &Pipeline::ResumeGates);
}

void Pipeline::Complete(Op& op, OpStatus status, Response last) {
  const TimeUs now = loop_.NowUs();
  // A gate may have been taken for an attempt that never went out (a later gate refused).
  ReleaseGates(op, Scope::kAttempt, CallOutcome::kIgnored);
  const CallOutcome op_outcome = status == OpStatus::kSucceeded ? CallOutcome::kSuccess
                                 : op.have_last                 ? BreakerOutcome(op.last)
                                                                : CallOutcome::kIgnored;
  ReleaseGates(op, Scope::kOperation, op_outcome);
  if (status == OpStatus::kSucceeded) {
    retry_.OnSuccess(op.retry);
    if (fallback_ && !engine::IsWrite(op.op.operation) && last.ok()) {
      fallback_->Put(FallbackKeyFor(op.op), last, now);
    }
  }
  if (op.timer.valid()) loop_.Cancel(op.timer);
  if (op.holds_budget_retry) budget_.OnRetryEnded();  // its retry never went out (a gate refused)
  engine::OpResult result;
  result.status = status;
  result.attempts = op.retry.attempts;
  result.last = std::move(last);
  const std::uint64_t op_id = op.op.op_id;
  const bool replay = op.replay;
  engine::OpCompletion done = std::move(op.done);
  DeadLetterQueue::Done replay_done = std::move(op.replay_done);
  const TimeUs not_before = op.not_before_us;
  const bool maybe_applied = op.maybe_applied;
  ops_.erase(op.ctx_id);  // `op` is gone from here on
  // Completions run later, on the loop, never inside Execute (engine::Client's contract); this
  // also keeps a DLQ drain whose replays fail at a gate from recursing.
  const bool defer = entered_ > 0;
  if (!replay) {
    if (defer) {
      loop_.ScheduleAt(now, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
    } else {
      done(std::move(result));
    }
    return;
  }
  const bool ok = status == OpStatus::kSucceeded;
  if (ok) {
    parked_.erase(op_id);
  } else {
    parked_[op_id] = Parked{not_before, maybe_applied};
  }
  if (finishing_ && drain_left_ > 0 && --drain_left_ == 0) dlq_->Stop();
  std::string error = ok ? std::string() : ErrorText(result.last, "replay failed");
  if (defer) {
    loop_.ScheduleAt(
        now, [replay_done = std::move(replay_done), ok, error = std::move(error)]() mutable {
          replay_done(ok, std::move(error));
        });
  } else {
    replay_done(ok, std::move(error));
  }
}

void Pipeline::Finish() {
  if (!dlq_ || finishing_) return;
  finishing_ = true;
  drain_left_ = dlq_->PendingCount();
  if (drain_left_ == 0) {
    dlq_->Stop();
    return;
  }
  dlq_->RetryAllNow();
}

}  // namespace notion_sim::policies
