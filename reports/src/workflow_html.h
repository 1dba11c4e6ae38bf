// The workflows' part of a run's HTML report: per workflow its capacity line, a chart of items
// done over time against the budget line (how fast the items could end if every request the
// Notion budget of its tokens allows went to them, at the API calls per item measured), and a
// table of its steps. The chart is drawn with svg.h's TimeChart like the run's other charts (same
// time axis, round ticks, tooltips per bucket, fault windows shaded). Thread-safe: a pure function.
#pragma once

#include <string>
#include <vector>

#include "notion_sim/checks/metrics.h"
#include "svg.h"

namespace notion_sim::reports {

// "" when the run has no workflows. The chart's time runs over [0, x_end_us] (the run's other
// charts' axis) with `faults` shaded.
std::string WorkflowSection(const checks::MetricsReport& metrics, TimeUs x_end_us,
                            const std::vector<svg::Window>& faults);

}  // namespace notion_sim::reports
