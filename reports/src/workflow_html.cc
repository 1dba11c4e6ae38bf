#include "workflow_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

constexpr double kWidth = 960;
constexpr double kHeight = 240;
constexpr double kLeft = 64;
constexpr double kRight = 16;
constexpr double kTop = 12;
constexpr double kBottom = 28;

// Items done over time (cumulative, at each bucket's end) and the budget line.
std::string CompletionChart(const checks::MetricsReport& m, const checks::WorkflowMetrics& w) {
  const double end = static_cast<double>(std::max<TimeUs>(1, m.end_us));
  const double y_max = std::max(1.0, static_cast<double>(w.items_started));
  auto x = [&](double t_us) {
    return kLeft + std::clamp(t_us / end, 0.0, 1.0) * (kWidth - kLeft - kRight);
  };
  auto y = [&](double v) {
    return kHeight - kBottom - std::clamp(v / y_max, 0.0, 1.0) * (kHeight - kTop - kBottom);
  };
  std::string s = "<svg viewBox=\"0 0 " + Num(kWidth) + " " + Num(kHeight) +
                  "\" width=\"100%\" role=\"img\" aria-label=\"items done over time\">";
  for (int i = 0; i <= 4; ++i) {
    const double v = y_max * i / 4;
    s += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(y(v)) +
         "\" y2=\"" + Num(y(v)) + "\" class=\"grid\"/><text x=\"" + Num(kLeft - 6) + "\" y=\"" +
         Num(y(v) + 4) + "\" class=\"ax\" text-anchor=\"end\">" +
         CountText(static_cast<std::uint64_t>(std::llround(v))) + "</text>";
  }
  for (int i = 0; i <= 8; ++i) {
    const double t = end * i / 8;
    s += "<text x=\"" + Num(x(t)) + "\" y=\"" + Num(kHeight - kBottom + 16) +
         "\" class=\"ax\" text-anchor=\"middle\">" +
         (i == 0 ? std::string("0") : ClockText(static_cast<TimeUs>(t))) + "</text>";
  }
  s += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" +
       Num(kHeight - kBottom) + "\" y2=\"" + Num(kHeight - kBottom) + "\" class=\"axl\"/>";
  // The budget line: items per minute = budget requests per minute / API calls per item, from the
  // first release, capped at the items released.
  if (w.budget_requests_per_min > 0 && w.notion_calls_per_item > 0) {
    const double per_us = w.budget_requests_per_min / w.notion_calls_per_item / 60e6;
    const double t0 = static_cast<double>(w.first_release_us);
    const double t1 = std::min(end, t0 + y_max / per_us);
    s += "<path d=\"M" + Num(x(t0)) + " " + Num(y(0)) + " L" + Num(x(t1)) + " " +
         Num(y((t1 - t0) * per_us)) + (t1 < end ? " L" + Num(x(end)) + " " + Num(y(y_max)) : "") +
         "\" fill=\"none\" stroke=\"#868e96\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\">"
         "<title>at the budget</title></path>";
  }
  std::string d = "M" + Num(x(0)) + " " + Num(y(0));
  std::uint64_t done = 0;
  for (std::size_t i = 0; i < w.done_per_bucket.size(); ++i) {
    done += w.done_per_bucket[i];
    const double t = std::min(end, static_cast<double>((i + 1) * m.bucket_us));
    d += " L" + Num(x(t)) + " " + Num(y(static_cast<double>(done)));
  }
  s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"#2e9d4a\" stroke-width=\"2\"/>";
  if (w.complete() && w.items_started > 0) {
    const double t = static_cast<double>(w.last_finish_us);
    s += "<line x1=\"" + Num(x(t)) + "\" x2=\"" + Num(x(t)) + "\" y1=\"" + Num(kTop) + "\" y2=\"" +
         Num(kHeight - kBottom) + "\" stroke=\"#1b7a32\" stroke-dasharray=\"4 3\"/>" +
         "<text x=\"" + Num(x(t) + 3) + "\" y=\"" + Num(kTop + 10) +
         "\" class=\"mk\" fill=\"#1b7a32\">all done: " + ClockText(w.makespan_us) + "</text>";
  }
  return s + "</svg>";
}

}  // namespace

std::string WorkflowSection(const checks::MetricsReport& m) {
  if (m.workflows.empty()) return "";
  std::string h = "<h2>Workflows</h2>\n";
  for (const checks::WorkflowMetrics& w : m.workflows) {
    h += "<h3>" + XmlEscape(w.name) + "</h3><div class=\"capacity\">" + XmlEscape(WorkflowLine(w)) +
         "</div>\n";
    h += "<figure><figcaption>Items done over time; dashed: at the budget (" +
         XmlEscape(CountText(static_cast<std::uint64_t>(std::llround(w.budget_requests_per_min)))) +
         " Notion req/min over " + Num(w.notion_calls_per_item) +
         " Notion calls per item)</figcaption><div class=\"legend\"><span><i "
         "style=\"background:#2e9d4a\"></i>items done</span><span><i "
         "style=\"background:#868e96\"></i>at the budget</span></div>" +
         CompletionChart(m, w) + "</figure>\n";
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
