// Runs a scenario in simulation: wires the workload, the stack of its profile and the in-process
// fake on a SimLoop, and returns the result. Thread-safe: each call builds its own world, so
// independent runs may go on in parallel threads.
#pragma once

#include <string>

#include "notion_sim/engine/ledger.h"
#include "notion_sim/engine/runner.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {

struct RunResult {
  std::string scenario;
  std::string path;
  std::string scenario_hash;
  std::uint64_t seed = 0;
  engine::RunSummary summary;
  std::uint64_t server_writes = 0;
  std::uint64_t server_pages = 0;
  double wall_time_ms = 0;  // filled in by the caller that timed the run
};

Result<RunResult> RunScenario(const ScenarioSpec& spec);

}  // namespace notion_sim::scenarios
