// rapidcheck generators for whole-stack cases (explore/case.h): fault plans, stack
// configurations and workloads. Each field is its own generator, so a failing case shrinks field
// by field: fewer fault rules and streams, lower rates, shorter phases, simpler actions.
#pragma once

#include <string>
#include <vector>

#include <rapidcheck.h>

#include "notion_sim/explore/case.h"

namespace notion_sim::explore::testing {

// A fault rule whose action is one of `actions` (the first is what it shrinks towards).
inline rc::Gen<FaultModel> GenFault(std::vector<std::string> actions,
                                    std::vector<std::string> operations = {""}) {
  return rc::gen::build<FaultModel>(
      rc::gen::set(&FaultModel::action, rc::gen::elementOf(actions)),
      rc::gen::set(&FaultModel::status, rc::gen::element(503, 500, 429, 502, 504)),
      rc::gen::set(&FaultModel::retry_after_s, rc::gen::inRange(0, 61)),
      rc::gen::set(&FaultModel::operation, rc::gen::elementOf(operations)),
      rc::gen::set(&FaultModel::from_s, rc::gen::inRange(0, 120)),
      rc::gen::set(&FaultModel::until_s, rc::gen::inRange(30, 300)),
      rc::gen::set(&FaultModel::percent, rc::gen::inRange(1, 101)),
      rc::gen::set(&FaultModel::delay_ms, rc::gen::inRange(1, 20000)));
}

// A stream of one of `operations`, up to `max_rate_per_10s` arrivals per 10 s.
inline rc::Gen<StreamModel> GenStream(std::vector<std::string> operations,
                                      int max_rate_per_10s = 100) {
  return rc::gen::build<StreamModel>(
      rc::gen::set(&StreamModel::operation, rc::gen::elementOf(operations)),
      rc::gen::set(&StreamModel::rate_per_10s, rc::gen::inRange(1, max_rate_per_10s + 1)),
      rc::gen::set(&StreamModel::tenant, rc::gen::inRange(0, 2)));
}

// A case: `stack` as given, 0..max_faults rules from `fault`, 1..3 streams from `stream`.
inline rc::Gen<CaseModel> GenCase(rc::Gen<StackModel> stack, rc::Gen<FaultModel> fault,
                                  rc::Gen<StreamModel> stream, int max_faults = 3,
                                  int min_faults = 0) {
  return rc::gen::build<CaseModel>(
      rc::gen::set(&CaseModel::seed, rc::gen::inRange<std::uint64_t>(1, 1000)),
      rc::gen::set(&CaseModel::safety_s, rc::gen::inRange(60, 301)),
      rc::gen::set(&CaseModel::liveness_s, rc::gen::inRange(0, 121)),
      rc::gen::set(&CaseModel::tenants, rc::gen::inRange(1, 3)),
      rc::gen::set(&CaseModel::stack, std::move(stack)),
      rc::gen::set(&CaseModel::faults,
                   rc::gen::mapcat(rc::gen::inRange(min_faults, max_faults + 1),
                                   [fault](int n) {
                                     return rc::gen::container<std::vector<FaultModel>>(
                                         static_cast<std::size_t>(n), fault);
                                   })),
      rc::gen::set(&CaseModel::streams, rc::gen::mapcat(rc::gen::inRange(1, 4), [stream](int n) {
        return rc::gen::container<std::vector<StreamModel>>(static_cast<std::size_t>(n), stream);
      })));
}

// Stacks users run: a profile, sometimes with a tighter attempt bound, a global breaker (after
// retry) or a token-bucket limiter on top. `planted_bug` is passed through (TEST ONLY).
inline rc::Gen<StackModel> GenStack(std::vector<std::string> profiles, bool breaker, bool limiter,
                                    std::string planted_bug = "") {
  return rc::gen::build<StackModel>(
      rc::gen::set(&StackModel::profile, rc::gen::elementOf(profiles)),
      rc::gen::set(&StackModel::max_attempts, rc::gen::inRange(0, 6)),
      rc::gen::set(&StackModel::breaker, rc::gen::just(breaker)),
      rc::gen::set(&StackModel::consecutive_failures, rc::gen::inRange(1, 6)),
      rc::gen::set(&StackModel::half_open_after_ms, rc::gen::inRange(100, 10000)),
      rc::gen::set(&StackModel::half_open_probes, rc::gen::inRange(1, 3)),
      rc::gen::set(&StackModel::limiter_rate_per_s,
                   limiter ? rc::gen::map(rc::gen::inRange(1, 6), [](int r) { return r * 1.0; })
                           : rc::gen::just(0.0)),
      rc::gen::set(&StackModel::limiter_burst, rc::gen::inRange(1, 10)),
      rc::gen::set(&StackModel::planted_bug, rc::gen::just(std::move(planted_bug))));
}

// A workflow of 1..4 steps from `operations`, each with a policy from `policies`; 1..30 items
// (or a listing) and 0..4 workers.
inline rc::Gen<WorkflowModel> GenWorkflow(std::vector<std::string> operations,
                                          std::vector<std::string> policies) {
  const auto steps = rc::gen::mapcat(rc::gen::inRange(1, 5), [operations](int n) {
    return rc::gen::container<std::vector<std::string>>(static_cast<std::size_t>(n),
                                                        rc::gen::elementOf(operations));
  });
  return rc::gen::build<WorkflowModel>(
      rc::gen::set(&WorkflowModel::items, rc::gen::inRange(1, 31)),
      rc::gen::set(&WorkflowModel::concurrency, rc::gen::inRange(0, 5)),
      rc::gen::set(&WorkflowModel::list, rc::gen::element(false, true)),
      rc::gen::set(&WorkflowModel::steps, steps),
      rc::gen::set(&WorkflowModel::on_failure,
                   rc::gen::container<std::vector<std::string>>(4, rc::gen::elementOf(policies))));
}

// `base` with 1..2 workflows from `workflow`.
inline rc::Gen<CaseModel> WithWorkflows(rc::Gen<CaseModel> base, rc::Gen<WorkflowModel> workflow) {
  return rc::gen::apply(
      [](CaseModel c, std::vector<WorkflowModel> w) {
        c.workflows = std::move(w);
        return c;
      },
      std::move(base), rc::gen::mapcat(rc::gen::inRange(1, 3), [workflow](int n) {
        return rc::gen::container<std::vector<WorkflowModel>>(static_cast<std::size_t>(n),
                                                              workflow);
      }));
}

}  // namespace notion_sim::explore::testing
