#include "webhook_consumer.h"

#include <utility>

namespace notion_sim::scenarios {
namespace {

// Sub-operations of the scenario client use bit 62 (and 61 for DLQ replays); fetches add bit 60.
constexpr std::uint64_t kFetchOpBits = (1ULL << 62) | (1ULL << 60);

}  // namespace

WebhookConsumer::WebhookConsumer(engine::Loop& loop, sim::WebhookHub& hub, engine::Client& notion,
                                 engine::Rng rng, Workflows workflows)
    : loop_(loop), hub_(hub), notion_(notion), rng_(rng), workflows_(std::move(workflows)) {
  Wake();
}

void WebhookConsumer::Wake() {
  const TimeUs next = hub_.NextDueUs();
  if (next == kTimeNever || next >= timer_at_) return;
  if (timer_.valid()) loop_.Cancel(timer_);
  timer_at_ = next;
  // A background task: pending deliveries (a retry a day away) do not keep a finished run going.
  timer_ = loop_.ScheduleBackgroundAt(next, [this] {
    timer_ = engine::EventId{};
    timer_at_ = kTimeNever;
    Deliver();
    Wake();
  });
}

void WebhookConsumer::Deliver() {
  const sim::WebhookConsumer& config = hub_.config().consumer;
  for (const sim::WebhookDelivery& d : hub_.TakeDue()) {
    bool ok = true;
    if (!d.verification) {
      ++counts_.deliveries;
      if (d.duplicate) ++counts_.duplicates;
      if (config.verify_signature && d.bad_signature) {
        ok = false;
        ++counts_.rejected_signature;
      } else if (config.fail_probability > 0 && rng_.Bernoulli(config.fail_probability)) {
        ok = false;
      }
      if (ok) {
        ++counts_.accepted;
        if (config.fetch || workflows_) {
          if (config.dedupe && !fetched_events_.insert(d.event_id).second) {
            ++counts_.fetches_skipped;
          } else if (!(workflows_ && workflows_(d)) && config.fetch) {
            Fetch(d);
          }
        }
      }
    }
    hub_.Report(d, ok);
  }
}

void WebhookConsumer::Fetch(const sim::WebhookDelivery& d) {
  engine::LogicalOp op;
  op.op_id = kFetchOpBits | next_fetch_++;
  op.target = d.entity;
  op.arrival_us = loop_.NowUs();
  if (d.entity_type == "database") {
    op.operation = engine::Operation::kRetrieveDatabase;
  } else if (d.entity_type == "data_source") {
    op.operation = engine::Operation::kRetrieveDataSource;
  } else if (d.entity_type == "comment") {
    op.operation = engine::Operation::kRetrieveComment;
  } else {
    op.operation = engine::Operation::kRetrievePage;
  }
  ++counts_.fetches;
  std::weak_ptr<bool> alive = alive_;
  notion_.Execute(op, [this, alive](const engine::OpResult& result) {
    if (alive.expired()) return;
    counts_.fetch_attempts += result.attempts;
    if (result.status == engine::OpStatus::kSucceeded) ++counts_.fetches_succeeded;
  });
}

WebhookResult WebhookConsumer::Result() const {
  WebhookResult r = counts_;
  const sim::WebhookStats& s = hub_.stats();
  r.events = s.events;
  r.aggregated = s.aggregated;
  r.dropped = s.dropped_after_retries + s.dropped_by_fault;
  r.retries = s.retries;
  return r;
}

}  // namespace notion_sim::scenarios
