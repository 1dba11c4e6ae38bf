// Charts for pages other than the run report (sweeps): an x-y scatter with the reports' axes and
// styling, and the page frame with the reports' stylesheet, so every page looks the same and there
// is one plotting layer. Thread-safe: pure functions.
#pragma once

#include <string>
#include <vector>

namespace notion_sim::reports {

struct ScatterPoint {
  double x = 0;
  double y = 0;
  std::string label;         // shown on hover, and next to highlighted points
  bool highlighted = false;  // drawn larger, in the accent colour
  bool joined = false;       // on the line drawn through the joined points in x order
  bool marked = false;       // drawn with a ring (e.g. the recommended point)
  bool muted = false;        // drawn grey (e.g. unsafe configurations)
};

// An inline <svg> scatter plot; non-finite points are left out (and counted in a note).
std::string ScatterSvg(const std::string& x_label, const std::string& y_label,
                       const std::vector<ScatterPoint>& points);

// A self-contained HTML page: the reports' stylesheet, `title` as <title> and <h1>, then `body`
// (already HTML).
std::string HtmlPage(const std::string& title, const std::string& body);

}  // namespace notion_sim::reports
