#include "notion_sim/scenarios/run.h"

#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/policies/pass_through.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/scenarios/workload.h"

namespace notion_sim::scenarios {

Result<RunResult> RunScenario(const ScenarioSpec& spec) {
  engine::Rng root(spec.seed);
  engine::SimLoop loop;
  engine::Trace trace;
  sim::FakeNotion fake(loop, root.Fork("simulator"), &trace);
  sim::InProcessTransport transport(loop, fake, sim::NetworkModel{});
  engine::Rng workload_rng = root.Fork("workload");
  WorkloadTargets targets;
  targets.data_source = engine::ObjectId::Random(workload_rng);
  ScenarioWorkload workload(spec, targets, workload_rng);
  policies::PassThroughClient client(loop, trace, transport);
  engine::Runner runner(loop, trace, workload, client);
  RunResult result;
  result.scenario = spec.name;
  result.path = spec.path;
  result.scenario_hash = spec.hash;
  result.seed = spec.seed;
  result.summary = runner.Run(engine::RunOptions{spec.duration_us, spec.drain_limit_us});
  result.server_writes = fake.ledger().size();
  result.server_pages = fake.page_count();
  if (!result.summary.status.ok()) return result.summary.status.error();
  return result;
}

}  // namespace notion_sim::scenarios
