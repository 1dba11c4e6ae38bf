// sweep.html, the page a tuner reads: the recommendation, the frontier charts (the first
// objective against each other one; each point numbered as in the table, with ± one standard
// deviation over the seeds as error bars; axes with round ticks and units), a heat map of each
// objective when the grid has two axes, and the table with one column per grid axis.
// Thread-safe: a pure function.
#pragma once

#include <string>

#include "notion_sim/explore/sweep.h"

namespace notion_sim::explore {

std::string SweepHtml(const SweepRun& run, const SweepSummary& summary);

}  // namespace notion_sim::explore
