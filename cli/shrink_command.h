// Shrinking a failing scenario file, shared by `shrink` and `explore --shrink`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "notion_sim/explore/shrink.h"

namespace notion_sim::cli {

// Shrinks `doc` (keeping `check`, or its first failure), writes the minimal document to `out`,
// shows progress on stderr when asked. Errors are printed; nullopt then.
std::optional<explore::ShrinkResult> ShrinkFile(const nlohmann::json& doc, const std::string& name,
                                                const std::string& check, std::uint64_t max_runs,
                                                double max_seconds, bool progress,
                                                const std::string& out, bool gates = true);

}  // namespace notion_sim::cli
