// The parts of a scenario run that do not depend on the world it runs in: the sections parsed
// into their owners' types (with what the scenario left unsaid derived from its stack), the sinks
// that watch the trace, and the RunResult made from them. Shared by the simulated run (run.cc) and
// the live run (live_run.cc), so both judge a run the same way.
#pragma once

#include <memory>
#include <vector>

#include "notion_sim/checks/gates.h"
#include "notion_sim/checks/invariants.h"
#include "notion_sim/checks/metrics.h"
#include "notion_sim/engine/ledger.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/policies/error_budget.h"
#include "notion_sim/policies/health.h"
#include "notion_sim/policies/stack_config.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/network.h"
#include "scenario_client.h"

namespace notion_sim::scenarios {

// The sections of a scenario, parsed into their owners' types. Each dependency has its own stack
// and invariants: Notion's from "stack" and "invariants", the second upstream's from
// "upstream_stack" (the Notion stack's settings when absent), its invariants following from it.
struct Sections {
  policies::StackConfig stack;
  policies::StackConfig upstream_stack;
  sim::FakeConfig fake;
  sim::NetworkModel network;
  checks::InvariantConfig invariants;
  checks::InvariantConfig upstream_invariants;
  std::vector<checks::Gate> gates;
  // The fault plan's time windows, clipped to the safety phase: where faults may act, for the
  // recovery reference and the charts.
  std::vector<checks::FaultWindow> fault_windows;
  std::vector<policies::StackConfig> step_stacks;  // ScenarioSpec::step_stacks, parsed
};

// Parses the sections and shapes them for a run: tenants become the fake's tokens, a workspace
// without databases gets one data source with seeded pages, faults stop with the safety phase,
// unsaid invariants follow from the stack, and recover_within becomes a recovery gate.
Result<Sections> PrepareSections(const ScenarioSpec& spec);

// The sinks on one trace: metrics, each dependency's invariants, health and alerts. The second
// upstream's stack emits through `upstream_trace`, which stamps its events so that its breakers,
// limiter and requests are judged against its own promises, apart from Notion's.
struct Observers {
  Observers(const ScenarioSpec& spec, const Sections& sections);
  Observers(const Observers&) = delete;
  Observers& operator=(const Observers&) = delete;

  engine::Trace trace;
  engine::Trace upstream_trace{&trace, engine::Dependency::kUpstream};
  checks::MetricsSink metrics;
  checks::InvariantSuite invariants;
  checks::InvariantSuite upstream_invariants;
  engine::DependencyFilter notion_only{engine::Dependency::kNotion, &invariants};
  engine::DependencyFilter upstream_only{engine::Dependency::kUpstream, &upstream_invariants};
  policies::HealthSink health;
  policies::AlertMonitor alerts;
};

// The clients a scenario's workflows call besides Notion's stack: the second upstream's (seed
// pattern 2; null when no workflow calls it), built from sections.upstream_stack and emitting into
// observers.upstream_trace, and the steps' own stacks (sections.step_stacks), each emitting into
// its step's dependency's trace.
// The one place that builds them, for simulated and live runs.
struct WorkflowClients {
  std::unique_ptr<engine::Client> upstream;
  std::vector<std::unique_ptr<engine::Client>> steps;
  std::vector<engine::Client*> StepPointers() const;
};
WorkflowClients BuildWorkflowClients(const ScenarioSpec& spec, const Sections& sections,
                                     Observers& observers, engine::Loop& loop,
                                     engine::Transport& transport, const engine::Rng& root);

// The result of a finished run: checks judged at `end_us`, the ledger (null: not known) checked
// for duplicate creates, checkpoints and alerts collected. The server_* fields are the caller's.
RunResult Conclude(const ScenarioSpec& spec, const Sections& sections, Observers& observers,
                   const ScenarioClient& client, engine::RunSummary summary, TimeUs end_us,
                   const engine::Ledger* ledger);

}  // namespace notion_sim::scenarios
