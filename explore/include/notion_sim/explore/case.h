// Generated cases for the whole-stack property tests: a small model of a scenario (a stack, a
// fault plan, a workload, the phases) made of plain integers and names, so a property-testing
// library can generate it and shrink it field by field, and its translation into a scenario
// document. The minimal failing case is then a scenario file that `notion-sim run` reproduces.
//
//   CaseModel c;                         // usually from a generator (tests/explore/generators.h)
//   nlohmann::json doc = CaseToScenario(c, "prop_retry");
//   auto spec = scenarios::ParseScenario(doc.dump(2), "prop_retry");
//
// Thread-safe: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"

namespace notion_sim::explore {

struct FaultModel {
  // "respond", "lose_after_commit", "commit_then_503", "delay", "hang", "reset".
  std::string action = "respond";
  int status = 503;       // respond: 429, 500, 502, 503, 504 or 529
  int retry_after_s = 0;  // respond 429/503: 0 = no Retry-After header
  std::string operation;  // only requests of this operation ("" = all)
  int from_s = 0;         // active in [from_s, until_s) of the safety phase
  int until_s = 60;
  int percent = 50;     // fires with this probability (1..100)
  int delay_ms = 1000;  // delay
};

struct StreamModel {
  std::string operation = "retrieve_page";  // an operation name of engine/protocol.h
  int rate_per_10s = 10;                    // arrivals per 10 s (poisson)
  int tenant = 0;                           // index into the case's tenants
};

struct StackModel {
  std::string profile = "recommended";
  int max_attempts = 0;     // 0 = the profile's
  std::string retry_rules;  // "" = the profile's; "sdk", "classified", "any_failure"
  std::string retry_after;  // "" = the profile's; "ignore", "sdk", "strict"
  std::string reconcile;    // "" = the profile's; "off", "lookup_before_retry"
  bool breaker = false;     // add a global consecutive-failures breaker after retry
  int consecutive_failures = 5;
  int half_open_after_ms = 5000;
  int half_open_probes = 1;
  double limiter_rate_per_s = 0;  // > 0: a token-bucket limiter at this rate
  int limiter_burst = 5;
  std::string planted_bug;  // TEST ONLY: StackConfig::planted_bug
};

// A workflow: a batch of `items` (or, with `list`, the data source's pages) carried through
// `steps` (operation names) by `concurrency` workers (0 = unbounded); each step's failure policy
// from `on_failure` ("skip", "dead_letter", "retry_later", "continue", "abort", "goto_last"; a
// missing one is "skip").
struct WorkflowModel {
  int items = 10;
  int concurrency = 2;
  bool list = false;
  std::vector<std::string> steps = {"retrieve_page", "update_page"};
  std::vector<std::string> on_failure;
};

struct CaseModel {
  std::uint64_t seed = 1;
  int safety_s = 120;
  int liveness_s = 120;
  int recover_within_s = 0;  // > 0: a liveness check (the stack recovers this soon after faults)
  int tenants = 1;
  StackModel stack;
  std::vector<FaultModel> faults;
  std::vector<StreamModel> streams;
  std::vector<WorkflowModel> workflows;  // started at 0 s, named wf0, wf1, ...
};

// The scenario document of a case (name as given). Streams stop with the safety phase; the
// liveness phase lets every operation end (checked by ops_end_once).
nlohmann::json CaseToScenario(const CaseModel& c, const std::string& name);

// A one-line description ("3 streams, 1 fault rule (respond 500 on create_page 40%), stack
// recommended+any_failure, 240 s") for failure messages and test output.
std::string DescribeCase(const CaseModel& c);

// Writes the document to `dir`/`name`.json (creating the directory) and returns the path.
Result<std::string> WriteCase(const nlohmann::json& doc, const std::string& dir,
                              const std::string& name);

}  // namespace notion_sim::explore
