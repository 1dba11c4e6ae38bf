// HTML pages of a run. One self-contained page per scenario: identity and reproduce command,
// verdict, a "why it failed" box when it failed, the capacity sentence, headline cards (with what
// each figure means), and inline SVG charts over the time the work took (outcomes, requests
// against the client_rate budget with 429s and 5xx, breaker states per tenant, DLQ depth, latency
// p50/p99 on a log axis), with fault windows shaded and violations marked; then tables for
// operations, invariants, gates, breakers, checkpoints and alerts. And index.html, the entry page
// of a run's output: every scenario with its verdict, key figures and links.
//
// The charts and cards are listed once each (html.cc: Charts(), Cards()); a new figure is one
// entry there. No scripts, fonts or stylesheets from a network: the files read the same offline.
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <vector>

#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

std::string HtmlReport(const scenarios::RunResult& result);

// index.html: `pages[i]` is the file name of results[i]'s page (same directory).
std::string IndexHtml(const std::vector<scenarios::RunResult>& results,
                      const std::vector<std::string>& pages);

}  // namespace notion_sim::reports
