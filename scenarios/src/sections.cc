#include "sections.h"

namespace notion_sim::scenarios {

// Wired to the owners' parsers as they land (policies: stack; simulator: network, workspace,
// upstream, faults; engine: invariants, gates, sometimes).
Status ValidateStack(engine::ObjectReader&, const ScenarioSpec&) { return {}; }
Status ValidateNetwork(engine::ObjectReader&, const ScenarioSpec&) { return {}; }
Status ValidateWorkspace(engine::ObjectReader&, const ScenarioSpec&) { return {}; }
Status ValidateUpstream(engine::ObjectReader&, const ScenarioSpec&) { return {}; }
Status ValidateInvariants(engine::ObjectReader&, const ScenarioSpec&) { return {}; }
Status ValidateFaults(engine::ObjectReader&, const ScenarioSpec&) { return {}; }
Status ValidateGates(engine::ObjectReader&, const ScenarioSpec&) { return {}; }
Status ValidateSometimes(engine::ObjectReader&, const ScenarioSpec&) { return {}; }

}  // namespace notion_sim::scenarios
