#include "sections.h"

#include "notion_sim/checks/gates.h"
#include "notion_sim/checks/invariants.h"
#include "notion_sim/policies/stack_config.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/network.h"

namespace notion_sim::scenarios {
namespace {

template <typename T>
Status ToStatus(const Result<T>& r) {
  if (r.ok()) return {};
  return r.error();
}

}  // namespace

Status ValidateStack(engine::ObjectReader& section, const ScenarioSpec&) {
  return ToStatus(policies::ParseStackConfig(section));
}
Status ValidateNetwork(engine::ObjectReader& section, const ScenarioSpec&) {
  return ToStatus(sim::ParseNetworkModel(section));
}
Status ValidateInvariants(engine::ObjectReader& section, const ScenarioSpec&) {
  return ToStatus(checks::ParseInvariantConfig(section));
}
Status ValidateFake(engine::ObjectReader& root, const ScenarioSpec&) {
  return ToStatus(sim::ParseFakeConfig(root));
}
Status ValidateGates(engine::ObjectReader& root, const ScenarioSpec&) {
  return ToStatus(checks::ParseGates(root));
}

}  // namespace notion_sim::scenarios
