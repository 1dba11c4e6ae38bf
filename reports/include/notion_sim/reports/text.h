// Figures as people read them, shared by every writer: durations with a sensible unit, counts
// with thousands separators, percentages, the capacity sentence, and escaping for Markdown, XML
// and HTML. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "notion_sim/engine/time.h"
#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

// "850 us", "12.3 ms", "1.9 s", "58 min", "3.2 h" (3 significant digits at most).
std::string DurationText(TimeUs us);
// Durations the way a person says them: "1 h 52 min", "14 min 5 s", "38 s", "850 ms".
std::string ClockText(TimeUs us);
// "10,000"
std::string CountText(std::uint64_t n);
// A ratio in [0, 1] as a percentage: "3 %", "0.42 %", "99.9 %", "100 %".
std::string PercentText(double ratio);
// "10,000 create_page in 58 min at 180 req/min; 3 % retries; p99 1.9 s; 99.9 % succeeded"
// (several operation types: "12,000 ops (10,000 create_page, 2,000 search) in ...").
std::string CapacityLine(const scenarios::RunResult& result);
// One workflow: "ai_enrich: 2,000 items in 1 h 52 min (17.9/min), 100 % succeeded; item p99 12 s;
// 4 API calls/item; 176 Notion req/min of a 360 budget". The capacity line ends with one per
// workflow (and is only these when the run has no single calls).
std::string WorkflowLine(const checks::WorkflowMetrics& workflow);
// What a run did, for its one-line summary: "600 ops (590 succeeded, 595 answered, 5 failed, 0
// dlq, 0 unfinished), p99 1.2 s"; a workflow counts its items, not its runs: "1,000 items of
// enrich (1,000 succeeded, 0 degraded, 0 failed, 0 dead-lettered, 0 aborted, 0 unfinished; item
// p99 3.4 min)", then the run's single calls, if any, as above.
std::string WorkText(const scenarios::RunResult& result);
// Escapes &, <, >, " and ' for XML and HTML text and attributes.
std::string XmlEscape(std::string_view text);
// Makes text safe in a Markdown table cell (pipes, newlines).
std::string MarkdownCell(std::string_view text);

}  // namespace notion_sim::reports
