#include "world.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "notion_sim/engine/json_reader.h"

namespace notion_sim::scenarios {
namespace {

Result<Sections> ParseSections(const ScenarioSpec& spec) {
  auto doc = engine::JsonDocument::Parse(spec.source.dump(), spec.path);
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Sections s;
  if (root.Has("stack")) {
    engine::ObjectReader stack = root.Object("stack");
    auto parsed = policies::ParseStackConfig(stack);
    if (!parsed.ok()) return parsed.error();
    s.stack = std::move(parsed).value();
  }
  s.upstream_stack = s.stack;
  if (root.Has("upstream_stack")) {
    engine::ObjectReader stack = root.Object("upstream_stack");
    auto parsed = policies::ParseStackConfig(stack);
    if (!parsed.ok()) return parsed.error();
    s.upstream_stack = std::move(parsed).value();
  }
  auto fake = sim::ParseFakeConfig(root);
  if (!fake.ok()) return fake.error();
  s.fake = std::move(fake).value();
  if (root.Has("network")) {
    engine::ObjectReader net = root.Object("network");
    auto parsed = sim::ParseNetworkModel(net);
    if (!parsed.ok()) return parsed.error();
    s.network = parsed.value();
  }
  if (root.Has("invariants")) {
    engine::ObjectReader inv = root.Object("invariants");
    auto parsed = checks::ParseInvariantConfig(inv);
    if (!parsed.ok()) return parsed.error();
    s.invariants = parsed.value();
  }
  auto gates = checks::ParseGates(root);
  if (!gates.ok()) return gates.error();
  s.gates = std::move(gates).value();
  for (const nlohmann::json& stack : spec.step_stacks) {
    auto parsed = policies::ParseStackConfigText(stack.dump(), spec.path);
    if (!parsed.ok()) return parsed.error();
    s.step_stacks.push_back(std::move(parsed).value());
  }
  if (!reader.ok()) return reader.error();
  return s;
}

// What the scenario did not say about its invariants follows from its stack: the attempt bound,
// the limiter's budget and the lanes' limits are the stack's own promises.
// `said` is the scenario's own section (what it did say wins).
void DeriveInvariants(const ScenarioSpec& spec, const policies::StackConfig& stack,
                      const nlohmann::json& said, checks::InvariantConfig& inv) {
  if (!said.contains("max_attempts")) inv.max_attempts = std::max(1u, stack.retry.max_attempts);
  if (!said.contains("max_reconcile_lookups")) {
    inv.max_reconcile_lookups = std::max(1u, stack.max_reconcile_lookups);
  }
  if (!said.contains("op_deadline_ms")) {
    // The stack's own deadline: it bounds the whole operation (queues, limiter, attempts,
    // backoff). Without one, an operation may take the whole run plus its drain.
    inv.op_deadline_us = stack.retry.deadline_us > 0 ? stack.retry.deadline_us
                                                     : spec.duration_us + spec.drain_limit_us;
  }
  if (!said.contains("client_rate")) {
    // The limiter's own worst case (policies::MaxRequestsInWindow): over its window for the
    // window kinds, over 60 s (Notion's window) for a token bucket.
    const policies::RateLimiterConfig& l = stack.limiter;
    const TimeUs window_us = l.kind == policies::LimiterKind::kFixedWindow ||
                                     l.kind == policies::LimiterKind::kSlidingWindow
                                 ? l.window_us
                                 : Sec(60);
    if (const std::optional<std::int64_t> most = policies::MaxRequestsInWindow(l, window_us)) {
      inv.rate_window_us = window_us;
      inv.rate_budget = *most;
    }
  }
  if (!said.contains("bulkhead") && stack.bulkhead.enabled) {
    for (std::size_t i = 0; i < 3; ++i) {
      inv.lanes[i].max_in_flight = stack.bulkhead.lanes[i].max_concurrent;
      inv.lanes[i].max_queued = stack.bulkhead.lanes[i].max_queued;
    }
  }
}

// The world's shape: scenario tenants become the fake's tokens; a workspace without databases
// gets one data source with seeded pages for reads to aim at; faults stop with the safety phase.
void ShapeWorld(const ScenarioSpec& spec, sim::FakeConfig& fake) {
  sim::Workspace& ws = fake.workspace;
  if (ws.tokens.empty()) {
    for (std::size_t i = 0; i < spec.tenants.size(); ++i) {
      sim::TokenSpec t;
      t.token = spec.tenants[i].token;
      t.name = spec.tenants[i].name;
      t.tenant = static_cast<std::uint16_t>(i);
      ws.tokens.push_back(t);
    }
  }
  if (ws.databases.empty()) {
    sim::DataSourceSpec ds;
    ds.title = "Tasks";
    ds.pages = 200;
    sim::DatabaseSpec db;
    db.title = "Tasks";
    db.data_sources.push_back(ds);
    ws.databases.push_back(db);
  }
  if (spec.phases.safety_us > 0) {
    std::vector<sim::FaultRule> rules = fake.faults.rules();
    fake.faults.Clear();
    for (sim::FaultRule rule : rules) {
      rule.match.until_us = std::min(rule.match.until_us, spec.phases.safety_us);
      (void)fake.faults.Add(rule);
    }
  }
}

// Where each fault rule may act: its own window, clipped to the safety phase. A rule without an
// end of its own keeps kTimeNever (it ends when it last fires).
std::vector<checks::FaultWindow> FaultWindowsOf(const ScenarioSpec& spec,
                                                const sim::FakeConfig& fake) {
  std::vector<checks::FaultWindow> windows;
  const TimeUs phase_end = spec.phases.safety_us > 0 ? spec.phases.safety_us : spec.duration_us;
  for (const sim::FaultRule& rule : fake.faults.rules()) {
    checks::FaultWindow w;
    w.from_us = rule.match.from_us;
    w.until_us =
        rule.match.until_us == kTimeNever ? kTimeNever : std::min(rule.match.until_us, phase_end);
    if (w.from_us < std::min(w.until_us, phase_end)) windows.push_back(w);
  }
  return windows;
}

}  // namespace

Result<Sections> PrepareSections(const ScenarioSpec& spec) {
  auto sections = ParseSections(spec);
  if (!sections.ok()) return sections.error();
  Sections& s = sections.value();
  s.fault_windows = FaultWindowsOf(spec, s.fake);
  ShapeWorld(spec, s.fake);
  static const nlohmann::json kNone = nlohmann::json::object();
  DeriveInvariants(spec, s.stack,
                   spec.source.contains("invariants") ? spec.source.at("invariants") : kNone,
                   s.invariants);
  // items_end_once judges workflow items: without workflows it does not apply, and is reported
  // off (like client_rate without a budget) rather than "held" by a run that had nothing to hold.
  if (spec.workflows.empty()) {
    s.invariants.Set(checks::Invariant::kItemsEndOnce, checks::Check::kOff);
  }
  // The second upstream's stack keeps its own promises; Notion's ledger, operations, batch
  // checkpoints and workflow items are not its to judge.
  DeriveInvariants(spec, s.upstream_stack, kNone, s.upstream_invariants);
  for (checks::Invariant off :
       {checks::Invariant::kNoDuplicateCreates, checks::Invariant::kDeadlineBounded,
        checks::Invariant::kOpsEndOnce, checks::Invariant::kCheckpointSafety,
        checks::Invariant::kItemsEndOnce}) {
    s.upstream_invariants.Set(off, checks::Check::kOff);
  }
  if (spec.phases.recover_within_us > 0) {
    s.gates.push_back(checks::Gate{"recovery_s", std::nullopt,
                                   static_cast<double>(spec.phases.recover_within_us) / 1e6});
  }
  return sections;
}

namespace {

// Notion's request budget per minute for one token, as the fake enforces it (0: unlimited).
double TokenBudgetPerMin(const sim::RateLimitConfig& l) {
  switch (l.mode) {
    case sim::RateLimitMode::kFixedWindow:
      return static_cast<double>(l.window_requests) * 60e6 / static_cast<double>(l.window_us);
    case sim::RateLimitMode::kTokenBucket:
      return static_cast<double>(l.bucket_rate_milli_per_s) * 60 / 1000;
    case sim::RateLimitMode::kOff:
      break;
  }
  return 0;
}

checks::MetricsConfig MetricsConfigFor(const ScenarioSpec& spec, const Sections& sections) {
  checks::MetricsConfig config;
  config.fault_windows = sections.fault_windows;
  const double per_token = TokenBudgetPerMin(sections.fake.workspace.rate_limits);
  for (const WorkflowSpec& wf : spec.workflows) {
    checks::WorkflowShape shape;
    shape.name = wf.name;
    for (const StepSpec& step : wf.steps) {
      shape.steps.push_back(step.name);
      shape.notion_steps.push_back(step.operation != engine::Operation::kUpstreamComplete);
    }
    if (wf.has_list) {
      shape.steps.push_back(wf.list.name);
      shape.notion_steps.push_back(true);
    }
    std::vector<std::uint16_t> tokens = wf.tenants;
    std::sort(tokens.begin(), tokens.end());
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
    shape.budget_requests_per_min = per_token * static_cast<double>(tokens.size());
    config.workflows.push_back(std::move(shape));
  }
  return config;
}

// Whether a workflow of the scenario asks the second upstream (through the upstream's stack or a
// step's own).
bool UsesUpstream(const ScenarioSpec& spec) {
  return std::any_of(spec.workflows.begin(), spec.workflows.end(),
                     [](const WorkflowSpec& wf) { return wf.UsesUpstream(); });
}

}  // namespace

Observers::Observers(const ScenarioSpec& spec, const Sections& sections)
    : metrics(MetricsConfigFor(spec, sections)),
      invariants(sections.invariants),
      upstream_invariants(sections.upstream_invariants),
      health(&trace, sections.stack.health),
      alerts(&trace, sections.stack.alerts) {
  trace.AddSink(&metrics);
  trace.AddSink(&notion_only);
  trace.AddSink(&upstream_only);
  trace.AddSink(&health);
  trace.AddSink(&alerts);
}

std::vector<engine::Client*> WorkflowClients::StepPointers() const {
  std::vector<engine::Client*> out;
  for (const auto& c : steps) out.push_back(c.get());
  return out;
}

WorkflowClients BuildWorkflowClients(const ScenarioSpec& spec, const Sections& sections,
                                     Observers& observers, engine::Loop& loop,
                                     engine::Transport& transport, const engine::Rng& root) {
  WorkflowClients out;
  if (UsesUpstream(spec)) {
    out.upstream = policies::BuildStack(sections.upstream_stack, loop, observers.upstream_trace,
                                        transport, root.Fork("stack.upstream"));
  }
  // A step's own stack emits into its dependency's trace: an upstream step's into the upstream's,
  // so its breaker, limiter and requests are judged with the upstream's, apart from Notion's.
  std::vector<engine::Trace*> traces(sections.step_stacks.size(), &observers.trace);
  for (const WorkflowSpec& wf : spec.workflows) {
    for (const StepSpec& step : wf.steps) {
      if (step.stack > 0 && step.stack <= traces.size() &&
          step.operation == engine::Operation::kUpstreamComplete) {
        traces[step.stack - 1] = &observers.upstream_trace;
      }
    }
  }
  for (std::size_t i = 0; i < sections.step_stacks.size(); ++i) {
    out.steps.push_back(policies::BuildStack(sections.step_stacks[i], loop, *traces[i], transport,
                                             root.Fork("stack.step." + std::to_string(i))));
  }
  return out;
}

RunResult Conclude(const ScenarioSpec& spec, const Sections& sections, Observers& observers,
                   const ScenarioClient& client, engine::RunSummary summary, TimeUs end_us,
                   const engine::Ledger* ledger) {
  RunResult result;
  result.scenario = spec.name;
  result.purpose = spec.purpose;
  result.path = spec.path;
  result.scenario_hash = spec.hash;
  result.profile = sections.stack.profile;
  result.seed = spec.seed;
  for (const auto& t : spec.tenants) result.tenants.push_back(t.name);
  result.rate_budget = sections.invariants.rate_budget;
  result.rate_window_us = sections.invariants.rate_window_us;
  result.summary = std::move(summary);
  result.checks.metrics = observers.metrics.Finish(end_us);
  result.checks.invariants = observers.invariants.Finish(result.summary, ledger);
  if (UsesUpstream(spec)) {
    // Its own rows: "upstream.client_rate" is the upstream stack against its own limiter.
    for (checks::InvariantResult& i :
         observers.upstream_invariants.Finish(result.summary, nullptr)) {
      if (i.verdict == checks::Verdict::kOff) continue;
      i.name = std::string(engine::DependencyName(engine::Dependency::kUpstream)) + "." + i.name;
      result.checks.invariants.push_back(std::move(i));
    }
  }
  result.checks.gates = checks::EvaluateGates(sections.gates, result.checks.metrics);
  result.verdict = checks::Judge(result.checks);
  for (std::size_t i = 0; i < client.batches().size(); ++i) {
    const policies::BatchSync& b = *client.batches()[i];
    CheckpointResult c;
    c.job = spec.batches[i].name;
    c.approach = spec.batches[i].approach == CheckpointApproach::kA ? "A" : "B";
    c.records = spec.batches[i].records;
    c.checkpoint = b.Checkpoint();
    c.succeeded = b.counts().succeeded;
    c.failed = b.counts().failed;
    c.dead_lettered = b.counts().dead_lettered;
    result.checkpoints.push_back(c);
  }
  for (const auto& a : observers.alerts.alerts()) {
    const std::string kind(policies::AlertKindName(a.kind));
    auto it = std::find_if(result.alerts.begin(), result.alerts.end(),
                           [&](const AlertCount& c) { return c.kind == kind; });
    if (it == result.alerts.end()) {
      result.alerts.push_back(AlertCount{kind, 1, a.at_us});
    } else {
      ++it->count;
    }
  }
  result.dlq_depth_end = static_cast<std::uint64_t>(result.checks.metrics.dlq_depth_end);
  result.dlq_permanent = result.checks.metrics.dlq_permanent;
  return result;
}

}  // namespace notion_sim::scenarios
