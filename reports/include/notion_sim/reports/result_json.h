// The JSON result of a run: stable field names with units last, and a schema version.
// Thread-safe: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

inline constexpr int kResultSchemaVersion = 1;

nlohmann::json ResultToJson(const scenarios::RunResult& result);
// Writes `json` to `path` atomically (temp file + rename), creating parent directories.
Status WriteJsonFile(const std::string& path, const nlohmann::json& json);
// One line for the terminal: name, counts, virtual and wall time, seed, digest.
std::string SummaryLine(const scenarios::RunResult& result);

}  // namespace notion_sim::reports
