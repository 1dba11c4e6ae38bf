// Validation of the scenario sections owned by other folders: each calls that folder's parser on
// the section's ObjectReader, so errors carry the scenario file's line and column.
#pragma once

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::scenarios {

Status ValidateStack(engine::ObjectReader& section, const ScenarioSpec& spec);
Status ValidateNetwork(engine::ObjectReader& section, const ScenarioSpec& spec);
Status ValidateInvariants(engine::ObjectReader& section, const ScenarioSpec& spec);
// Root-level readers: `root` is the scenario's root object; the parser reads its own keys
// ("workspace", "faults", "upstream" for the fake; "gates").
Status ValidateFake(engine::ObjectReader& root, const ScenarioSpec& spec);
Status ValidateGates(engine::ObjectReader& root, const ScenarioSpec& spec);

// Root-level fields every kind of scenario shares (scenario.cc): "name" (letters, digits, '_',
// '-' and '.': it names output files) and "tenants" (at least one: "default").
std::string ReadScenarioName(engine::ObjectReader& root);
std::vector<TenantSpec> ReadTenants(engine::ObjectReader& root);

}  // namespace notion_sim::scenarios
