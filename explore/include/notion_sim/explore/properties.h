// The properties every explored or generated run must keep, and what a failure looks like.
//
// A run fails when (safety) an invariant of checks/invariants.h was violated or the breaker's
// half-open state let more calls through than its probes (checked where the trace shows it exactly:
// one global breaker ordered after retry, no enrich upstream), (liveness) the stack did not recover
// within the scenario's `recover_within_s` after faults stopped or operations never ended,
// (gate) a gate of the scenario did not pass (only when asked: swarm runs change the bad day, so
// their gates no longer apply), or (determinism) the same seed gave another trace digest.
//
// A failure's signature — the check, the stack's profile and the pattern of events that showed
// it — dedupes failures: two seeds breaking the same invariant through the same kind of events are
// one bug.
//
//   auto failures = CheckRun(spec, result, CheckOptions{.gates = false});
//   for (const Failure& f : failures) std::cout << f.signature << " " << f.Title() << "\n";
//
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/checks/metrics.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::explore {

struct Failure {
  std::string kind;       // "safety", "liveness", "gate", "determinism", "error"
  std::string check;      // "no_duplicate_creates", "half_open_probes", "recovery", a metric, ...
  std::string profile;    // the stack's profile
  std::string pattern;    // event kinds of the first violation's evidence (properties.cc)
  std::string signature;  // 8 hex digits over (kind, check, profile, pattern)
  std::string detail;     // the first violation, one line

  std::string Title() const { return kind + ": " + check + " (" + profile + ")"; }
  // Whether `notion-sim run` judges it (invariants, gates, recovery) or only explore's own checks
  // do (the half-open bound, determinism).
  bool SeenByRun() const { return kind != "determinism" && check != "half_open_probes"; }
  // The command that reproduces it from a scenario file whose seed is the failing one:
  // "notion-sim run FILE", or for explore's own checks "notion-sim explore FILE --seeds 1 ...".
  std::string Reproduce(const std::string& file) const;
};

nlohmann::json FailureToJson(const Failure& failure);
Failure FailureFromJson(const nlohmann::json& json);

struct CheckOptions {
  bool gates = true;  // count failed gates (other than the recovery gate) as failures
  // Liveness: with the bound, the stack must recover within the scenario's recover_within_s;
  // without it (swarm runs, whose bad day is not the one the bound was set for), it must recover
  // before the run ends.
  bool recovery_bound = true;
};

// Every property on one run. Empty when all held.
std::vector<Failure> CheckRun(const scenarios::ScenarioSpec& spec,
                              const scenarios::RunResult& result, const CheckOptions& options = {});

// A failure that is not about the run's behaviour: the run could not be built or the digests of
// two runs of one seed differed.
Failure MakeFailure(std::string kind, std::string check, std::string profile, std::string detail);

// The "sometimes" goals (scenarios::SometimesGoalNames) this run reached, in that list's order.
std::vector<std::string> GoalsReached(const checks::MetricsReport& metrics);

}  // namespace notion_sim::explore
