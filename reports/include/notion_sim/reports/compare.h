// Compare: any two runs side by side (`notion-sim compare A B`): baseline against current, profile
// A against profile B, a simulated run against its live run.
//
// The same invariants must hold in both runs; the key metrics (attempts per operation, retries
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

// "storm_429 (sim, recommended, seed 7)": what a run is, for headings and legends.
std::string RunLabel(const scenarios::RunResult& run);

// A Markdown report: who is A and who is B, the invariants table, then the metrics with
// differences marked "≠". (The struct's sim/live fields hold A and B.)
std::string ComparisonMarkdown(const SimLiveComparison& comparison, const scenarios::RunResult& a,
                               const scenarios::RunResult& b);

// A self-contained HTML page: A and B, the invariants of both, overlaid charts of both runs over
// time (operations finished and requests per minute, latency p99 on a log axis, DLQ depth; A
// solid, B dashed) and the delta table (A, B, B - A, relative change, "≠" beyond the tolerance).
std::string ComparisonHtml(const SimLiveComparison& comparison, const scenarios::RunResult& a,
                           const scenarios::RunResult& b);

}  // namespace notion_sim::reports
