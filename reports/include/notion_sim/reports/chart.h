// Charts for pages other than the run report (sweeps, comparisons): an x-y scatter with round
// ticks, units, labels and ± error bars, a heat map for two-dimensional grids, and the page frame
// with the reports' stylesheet, so every page looks the same and there is one plotting layer
// (reports/src/svg.h). Thread-safe: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace notion_sim::reports {

struct ScatterPoint {
  double x = 0;
  double y = 0;
  double x_err = 0;  // ± (e.g. one standard deviation); 0 draws no bar
  double y_err = 0;
  std::string label;         // shown on hover
  std::string tag;           // a short label drawn next to the point ("A", "3")
  bool highlighted = false;  // drawn larger, in the accent colour
  bool joined = false;       // on the line drawn through the joined points in x order
  bool marked = false;       // drawn with a ring (e.g. the recommended point)
  bool muted = false;        // drawn grey (e.g. unsafe configurations)
};

// An inline <svg> scatter plot. Axis labels carry the unit ("latency_ms.p99 (ms)"); ticks are
// round numbers. Non-finite points are left out (and counted in a note).
std::string ScatterSvg(const std::string& x_label, const std::string& y_label,
                       const std::vector<ScatterPoint>& points);

// A heat map over a two-dimensional grid: cells[row][col] (nullopt: not measured), rows labelled
// by `row_values` (bottom to top), columns by `col_values`; colour from low (light) to high
// (dark) of `value_label`, or reversed when `lower_is_better` so darker is always better. Each
// cell shows its value and `cell_notes` (same shape, may be empty) on hover.
struct Heatmap {
  std::string row_axis;
  std::string col_axis;
  std::string value_label;
  std::vector<std::string> row_values;
  std::vector<std::string> col_values;
  std::vector<std::vector<std::optional<double>>> cells;
  std::vector<std::vector<std::string>> cell_notes;
  bool lower_is_better = false;
};
std::string HeatmapSvg(const Heatmap& map);

// A self-contained HTML page: the reports' stylesheet, `title` as <title> and <h1>, then `body`
// (already HTML).
std::string HtmlPage(const std::string& title, const std::string& body);

}  // namespace notion_sim::reports
