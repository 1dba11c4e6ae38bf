// Hand-built run results for the report tests: a ten-minute storm of creates and queries, with a
// fault window (503s, retries, a breaker that opens, probes and closes, a DLQ that fills and
// drains), fed through the real MetricsSink and InvariantSuite so the figures are consistent.
// Shared by reports_test and the fixture writer used by the gate command's shell test.
#pragma once

#include <string>

#include "notion_sim/checks/gates.h"
#include "notion_sim/checks/invariants.h"
#include "notion_sim/checks/metrics.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports::testing {

struct SampleOptions {
  std::string name = "storm_creates";
  std::uint64_t seed = 7;
  TimeUs extra_latency_us = 0;  // added to every successful attempt (a "regression")
  bool break_attempts = false;  // one operation sends more attempts than the bound
  double min_success = 0.9;     // the gate on ops.success_ratio
};

inline scenarios::RunResult SampleResult(const SampleOptions& o = {}) {
  using engine::BreakerState;
  using engine::Event;
  using engine::EventKind;
  using engine::Operation;
  using engine::OpStatus;
  engine::Trace trace;
  checks::MetricsConfig mc;
  mc.fault_windows = {checks::FaultWindow{Sec(120), Sec(240)}};
  checks::MetricsSink metrics(mc);
  checks::InvariantConfig ic;
  ic.max_attempts = 3;
  ic.rate_budget = 400;
  ic.rate_window_us = Sec(60);
  checks::InvariantSuite invariants(ic);
  trace.AddSink(&metrics);
  trace.AddSink(&invariants);

  // Events are produced per operation, then ordered by time (ties by production order), as a
  // loop would have emitted them.
  std::vector<Event> events;
  auto emit = [&](EventKind kind, TimeUs at, std::uint64_t op, std::uint32_t attempt,
                  std::uint16_t key, std::int64_t a, std::int64_t b) {
    events.push_back(Event{at, op, a, b, attempt, key, kind});
  };
  engine::Ledger ledger;
  std::int64_t dlq_depth = 0;
  std::vector<std::uint64_t> dead;
  for (std::uint64_t i = 0; i < 600; ++i) {
    const std::uint64_t op = i + 1;
    const TimeUs t = Sec(static_cast<std::int64_t>(i));
    const Operation operation = i % 5 == 0 ? Operation::kQueryDataSource : Operation::kCreatePage;
    const auto opv = static_cast<std::int64_t>(operation);
    emit(EventKind::kOpStarted, t, op, 0, 0, opv, 1);
    emit(EventKind::kAttemptSent, t, op, 1, 0, opv, Sec(30));
    const bool storm = t >= Sec(120) && t < Sec(240) && i % 3 != 0;
    if (!storm) {
      const TimeUs done = t + Ms(80) + o.extra_latency_us + static_cast<TimeUs>(i % 10) * Ms(4);
      emit(EventKind::kAttemptDone, done, op, 1, 0, 200, 0);
      if (o.break_attempts && i == 42) {
        for (std::uint32_t a = 2; a <= 4; ++a) {
          emit(EventKind::kAttemptSent, done + a, op, a, 0, opv, Sec(30));
          emit(EventKind::kAttemptDone, done + a + 1, op, a, 0, 200, 0);
        }
      }
      emit(EventKind::kOpFinished, done + 10, op, 1, 0,
           static_cast<std::int64_t>(OpStatus::kSucceeded), 200);
      if (operation == Operation::kCreatePage) {
        engine::LedgerEntry e;
        e.at_us = done;
        e.op_id = op;
        e.object.hi = 0xabc;
        e.object.lo = op;
        ledger.push_back(e);
      }
      continue;
    }
    emit(EventKind::kFaultInjected, t + Ms(40), op, 1, 0, 3, 503);
    emit(EventKind::kAttemptDone, t + Ms(80), op, 1, 0, 503, 0);
    emit(EventKind::kRetryScheduled, t + Ms(80), op, 1, 0, Sec(1), 1);
    emit(EventKind::kAttemptSent, t + Ms(1080), op, 2, 0, opv, Sec(30));
    if (i % 7 == 0) {
      emit(EventKind::kFaultInjected, t + Ms(1120), op, 2, 0, 3, 503);
      emit(EventKind::kAttemptDone, t + Ms(1160), op, 2, 0, 503, 0);
      emit(EventKind::kRetryGaveUp, t + Ms(1160), op, 2, 0, 1, 2);
      emit(EventKind::kDlqEnqueued, t + Ms(1170), op, 0, 0, ++dlq_depth, 2);
      emit(EventKind::kOpFinished, t + Ms(1170), op, 2, 0,
           static_cast<std::int64_t>(OpStatus::kDeadLettered), 503);
      dead.push_back(op);
    } else {
      emit(EventKind::kAttemptDone, t + Ms(1160) + o.extra_latency_us, op, 2, 0, 200, 0);
      emit(EventKind::kOpFinished, t + Ms(1170) + o.extra_latency_us, op, 2, 0,
           static_cast<std::int64_t>(OpStatus::kSucceeded), 200);
      if (operation == Operation::kCreatePage) {
        engine::LedgerEntry e;
        e.at_us = t + Ms(1160);
        e.op_id = op;
        e.object.hi = 0xabc;
        e.object.lo = op;
        ledger.push_back(e);
      }
    }
  }
  // One 429 with Retry-After, honoured.
  emit(EventKind::kAttemptDone, Sec(30) + Ms(80), 31, 1, 0, 429, 12);
  emit(EventKind::kRetryAfterGiven, Sec(30) + Ms(80), 31, 1, 0, Sec(32), 0);
  // The breaker: opens in the storm, a failed probe, then closes after the storm.
  auto transition = [&](TimeUs at, BreakerState from, BreakerState to) {
    emit(EventKind::kBreakerTransition, at, 0, 0, 1, static_cast<std::int64_t>(from),
         static_cast<std::int64_t>(to));
  };
  transition(Sec(130), BreakerState::kClosed, BreakerState::kOpen);
  transition(Sec(160), BreakerState::kOpen, BreakerState::kHalfOpen);
  transition(Sec(161), BreakerState::kHalfOpen, BreakerState::kOpen);
  transition(Sec(200), BreakerState::kOpen, BreakerState::kHalfOpen);
  transition(Sec(250), BreakerState::kHalfOpen, BreakerState::kClosed);
  // The DLQ drains after the storm.
  for (std::size_t k = 0; k < dead.size(); ++k) {
    emit(EventKind::kDlqRetried, Sec(300) + static_cast<TimeUs>(k) * Sec(5), dead[k], 1, 0,
         dlq_depth, 1);
    emit(EventKind::kAttemptSent, Sec(300) + static_cast<TimeUs>(k) * Sec(5) + 1, dead[k], 3, 0, 0,
         Sec(30));
    emit(EventKind::kDlqDrained, Sec(300) + static_cast<TimeUs>(k) * Sec(5) + Ms(90), dead[k], 1, 0,
         --dlq_depth, 1);
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at_us < b.at_us; });
  for (const Event& e : events) trace.Emit(e);

  scenarios::RunResult r;
  r.scenario = o.name;
  r.purpose = "Creates and queries through a 503 storm: the breaker opens, the DLQ fills & drains.";
  r.path = "scenarios/library/" + o.name + ".json";
  r.scenario_hash = "00112233aabbccdd";
  r.profile = "recommended";
  r.seed = o.seed;
  r.reproduce = "notion-sim run " + r.path + " --seed " + std::to_string(o.seed);
  engine::RunSummary& s = r.summary;
  const checks::MetricsReport m = metrics.Finish(Min(11));
  s.ops_started = m.ops.started;
  s.ops_succeeded = m.ops.succeeded;
  s.ops_dead_lettered = m.ops.dead_lettered;
  s.attempts = m.attempts;
  s.virtual_time_us = Min(11);
  s.last_finish_us = m.last_finish_us;
  s.digest = trace.DigestHex();
  s.events = trace.Count();
  r.checks.metrics = m;
  r.checks.invariants = invariants.Finish(s, &ledger);
  r.checks.gates = checks::EvaluateGates({{"ops.success_ratio", o.min_success, std::nullopt},
                                          {"latency_ms.p99", std::nullopt, 2000.0},
                                          {"op.create_page.api_calls_per_op", std::nullopt, 1.5}},
                                         m);
  r.verdict = checks::Judge(r.checks);
  r.checkpoints.push_back(scenarios::CheckpointResult{"nightly", "B", 100, 100, 97, 0, 3});
  r.alerts.push_back(scenarios::AlertCount{"5xx_burst", 2, Sec(125)});
  r.dlq_depth_end = static_cast<std::uint64_t>(m.dlq_depth_end);
  r.dlq_permanent = m.dlq_permanent;
  r.server_requests = m.requests;
  r.server_writes = ledger.size();
  r.server_faults_injected = m.faults_injected;
  r.server_rate_limited = 1;
  r.server_pages = ledger.size() + 200;
  r.wall_time_ms = 12.5;
  r.tenants = {"acme", "globex", "initech"};
  r.rate_budget = ic.rate_budget;
  r.rate_window_us = ic.rate_window_us;
  r.started_at = "2026-12-06T02:49:07Z";
  r.host = "ci-runner-3";
  return r;
}

}  // namespace notion_sim::reports::testing
