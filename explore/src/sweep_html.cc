#include "sweep_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "notion_sim/reports/chart.h"
#include "notion_sim/reports/text.h"

namespace notion_sim::explore {
namespace {

using reports::XmlEscape;

bool Better(double a, double b, const Objective& o) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return o.maximize ? a > b : a < b;
}

// The unit a metric's name carries (units last: latency_ms.p99, recovery_s, ...).
std::string Unit(const std::string& metric) {
  if (metric.find("_ms") != std::string::npos) return "ms";
  if (metric.size() > 2 && (metric.find("_s.") != std::string::npos ||
                            metric.compare(metric.size() - 2, 2, "_s") == 0)) {
    return "s";
  }
  if (metric.find("ratio") != std::string::npos) return "fraction, 1 = all";
  if (metric.find("per_op") != std::string::npos) return "calls per operation";
  if (metric.find("per_min") != std::string::npos) return "per minute";
  if (metric.find("per_s") != std::string::npos) return "per second";
  return "count";
}

std::string AxisLabel(const Objective& o) {
  return o.metric + " (" + Unit(o.metric) + "; " + (o.maximize ? "higher" : "lower") +
         " is better)";
}

std::string ValueText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// "retry.max_attempts" for "stack.retry.max_attempts".
std::string AxisName(const std::string& path) {
  return path.rfind("stack.", 0) == 0 ? path.substr(6) : path;
}

std::string MeanSd(const MetricStats& m) {
  if (m.n == 0) return "-";
  return Short(m.mean) + (m.n > 1 && !std::isnan(m.sd) ? " ± " + Short(m.sd) : "");
}

// The mean to the precision its spread supports (two significant digits of the sd), with the sd
// below it: "0.8866" over "± 0.0060". Keeps the table narrow enough for the page.
std::string MeanSdCell(const MetricStats& m) {
  if (m.n == 0) return "-";
  if (m.n < 2 || std::isnan(m.sd) || m.sd <= 0 || !std::isfinite(m.mean)) {
    return XmlEscape(Short(m.mean));
  }
  const int decimals = std::clamp(1 - static_cast<int>(std::floor(std::log10(m.sd))), 0, 8);
  char mean[48];
  char sd[48];
  std::snprintf(mean, sizeof mean, "%.*f", decimals, m.mean);
  std::snprintf(sd, sizeof sd, "%.*f", decimals, m.sd);
  return std::string(mean) + "<br><span class=\"note\">± " + sd + "</span>";
}

// Header text that may wrap after each '.' and '_' (metric names are long, one word to a browser).
std::string Breakable(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += XmlEscape(std::string(1, c));
    if (c == '.' || c == '_') out += "<wbr>";
  }
  return out;
}

}  // namespace

std::string SweepHtml(const SweepRun& run, const SweepSummary& s) {
  const std::size_t n_obj = run.spec.objectives.size();
  const auto configs = Configurations(run.spec);
  std::string body = "<p>" + XmlEscape(run.scenario) + ": " + std::to_string(s.configs.size()) +
                     " configuration(s) × " + std::to_string(run.spec.seeds) +
                     " seed(s), every configuration facing the same seeds. Each point is a "
                     "configuration, numbered as in the table, at its mean over the seeds with "
                     "± one standard deviation as bars. Blue points are on the Pareto frontier "
                     "over all the objectives; the dashed line joins each chart's own "
                     "two-objective frontier; grey points are dominated; light grey ones broke "
                     "an invariant; the ringed one is recommended.</p>\n";
  body += "<div class=\"capacity\">Recommended: " +
          XmlEscape(s.recommended ? "#" + std::to_string(*s.recommended + 1) + " " +
                                        s.configs[*s.recommended].label
                                  : "none") +
          " — " + XmlEscape(s.why) + ".</div>\n";
  for (std::size_t j = 1; j < n_obj && j <= 3; ++j) {
    const std::vector<Objective> pair = {run.spec.objectives[0], run.spec.objectives[j]};
    const auto on_pair_frontier = [&](const ConfigSummary& c) {
      if (!c.safe) return false;
      return std::none_of(s.configs.begin(), s.configs.end(), [&](const ConfigSummary& o) {
        if (!o.safe || o.config == c.config) return false;
        const double ox = o.metrics[j].mean;
        const double oy = o.metrics[0].mean;
        const double cx = c.metrics[j].mean;
        const double cy = c.metrics[0].mean;
        const bool no_worse = !Better(cx, ox, pair[1]) && !Better(cy, oy, pair[0]);
        return no_worse && (Better(ox, cx, pair[1]) || Better(oy, cy, pair[0]));
      });
    };
    std::vector<reports::ScatterPoint> points;
    for (const ConfigSummary& c : s.configs) {
      reports::ScatterPoint p;
      p.x = c.metrics[j].mean;
      p.y = c.metrics[0].mean;
      p.x_err = std::isnan(c.metrics[j].sd) ? 0 : c.metrics[j].sd;
      p.y_err = std::isnan(c.metrics[0].sd) ? 0 : c.metrics[0].sd;
      p.tag = std::to_string(c.config + 1);
      p.label = "#" + p.tag + " " + c.label + ": " + s.metrics[0] + " " + MeanSd(c.metrics[0]) +
                ", " + s.metrics[j] + " " + MeanSd(c.metrics[j]) +
                (c.safe ? "" : " (broke an invariant)");
      p.highlighted = c.on_frontier;
      p.joined = on_pair_frontier(c);
      p.marked = s.recommended && *s.recommended == c.config;
      p.muted = !c.safe;
      points.push_back(p);
    }
    body += "<figure data-chart=\"frontier\"><figcaption>" +
            XmlEscape(run.spec.objectives[0].metric + " against " + run.spec.objectives[j].metric) +
            "</figcaption>" +
            reports::ScatterSvg(AxisLabel(run.spec.objectives[j]),
                                AxisLabel(run.spec.objectives[0]), points) +
            "</figure>\n";
  }
  // A two-axis grid reads best as a map: one per objective, darker is better.
  if (run.spec.grid.size() == 2) {
    const Axis& rows = run.spec.grid[0];
    const Axis& cols = run.spec.grid[1];
    for (std::size_t k = 0; k < n_obj && k < 3; ++k) {
      reports::Heatmap map;
      map.row_axis = AxisName(rows.path);
      map.col_axis = AxisName(cols.path);
      map.value_label =
          run.spec.objectives[k].metric + " (" + Unit(run.spec.objectives[k].metric) + ", mean)";
      map.lower_is_better = !run.spec.objectives[k].maximize;
      for (const auto& v : rows.values) map.row_values.push_back(ValueText(v));
      for (const auto& v : cols.values) map.col_values.push_back(ValueText(v));
      map.cells.assign(rows.values.size(), std::vector<std::optional<double>>(cols.values.size()));
      map.cell_notes.assign(rows.values.size(), std::vector<std::string>(cols.values.size()));
      for (const ConfigSummary& c : s.configs) {
        // The last axis varies fastest.
        const std::size_t r = c.config / cols.values.size();
        const std::size_t col = c.config % cols.values.size();
        if (r >= map.cells.size()) continue;
        if (c.metrics[k].n > 0) map.cells[r][col] = c.metrics[k].mean;
        map.cell_notes[r][col] =
            "#" + std::to_string(c.config + 1) + ", " + MeanSd(c.metrics[k]) +
            (c.safe ? "" : ", broke an invariant in " + std::to_string(c.violated) + " run(s)");
      }
      body += "<figure data-chart=\"heatmap\"><figcaption>" +
              XmlEscape(run.spec.objectives[k].metric + " over the grid: " + map.row_axis +
                        " (rows) × " + map.col_axis + " (columns); " +
                        (map.lower_is_better ? "lower" : "higher") + " is better and darker") +
              "</figcaption>" + reports::HeatmapSvg(map) + "</figure>\n";
    }
  }
  body +=
      "<h2>Configurations</h2><div class=\"wide\"><table class=\"compact sweep\"><tr><th>#"
      "</th><th></th>";
  for (const Axis& a : run.spec.grid) body += "<th>" + Breakable(AxisName(a.path)) + "</th>";
  body += "<th class=\"n\">runs</th><th class=\"n\">runs that broke an invariant</th>";
  for (const std::string& m : s.metrics) {
    body += "<th class=\"n\">" + Breakable(m) + "<br><span class=\"note\">" + XmlEscape(Unit(m)) +
            "; mean, ± sd</span></th>";
  }
  body += "<th>constraints</th></tr>";
  for (const ConfigSummary& c : s.configs) {
    const bool rec = s.recommended && *s.recommended == c.config;
    body += "<tr data-config=\"" + std::to_string(c.config + 1) + "\"><td class=\"n\">" +
            std::to_string(c.config + 1) + "</td><td>" + std::string(rec ? "recommended " : "") +
            (c.on_frontier ? "frontier" : "") + "</td>";
    if (c.config < configs.size()) {
      for (const auto& [path, value] : configs[c.config]) {
        body += "<td>" + XmlEscape(ValueText(value)) + "</td>";
      }
    }
    body += "<td class=\"n\">" + std::to_string(c.runs) + "</td><td class=\"n\">" +
            std::to_string(c.violated) + "</td>";
    for (const MetricStats& m : c.metrics) body += "<td class=\"n\">" + MeanSdCell(m) + "</td>";
    std::string unmet;
    for (const std::string& u : c.unmet) unmet += (unmet.empty() ? "" : ", ") + u;
    body += "<td>" + XmlEscape(unmet.empty() ? "met" : "unmet: " + unmet) + "</td></tr>";
  }
  body += "</table></div>\n";
  return reports::HtmlPage("sweep " + run.scenario, body);
}

}  // namespace notion_sim::explore
