// The workflows' part of a run's HTML report: per workflow its capacity line, a chart of items
// done over time against the budget line (how fast the items could end if every request the
// Notion budget of its tokens allows went to them, at the API calls per item measured), and a
// table of its steps. Self-contained (its own small SVG), so the run report only calls it.
// Thread-safe: a pure function.
#pragma once

#include <string>

#include "notion_sim/checks/metrics.h"

namespace notion_sim::reports {

// "" when the run has no workflows.
std::string WorkflowSection(const checks::MetricsReport& metrics);

}  // namespace notion_sim::reports
