// Workspace files for the commands that build a fake from one (serve, conformance): the
// "workspace" object itself, or a document holding one under "workspace" (a scenario-like file).
#pragma once

#include <string>

#include "notion_sim/engine/status.h"
#include "notion_sim/simulator/workspace.h"

namespace notion_sim::cli {

// Errors name the file, the JSON path and what was expected.
Result<sim::Workspace> LoadWorkspace(const std::string& path);

}  // namespace notion_sim::cli
