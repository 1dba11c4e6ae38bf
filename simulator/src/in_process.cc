#include "notion_sim/simulator/in_process.h"

#include <utility>

#include "core.h"
#include "notion_sim/engine/retry_after.h"
#include "notion_sim/simulator/fake_notion.h"

namespace notion_sim::sim {

using engine::Response;
using engine::TransportOutcome;

namespace {

constexpr std::uint64_t kBillion = 1'000'000'000;

}  // namespace

InProcessTransport::InProcessTransport(engine::Loop& loop, FakeNotion& fake, NetworkModel network,
                                       engine::Rng rng, engine::Trace* trace,
                                       std::size_t max_in_flight)
    : loop_(loop),
      fake_(fake),
      network_(network),
      rng_(rng),
      trace_(trace),
      max_in_flight_(max_in_flight) {}

std::uint32_t InProcessTransport::Allocate() {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(flights_.size());
    flights_.emplace_back();
  }
  Flight& f = flights_[slot];
  ++f.generation;
  f.live = true;
  f.finished = false;
  f.server_done = false;
  f.timeout_event = engine::EventId{};
  ++in_flight_;
  return slot;
}

void InProcessTransport::MaybeRelease(std::uint32_t slot) {
  Flight& f = flights_[slot];
  if (!f.live || !f.finished || !f.server_done) return;
  f.live = false;
  f.request = engine::Request{};
  f.response = Response{};
  free_.push_back(slot);
}

void InProcessTransport::Send(const engine::Request& request, engine::Completion done) {
  ++stats_.sent;
  const TimeUs now = loop_.NowUs();
  if (in_flight_ >= max_in_flight_) {
    ++stats_.refused;
    loop_.ScheduleAt(now, [done = std::move(done), now]() {
      Response r;
      r.outcome = TransportOutcome::kConnectionRefused;
      r.sent_us = now;
      r.received_us = now;
      done(std::move(r));
    });
    return;
  }
  const std::uint32_t slot = Allocate();
  Flight& f = flights_[slot];
  const std::uint32_t gen = f.generation;
  f.request = request;
  f.done = std::move(done);
  f.sent_us = now;
  if (request.timeout_us > 0) {
    f.timeout_event =
        loop_.ScheduleAt(now + request.timeout_us, [this, slot, gen] { TimeOut(slot, gen); });
  }
  const TimeUs there = network_.request_latency.Sample(rng_);
  if (network_.request_loss_ppb > 0 && rng_.Chance(network_.request_loss_ppb, kBillion)) {
    // Lost on the way: the fake never sees it; the client sees the connection drop.
    ++stats_.requests_lost;
    f.response = Response{};
    f.response.outcome = TransportOutcome::kConnectionReset;
    loop_.ScheduleAt(now + there, [this, slot, gen] { Deliver(slot, gen); });
    return;
  }
  loop_.ScheduleAt(now + there, [this, slot, gen] { Arrive(slot, gen); });
}

void InProcessTransport::Arrive(std::uint32_t slot, std::uint32_t gen) {
  if (flights_[slot].generation != gen || !flights_[slot].live) return;
  Answer a = fake_.Handle(flights_[slot].request);
  Flight& f = flights_[slot];
  const auto op = static_cast<std::size_t>(f.request.operation);
  TimeUs back = a.delay_us + network_.response_latency.Sample(rng_);
  if (op < network_.processing.size() && network_.processing[op]) {
    back += network_.processing[op]->Sample(rng_);
  }
  const TimeUs now = loop_.NowUs();
  bool answer = true;
  bool headers_only = false;  // the headers come back, the body never does
  Response r;
  switch (a.action) {
    case FaultAction::kHang:
      answer = false;
      break;
    case FaultAction::kStallBody:
      answer = false;
      headers_only = true;
      break;
    case FaultAction::kLoseAfterCommit:
      if (a.loss == LossMode::kReset) {
        r.outcome = TransportOutcome::kConnectionReset;
      } else {
        answer = false;
      }
      break;
    case FaultAction::kReset:
      r.outcome = TransportOutcome::kConnectionReset;
      break;
    case FaultAction::kMalformedJson:
      r.outcome = TransportOutcome::kMalformed;
      r.status = a.response.status;
      break;
    default:
      r = std::move(a.response);
      if (network_.response_loss_ppb > 0 && rng_.Chance(network_.response_loss_ppb, kBillion)) {
        ++stats_.responses_lost;
        r = Response{};
        r.outcome = TransportOutcome::kConnectionReset;
      }
      break;
  }
  r.injected = a.injected;
  fake_.journal().AmendLatency(a.seq, now - f.sent_us + (answer ? back : 0));
  if (!answer) {
    f.server_done = true;
    // A timeout that ends when the headers arrive (the SDK's) stops there: the attempt then waits
    // for the body forever, as the SDK does.
    if (headers_only && !f.request.timeout_covers_body && !f.finished && f.request.timeout_us > 0) {
      loop_.ScheduleAt(now + back, [this, slot, gen] { HeadersArrived(slot, gen); });
    }
    // No answer is coming: without a timeout, the attempt never ends (visible in hung()).
    if (!f.finished && f.request.timeout_us <= 0) ++hung_;
    MaybeRelease(slot);
    return;
  }
  f.response = std::move(r);
  loop_.ScheduleAt(now + back, [this, slot, gen] { Deliver(slot, gen); });
}

void InProcessTransport::Deliver(std::uint32_t slot, std::uint32_t gen) {
  Flight& f = flights_[slot];
  if (f.generation != gen || !f.live) return;
  f.server_done = true;
  if (f.finished) {
    MaybeRelease(slot);
    return;
  }
  Finish(slot, std::move(f.response));
}

void InProcessTransport::HeadersArrived(std::uint32_t slot, std::uint32_t gen) {
  Flight& f = flights_[slot];
  if (f.generation != gen || !f.live || f.finished || !f.timeout_event.valid()) return;
  loop_.Cancel(f.timeout_event);
  f.timeout_event = engine::EventId{};
  ++hung_;
}

void InProcessTransport::TimeOut(std::uint32_t slot, std::uint32_t gen) {
  Flight& f = flights_[slot];
  if (f.generation != gen || !f.live || f.finished) return;
  f.timeout_event = engine::EventId{};  // running now: nothing to cancel
  Response r;
  r.outcome = TransportOutcome::kTimeout;
  Finish(slot, std::move(r));
}

void InProcessTransport::Finish(std::uint32_t slot, Response response) {
  Flight& f = flights_[slot];
  f.finished = true;
  if (f.timeout_event.valid()) {
    loop_.Cancel(f.timeout_event);
    f.timeout_event = engine::EventId{};
  }
  const TimeUs now = loop_.NowUs();
  response.sent_us = f.sent_us;
  response.received_us = now;
  ++stats_.completed;
  switch (response.outcome) {
    case TransportOutcome::kResponse:
      ++stats_.responses;
      break;
    case TransportOutcome::kTimeout:
      ++stats_.timeouts;
      break;
    case TransportOutcome::kConnectionReset:
      ++stats_.resets;
      break;
    case TransportOutcome::kMalformed:
      ++stats_.malformed;
      break;
    default:
      break;
  }
  if (trace_ != nullptr && response.outcome == TransportOutcome::kResponse &&
      !response.retry_after.empty()) {
    // Read strictly on the run's calendar (the loop's), the ground truth every stack is held to.
    const engine::RetryAfterValue v = engine::ParseRetryAfter(
        response.retry_after, engine::RetryAfterMode::kStrict, loop_.UnixNowUs());
    if (v.form == engine::RetryAfterForm::kSeconds || v.form == engine::RetryAfterForm::kDate) {
      trace_->Emit(engine::Event{now, f.request.op_id, now + v.delay_us,
                                 v.form == engine::RetryAfterForm::kDate ? 1 : 0, f.request.attempt,
                                 f.request.tenant, engine::EventKind::kRetryAfterGiven,
                                 engine::DependencyOf(f.request.operation)});
    }
  }
  engine::Completion done = std::move(f.done);
  f.done = nullptr;
  --in_flight_;
  MaybeRelease(slot);
  // Last: the completion may send the next attempt, which may grow flights_.
  done(std::move(response));
}

}  // namespace notion_sim::sim
