// The Markdown summary of a run over one or more scenarios, fit for a CI step summary
// ($GITHUB_STEP_SUMMARY): a table of scenarios with verdicts and headline figures, the capacity
// sentence of each, then every failure with what broke and the one command that reproduces it.
// Thread-safe: a pure function.
#pragma once

#include <string>
#include <vector>

#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

std::string MarkdownSummary(const std::vector<scenarios::RunResult>& results);

}  // namespace notion_sim::reports
