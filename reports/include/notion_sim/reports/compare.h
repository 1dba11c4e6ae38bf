// Compare: one scenario's simulated run against its live run (`notion-sim compare`).
//
// The same invariants must hold in both worlds; the key metrics (attempts per operation, retries
// and their delays, Retry-After waits, breaker transitions, outcomes, latency) are put side by
// side (the catalogue's checks::ComparedMetrics(), by their labels), and a difference beyond the
// tolerance is marked. Counts are compared per operation started or per request, so that a live run
// cut shorter or longer than the simulation still compares. Thread-safe: pure functions.
#pragma once

#include <string>
#include <vector>

#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

struct SimLiveMetric {
  std::string name;
  double sim = 0;
  double live = 0;
  bool differs = false;  // beyond the tolerance
};

struct SimLiveInvariant {
  std::string name;
  bool sim_held = true;
  bool live_held = true;
  bool in_sim = false;
  bool in_live = false;
};

struct SimLiveComparison {
  std::string scenario;
  std::vector<SimLiveInvariant> invariants;
  std::vector<SimLiveMetric> metrics;
  // True when every invariant checked in either run held.
  bool invariants_held() const;
  std::size_t differences() const;
};

struct SimLiveOptions {
  // A metric differs when |sim - live| > max(abs_tolerance, rel_tolerance * max(|sim|, |live|)).
  double rel_tolerance = 0.25;
  double abs_tolerance = 0.05;
};

SimLiveComparison CompareSimLive(const scenarios::RunResult& sim, const scenarios::RunResult& live,
                                 const SimLiveOptions& options = {});

// A Markdown report: the invariants table, then the metrics with differences marked "≠".
std::string ComparisonMarkdown(const SimLiveComparison& comparison, const scenarios::RunResult& sim,
                               const scenarios::RunResult& live);

}  // namespace notion_sim::reports
