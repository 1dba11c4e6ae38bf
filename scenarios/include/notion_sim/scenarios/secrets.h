// A scenario document with its secrets replaced, for the files that copy a scenario: explore's and
// sweep's results (explore.json, sweep.json) and explore's failure files.
//
// A scenario may hold tokens: tenants[].token, workspace.tokens[].token, faults[].match.token and
// upstream.api_keys[]. In simulation their values are never observed (requests name their tenant
// by index; a fault rule's token only matches over HTTP), only their equalities are: the first
// tenant's token must be one the workspace lists. So each distinct token becomes a placeholder
// ("redacted_token_1", ...), the same value everywhere it appears, and the copy runs exactly as
// the original does (same digest). Tokens a tenant gets by default ("secret_sim_" + its name) are
// derived from the name, not secrets, and stay.
//
//   nlohmann::json copy = RedactScenarioSecrets(spec.source);
//
// Thread-safe (a pure function).
#pragma once

#include <nlohmann/json.hpp>

namespace notion_sim::scenarios {

nlohmann::json RedactScenarioSecrets(const nlohmann::json& source);

}  // namespace notion_sim::scenarios
