// The plotting layer every page shares (internal to reports/): a time chart with linear or log y,
// shaded windows, reference lines and markers; legends and figures; the stylesheet and the page
// frame. Inline SVG only: no scripts, fonts or stylesheets from a network, so every page reads
// the same offline. Thread-safe: pure functions and value types.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "notion_sim/engine/time.h"

namespace notion_sim::reports::svg {

std::string Num(double v);        // one decimal, for coordinates: "12.5"
std::string ValueText(double v);  // a tick or tooltip value: "950", "12.3k", "1.5M", "0.25"
// A round step (1, 2 or 5 times a power of ten) that cuts [0, span] into about `parts` pieces.
double NiceStep(double span, int parts);

struct Swatch {
  std::string name;
  std::string color;
  bool line = false;  // drawn as a line, not a box
};
std::string Legend(const std::vector<Swatch>& items);
// A <figure data-chart="id"> with caption, legend, the svg and an optional note.
std::string Figure(const std::string& id, const std::string& title, const std::string& svg,
                   const std::string& legend, const std::string& note = "");

struct Window {  // a stretch of time to shade, e.g. when faults acted
  TimeUs from_us = 0;
  TimeUs until_us = 0;
  std::string label;
};

// Round durations in milliseconds for log axes: 1 ms, 10 ms, 100 ms, 1 s, 10 s, 1 min, 10 min, 1 h.
inline const std::vector<double> kDurationTicksMs = {0.001, 0.01, 0.1, 1,   10,    100,
                                                     1e3,   1e4,  6e4, 6e5, 3.6e6, 3.6e7};

// x is time over [0, end_us]; y is linear from 0 (with round ticks) or logarithmic over whole
// decades. Layers: shading beneath, then bars and lines, then reference lines and markers.
class TimeChart {
 public:
  static constexpr double kWidth = 960;
  static constexpr double kLeft = 64;
  static constexpr double kRight = 16;
  static constexpr double kTop = 14;
  static constexpr double kBottom = 28;

  TimeChart(TimeUs end_us, double height, double y_max, std::string y_unit);
  // Log scale over [y_min, y_max] (y_min > 0), widened to the nearest of `ticks` (ascending;
  // empty: whole decades) on each side, ticks labelled by `tick_text`.
  static TimeChart Log(TimeUs end_us, double height, double y_min, double y_max, std::string y_unit,
                       std::function<std::string(double)> tick_text,
                       std::vector<double> ticks = {});

  double X(TimeUs t) const;
  double Y(double v) const;
  double PlotBottom() const { return height_ - kBottom; }
  TimeUs end_us() const { return end_us_; }

  void Add(const std::string& svg) { body_ += svg; }
  void Rect(double x, double y, double w, double h, const std::string& fill,
            const std::string& title);
  // A bar over [from, until) from value v0 up to v1.
  void Bar(TimeUs from, TimeUs until, double v0, double v1, const std::string& fill,
           const std::string& title, double inset = 0.5);
  // A line through (t, v) points; a NaN value breaks it. `title` is its tooltip.
  void Line(const std::vector<std::pair<TimeUs, double>>& points, const std::string& color,
            const std::string& title, const std::string& dash = "");
  void Shade(const Window& w);
  // A horizontal reference line at value v, labelled at its right end.
  void HLine(double v, const std::string& label, const std::string& color);
  // A dashed vertical line with its label; `row` staggers labels of markers close together.
  void Marker(TimeUs t, const std::string& label, const std::string& color, int row = 0,
              const std::string& cls = "");

  std::string Svg(const std::string& label, bool y_axis = true) const;

 private:
  TimeUs end_us_;
  double height_;
  double y_max_;
  double y_step_ = 1;
  bool log_ = false;
  double log_lo_ = 0;  // decades
  double log_hi_ = 1;
  std::function<std::string(double)> tick_text_;
  std::vector<double> log_ticks_;
  std::string y_unit_;
  std::string under_;
  std::string body_;
  std::string over_;
};

// The stylesheet of every page.
extern const char* const kStyle;
// A whole page: <title> "`title` — notion-sim", the stylesheet, then `body` (already HTML).
std::string Page(const std::string& title, const std::string& body);
// An HTML table row; head rows use <th>. Cells are HTML already.
std::string Row(const std::vector<std::string>& cells, bool head = false);

}  // namespace notion_sim::reports::svg
