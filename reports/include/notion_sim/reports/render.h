// Writes every report of a run into a directory: summary.md (Markdown for a CI step summary),
// junit.xml, one <scenario>.html per result (with "-seed<N>" added when a scenario appears
// more than once) and index.html, the entry page that lists them all. Used by `notion-sim run`
// after a run and by `notion-sim report` from result files. Thread-safe: touches only the files it
// writes.
#pragma once

#include <string>
#include <vector>

#include "notion_sim/engine/status.h"
#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

// The paths written, in order, or the first I/O error.
Result<std::vector<std::string>> WriteReports(const std::vector<scenarios::RunResult>& results,
                                              const std::string& out_dir);

}  // namespace notion_sim::reports
