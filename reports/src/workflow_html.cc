#include "workflow_html.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

// The run report's colours for success and for the budget (html.cc).
constexpr const char* kDone = "#2e9d4a";
constexpr const char* kBudget = "#0b7285";
constexpr const char* kAllDone = "#1b7a32";

// Items done over time (cumulative, at each bucket's end) against the budget line: how fast the
// items could end if every request the Notion budget of its tokens allows went to them.
std::string CompletionChart(const checks::MetricsReport& m, const checks::WorkflowMetrics& w,
                            TimeUs x_end_us, const std::vector<svg::Window>& faults) {
  const TimeUs end = std::max<TimeUs>(1, x_end_us);
  const double items = std::max(1.0, static_cast<double>(w.items_started));
  const TimeUs bucket = std::max<TimeUs>(1, m.bucket_us);
  svg::TimeChart c(end, 240, items, "items done");
  for (const svg::Window& f : faults) c.Shade(f);
  // Tooltips: each bucket's items done, in it and so far.
  std::vector<std::pair<TimeUs, double>> done_line = {{0, 0}};
  std::uint64_t done = 0;
  for (std::size_t i = 0; i < w.done_per_bucket.size(); ++i) {
    const TimeUs from = static_cast<TimeUs>(i) * bucket;
    if (from >= end) break;
    const TimeUs until = std::min(end, from + bucket);
    done += w.done_per_bucket[i];
    done_line.emplace_back(until, static_cast<double>(done));
    c.Bar(from, until, 0, items, "transparent",
          DurationText(from) + " – " + DurationText(until) + ": " +
              CountText(w.done_per_bucket[i]) + " items ended, " + CountText(done) + " of " +
              CountText(w.items_started) + " done (" +
              PercentText(static_cast<double>(done) / items) + ")",
          0);
  }
  std::string budget_text;  // "12.5 items/min (180 Notion req/min over 3.02 Notion calls per item)"
  if (w.budget_requests_per_min > 0 && w.notion_calls_per_item > 0) {
    // Items per minute at the budget = budget requests per minute / Notion calls per item, from
    // the first release, capped at the items released.
    const double per_min = w.budget_requests_per_min / w.notion_calls_per_item;
    const double per_us = per_min / 60e6;
    const TimeUs t0 = w.first_release_us;
    const TimeUs t1 = std::min(end, t0 + static_cast<TimeUs>(std::llround(items / per_us)));
    budget_text = svg::ValueText(std::round(per_min * 10) / 10) + " items/min (" +
                  CountText(static_cast<std::uint64_t>(std::llround(w.budget_requests_per_min))) +
                  " Notion req/min over " +
                  svg::ValueText(std::round(w.notion_calls_per_item * 100) / 100) +
                  " Notion calls per item)";
    std::vector<std::pair<TimeUs, double>> budget = {{t0, 0},
                                                     {t1, static_cast<double>(t1 - t0) * per_us}};
    if (t1 < end) budget.emplace_back(end, items);
    c.Line(budget, kBudget, "at the budget: " + budget_text, "6 4");
  }
  c.Line(done_line, kDone, "items done: " + CountText(done) + " of " + CountText(w.items_started));
  if (w.complete() && w.items_started > 0) {
    c.Marker(w.last_finish_us, "all done: " + ClockText(w.makespan_us), kAllDone);
  }
  std::vector<svg::Swatch> legend = {{"items done", kDone, true}};
  if (!budget_text.empty()) legend.push_back({"at the budget", kBudget, true});
  return svg::Figure("workflow-" + w.name, "Items of " + w.name + " done over time (cumulative)",
                     c.Svg("items of " + w.name + " done over time"), svg::Legend(legend),
                     budget_text.empty()
                         ? "No budget line: the Notion budget of its tokens is not known."
                         : "The dashed line is the fastest pace the Notion budget of its tokens "
                           "allows: " +
                               budget_text + ".");
}

}  // namespace

std::string WorkflowSection(const checks::MetricsReport& m, TimeUs x_end_us,
                            const std::vector<svg::Window>& faults) {
  if (m.workflows.empty()) return "";
  std::string h = "<h2>Workflows</h2>\n";
  for (const checks::WorkflowMetrics& w : m.workflows) {
    h += "<h3>" + XmlEscape(w.name) + "</h3><div class=\"capacity\">" + XmlEscape(WorkflowLine(w)) +
         "</div>\n";
    h += CompletionChart(m, w, x_end_us, faults);
    h += "<table><tr><th>step</th><th>runs</th><th>failed</th><th>calls</th><th>p50</th>"
         "<th>p90</th><th>p99</th><th>max</th></tr>";
    for (const checks::StepMetrics& st : w.steps) {
      h += "<tr><td>" + XmlEscape(st.name) + "</td><td class=\"n\">" + CountText(st.runs) +
           "</td><td class=\"n\">" + CountText(st.failed) + "</td><td class=\"n\">" +
           CountText(st.calls) + "</td>";
      for (TimeUs v :
           {st.latency.p50_us, st.latency.p90_us, st.latency.p99_us, st.latency.max_us}) {
        h += "<td class=\"n\">" + DurationText(v) + "</td>";
      }
      h += "</tr>";
    }
    h += "<tr><td><b>end to end</b> (per item, waiting included)</td><td class=\"n\">" +
         CountText(w.items_finished()) + "</td><td class=\"n\">" +
         CountText(w.items_finished() - w.items[0] - w.items[1]) + "</td><td class=\"n\">" +
         CountText(w.api_calls) + "</td>";
    for (TimeUs v : {w.latency.p50_us, w.latency.p90_us, w.latency.p99_us, w.latency.max_us}) {
      h += "<td class=\"n\">" + DurationText(v) + "</td>";
    }
    h += "</tr></table>\n";
  }
  return h;
}

}  // namespace notion_sim::reports
