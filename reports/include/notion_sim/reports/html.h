// One self-contained HTML page per run: identity and reproduce command, verdict, the capacity
// sentence, headline figures, and inline SVG charts (outcomes over time, requests with 429s and
// 5xx, breaker states per key, DLQ depth, latency p50/p99), then tables for operations,
// invariants (with the first violation and its events), gates, breakers, checkpoints and alerts.
// No scripts, fonts or stylesheets from a network: the file reads the same offline. Thread-safe:
// a pure function.
#pragma once

#include <string>

#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

std::string HtmlReport(const scenarios::RunResult& result);

}  // namespace notion_sim::reports
