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
  {
    engine::ObjectReader stack = root.Has("stack") ? root.Object("stack") : root;
    if (root.Has("stack")) {
      auto parsed = policies::ParseStackConfig(stack);
      if (!parsed.ok()) return parsed.error();
      s.stack = std::move(parsed).value();
    }
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
  if (!reader.ok()) return reader.error();
  return s;
}

// What the scenario did not say about its invariants follows from its stack: the attempt bound,
// the limiter's budget and the lanes' limits are the stack's own promises.
void DeriveInvariants(const ScenarioSpec& spec, const policies::StackConfig& stack,
                      checks::InvariantConfig& inv) {
  static const nlohmann::json kNone = nlohmann::json::object();
  const nlohmann::json& said =
      spec.source.contains("invariants") ? spec.source.at("invariants") : kNone;
  if (!said.contains("max_attempts")) inv.max_attempts = std::max(1u, stack.retry.max_attempts);
  if (!said.contains("max_reconcile_lookups")) {
    inv.max_reconcile_lookups = std::max(1u, stack.max_reconcile_lookups);
  }
  if (!said.contains("op_deadline_ms")) {
    // Without a deadline in the stack, an operation may take the whole run plus its drain.
    inv.op_deadline_us = stack.retry.deadline_us > 0 ? stack.retry.deadline_us + Min(10)
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

}  // namespace

Result<Sections> PrepareSections(const ScenarioSpec& spec) {
  auto sections = ParseSections(spec);
  if (!sections.ok()) return sections.error();
  Sections& s = sections.value();
  ShapeWorld(spec, s.fake);
  DeriveInvariants(spec, s.stack, s.invariants);
  if (spec.phases.recover_within_us > 0) {
    s.gates.push_back(checks::Gate{"recovery_s", std::nullopt,
                                   static_cast<double>(spec.phases.recover_within_us) / 1e6});
  }
  return sections;
}

namespace {

checks::MetricsConfig MetricsConfigFor(const ScenarioSpec& spec) {
  checks::MetricsConfig config;
  if (spec.phases.safety_us > 0) config.fault_end_us = spec.phases.safety_us;
  return config;
}

}  // namespace

Observers::Observers(const ScenarioSpec& spec, const Sections& sections)
    : metrics(MetricsConfigFor(spec)),
      invariants(sections.invariants),
      health(&trace, sections.stack.health),
      alerts(&trace, sections.stack.alerts) {
  trace.AddSink(&metrics);
  trace.AddSink(&invariants);
  trace.AddSink(&health);
  trace.AddSink(&alerts);
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
  result.summary = std::move(summary);
  result.checks.metrics = observers.metrics.Finish(end_us);
  result.checks.invariants = observers.invariants.Finish(result.summary, ledger);
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
