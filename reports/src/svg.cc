#include "svg.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "notion_sim/reports/chart.h"
#include "notion_sim/reports/text.h"

namespace notion_sim::reports::svg {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string ValueText(double v) {
  const double a = std::fabs(v);
  char buf[32];
  if (a >= 1e6) {
    std::snprintf(buf, sizeof buf, "%gM", std::round(v / 1e5) / 10);
  } else if (a >= 1e4) {
    std::snprintf(buf, sizeof buf, "%gk", std::round(v / 1e2) / 10);
  } else {
    std::snprintf(buf, sizeof buf, "%.4g", v);
  }
  return buf;
}

double NiceStep(double span, int parts) {
  if (!(span > 0) || !std::isfinite(span)) return 1;
  const double raw = span / parts;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

std::string Legend(const std::vector<Swatch>& items) {
  std::string s = "<div class=\"legend\">";
  for (const Swatch& i : items) {
    s += "<span><i class=\"" + std::string(i.line ? "ln" : "bx") +
         "\" style=\"background:" + i.color + "\"></i>" + XmlEscape(i.name) + "</span>";
  }
  return s + "</div>";
}

std::string Figure(const std::string& id, const std::string& title, const std::string& svg,
                   const std::string& legend, const std::string& note) {
  return "<figure data-chart=\"" + XmlEscape(id) + "\"><figcaption>" + XmlEscape(title) +
         "</figcaption>" + legend + svg +
         (note.empty() ? "" : "<p class=\"note\">" + XmlEscape(note) + "</p>") + "</figure>\n";
}

// --- TimeChart ---------------------------------------------------------------------------------

TimeChart::TimeChart(TimeUs end_us, double height, double y_max, std::string y_unit)
    : end_us_(std::max<TimeUs>(1, end_us)), height_(height), y_unit_(std::move(y_unit)) {
  y_max = std::max(y_max, 1e-9);
  y_step_ = NiceStep(y_max, 4);
  y_max_ = std::ceil(y_max / y_step_ - 1e-9) * y_step_;
}

TimeChart TimeChart::Log(TimeUs end_us, double height, double y_min, double y_max,
                         std::string y_unit, std::function<std::string(double)> tick_text,
                         std::vector<double> ticks) {
  TimeChart c(end_us, height, 1, std::move(y_unit));
  c.log_ = true;
  y_min = std::max(y_min, 1e-9);
  y_max = std::max(y_max, y_min * 1.0001);
  double lo = std::pow(10.0, std::floor(std::log10(y_min)));
  double hi = std::pow(10.0, std::max(std::log10(lo) + 1, std::ceil(std::log10(y_max))));
  if (!ticks.empty()) {
    lo = ticks.front();
    hi = ticks.back();
    for (double t : ticks) {
      if (t <= y_min) lo = t;
    }
    for (auto it = ticks.rbegin(); it != ticks.rend(); ++it) {
      if (*it >= y_max) hi = *it;
    }
    if (hi <= lo) hi = lo * 10;
  } else {
    for (double d = std::log10(lo); d <= std::log10(hi) + 1e-9; ++d) {
      ticks.push_back(std::pow(10.0, d));
    }
  }
  for (double t : ticks) {
    if (t >= lo * 0.999 && t <= hi * 1.001) c.log_ticks_.push_back(t);
  }
  c.log_lo_ = std::log10(lo);
  c.log_hi_ = std::log10(hi);
  c.tick_text_ = std::move(tick_text);
  return c;
}

double TimeChart::X(TimeUs t) const {
  const double f = std::clamp(static_cast<double>(t) / static_cast<double>(end_us_), 0.0, 1.0);
  return kLeft + f * (kWidth - kLeft - kRight);
}

double TimeChart::Y(double v) const {
  double f = 0;
  if (log_) {
    f = v > 0 ? (std::log10(v) - log_lo_) / (log_hi_ - log_lo_) : 0;
  } else {
    f = v / y_max_;
  }
  f = std::clamp(f, 0.0, 1.0);
  return height_ - kBottom - f * (height_ - kTop - kBottom);
}

void TimeChart::Rect(double x, double y, double w, double h, const std::string& fill,
                     const std::string& title) {
  if (w <= 0 || h <= 0) return;
  body_ += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" width=\"" + Num(w) + "\" height=\"" +
           Num(h) + "\" fill=\"" + fill + "\"><title>" + XmlEscape(title) + "</title></rect>";
}

void TimeChart::Bar(TimeUs from, TimeUs until, double v0, double v1, const std::string& fill,
                    const std::string& title, double inset) {
  if (from >= end_us_) return;
  const double x0 = X(from) + inset;
  const double w = std::max(1.0, X(std::min(until, end_us_)) - X(from) - 2 * inset);
  const double top = Y(v1);
  Rect(x0, top, w, Y(v0) - top, fill, title);
}

void TimeChart::Line(const std::vector<std::pair<TimeUs, double>>& points, const std::string& color,
                     const std::string& title, const std::string& dash) {
  std::string d;
  bool pen = false;
  for (const auto& [t, v] : points) {
    if (std::isnan(v) || t > end_us_ || (log_ && v <= 0)) {
      pen = false;
      continue;
    }
    d += (pen ? " L" : " M") + Num(X(t)) + " " + Num(Y(v));
    pen = true;
  }
  if (d.empty()) return;
  body_ += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.8\"" +
           (dash.empty() ? std::string() : " stroke-dasharray=\"" + dash + "\"") + "><title>" +
           XmlEscape(title) + "</title></path>";
}

void TimeChart::Shade(const Window& w) {
  if (w.until_us <= w.from_us || w.from_us >= end_us_) return;
  const double x0 = X(w.from_us);
  const double x1 = X(std::min(w.until_us, end_us_));
  under_ += "<rect class=\"fault\" x=\"" + Num(x0) + "\" y=\"" + Num(kTop) + "\" width=\"" +
            Num(x1 - x0) + "\" height=\"" + Num(PlotBottom() - kTop) + "\"><title>" +
            XmlEscape(w.label + ": " + DurationText(w.from_us) + " – " + DurationText(w.until_us)) +
            "</title></rect>";
}

void TimeChart::HLine(double v, const std::string& label, const std::string& color) {
  const double y = Y(v);
  over_ += "<line class=\"ref\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) +
           "\" y1=\"" + Num(y) + "\" y2=\"" + Num(y) + "\" stroke=\"" + color +
           "\" stroke-dasharray=\"6 3\" stroke-width=\"1.5\"><title>" + XmlEscape(label) +
           "</title></line><text x=\"" + Num(kWidth - kRight - 4) + "\" y=\"" + Num(y - 4) +
           "\" class=\"mk\" text-anchor=\"end\" fill=\"" + color + "\">" + XmlEscape(label) +
           "</text>";
}

void TimeChart::Marker(TimeUs t, const std::string& label, const std::string& color, int row,
                       const std::string& cls) {
  const double x = X(t);
  // Labels right of the line, or left of it near the right edge.
  const bool left = x > kWidth - 220;
  over_ += "<g" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + "><line x1=\"" +
           Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(kTop) + "\" y2=\"" + Num(PlotBottom()) +
           "\" stroke=\"" + color + "\" stroke-dasharray=\"4 3\"/><text x=\"" +
           Num(left ? x - 3 : x + 3) + "\" y=\"" + Num(kTop + 10 + 11 * row) + "\" class=\"mk\"" +
           (left ? " text-anchor=\"end\"" : "") + " fill=\"" + color + "\">" + XmlEscape(label) +
           "</text></g>";
}

std::string TimeChart::Svg(const std::string& label, bool y_axis) const {
  std::string s = "<svg viewBox=\"0 0 " + Num(kWidth) + " " + Num(height_) +
                  "\" width=\"100%\" role=\"img\" aria-label=\"" + XmlEscape(label) + "\">";
  s += under_;
  const auto grid = [&](double v, const std::string& text) {
    const double y = Y(v);
    s += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(y) +
         "\" y2=\"" + Num(y) + "\" class=\"grid\"/>";
    if (!text.empty()) {
      s += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y + 4) +
           "\" class=\"ax\" text-anchor=\"end\">" + XmlEscape(text) + "</text>";
    }
  };
  if (y_axis) {
    if (log_) {
      for (double v : log_ticks_) grid(v, tick_text_ ? tick_text_(v) : ValueText(v));
    } else {
      for (double v = 0; v <= y_max_ + y_step_ / 2; v += y_step_) grid(v, ValueText(v));
    }
    // The unit sits inside the plot's top-left corner, where long tick labels cannot clip it.
    s += "<text x=\"" + Num(kLeft + 4) + "\" y=\"" + Num(kTop + 9) + "\" class=\"ax unit\">" +
         XmlEscape(y_unit_) + "</text>";
  }
  // Time ticks at a round step, at most about 10 of them.
  static constexpr std::array<TimeUs, 19> kSteps = {
      Sec(1),   Sec(2),   Sec(5),   Sec(10),   Sec(15),  Sec(30), Min(1),
      Min(2),   Min(5),   Min(10),  Min(15),   Min(30),  Min(60), Min(120),
      Min(180), Min(360), Min(720), Min(1440), Min(2880)};
  TimeUs step = kSteps.back();
  for (TimeUs c : kSteps) {
    if (end_us_ / c <= 10) {
      step = c;
      break;
    }
  }
  for (TimeUs t = 0; t <= end_us_ && t / step <= 64; t += step) {
    const double x = X(t);
    s += "<line x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(PlotBottom()) +
         "\" y2=\"" + Num(PlotBottom() + 4) + "\" class=\"axl\"/>";
    // The last label may sit at the right edge: it ends there rather than being cut.
    const bool at_edge = x > kWidth - kRight - 20;
    s += "<text x=\"" + Num(x) + "\" y=\"" + Num(PlotBottom() + 16) +
         "\" class=\"ax\" text-anchor=\"" + (at_edge ? "end" : "middle") + "\">" +
         (t == 0 ? "0" : DurationText(t)) + "</text>";
  }
  s += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" +
       Num(PlotBottom()) + "\" y2=\"" + Num(PlotBottom()) + "\" class=\"axl\"/>";
  s += body_ + over_ + "</svg>";
  return s;
}

const char* const kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#212529;padding:0 12px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.15em;margin:28px 0 8px;border-bottom:1px solid #dee2e6;padding-bottom:4px}
a{color:#1864ab}nav{font-size:.85em;margin-bottom:8px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:600;color:#fff}
.pass{background:#2e9d4a}.fail{background:#d6453d}
.capacity{font-size:1.05em;background:#f1f3f5;padding:8px 12px;border-left:4px solid #1c7ed6;margin:12px 0}
.why{background:#fff5f5;border:1px solid #d6453d;border-left:6px solid #d6453d;padding:8px 12px;margin:12px 0}
.why h2{margin:0 0 6px;border:0;color:#c92a2a;font-size:1.05em}.why ul{margin:0;padding-left:18px}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:6px 0}
th,td{border:1px solid #dee2e6;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f8f9fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}
.wide{overflow-x:auto}table.compact{font-size:.8em}table.compact td,table.compact th{padding:3px 5px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
pre{background:#f8f9fa;padding:8px;overflow-x:auto;white-space:pre-wrap;margin:4px 0}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #dee2e6;border-radius:6px;padding:8px 12px;min-width:120px}
.card .v{font-size:1.2em;font-weight:600}.card .l{font-size:.8em;color:#6c757d}.card.bad{border-color:#d6453d;background:#fff5f5}
dl.defs{font-size:.85em;display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}dl.defs dt{font-weight:600}dl.defs dd{margin:0;color:#495057}
details{margin:8px 0}summary{cursor:pointer;color:#495057;font-size:.9em}
figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}
.legend{font-size:.8em;color:#495057;margin-bottom:2px}.legend span{margin-right:14px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}.legend i.ln{height:3px;width:14px;vertical-align:2px}
svg text{font-size:11px;fill:#495057}svg .mk{font-size:10px}svg .unit{font-weight:600}
svg .grid{stroke:#e9ecef}svg .axl{stroke:#adb5bd}svg .fault{fill:#ffe8cc;opacity:.7}
.note{font-size:.8em;color:#6c757d;margin:2px 0}
.held{color:#2e9d4a;font-weight:600}.violated{color:#d6453d;font-weight:600}.off{color:#868e96}
.better{color:#2e9d4a}.worse{color:#d6453d;font-weight:600}
)";

std::string Page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
         XmlEscape(title) + " — notion-sim</title><style>" + kStyle + "</style></head><body>\n" +
         body + "</body></html>\n";
}

std::string Row(const std::vector<std::string>& cells, bool head) {
  std::string s = "<tr>";
  for (const std::string& c : cells) s += (head ? "<th>" : "<td>") + c + (head ? "</th>" : "</td>");
  return s + "</tr>\n";
}

}  // namespace notion_sim::reports::svg

namespace notion_sim::reports {

using svg::Num;
using svg::ValueText;

namespace {

// Round ticks over [lo, hi] (the axis grows to whole steps).
std::vector<double> Ticks(double& lo, double& hi, int parts) {
  const double step = svg::NiceStep(hi - lo, parts);
  lo = std::floor(lo / step + 1e-9) * step;
  hi = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> t;
  for (double v = lo; v <= hi + step / 2 && t.size() < 32; v += step) {
    t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  }
  return t;
}

}  // namespace

std::string ScatterSvg(const std::string& x_label, const std::string& y_label,
                       const std::vector<ScatterPoint>& points) {
  constexpr double kW = 720;
  constexpr double kH = 420;
  constexpr double kL = 70;
  constexpr double kR = 24;
  constexpr double kT = 22;
  constexpr double kB = 44;
  std::vector<const ScatterPoint*> shown;
  std::size_t left_out = 0;
  for (const ScatterPoint& p : points) {
    if (std::isfinite(p.x) && std::isfinite(p.y)) {
      shown.push_back(&p);
    } else {
      ++left_out;
    }
  }
  double x_lo = 0;
  double x_hi = 1;
  double y_lo = 0;
  double y_hi = 1;
  if (!shown.empty()) {
    x_lo = y_lo = INFINITY;
    x_hi = y_hi = -HUGE_VAL;  // a double: -INFINITY is a float
    for (const ScatterPoint* p : shown) {
      const double xe = std::isfinite(p->x_err) ? p->x_err : 0;
      const double ye = std::isfinite(p->y_err) ? p->y_err : 0;
      x_lo = std::min(x_lo, p->x - xe);
      x_hi = std::max(x_hi, p->x + xe);
      y_lo = std::min(y_lo, p->y - ye);
      y_hi = std::max(y_hi, p->y + ye);
    }
  }
  const auto widen = [](double& lo, double& hi) {
    if (hi - lo <= 0) {
      const double m = std::max(std::fabs(hi), 1.0) * 0.1;
      lo -= m;
      hi += m;
    }
  };
  widen(x_lo, x_hi);
  widen(y_lo, y_hi);
  const std::vector<double> xt = Ticks(x_lo, x_hi, 5);
  const std::vector<double> yt = Ticks(y_lo, y_hi, 5);
  const auto to_x = [&](double v) { return kL + (v - x_lo) / (x_hi - x_lo) * (kW - kL - kR); };
  const auto to_y = [&](double v) { return kH - kB - (v - y_lo) / (y_hi - y_lo) * (kH - kT - kB); };
  std::string s = "<svg viewBox=\"0 0 " + Num(kW) + " " + Num(kH) +
                  "\" width=\"100%\" role=\"img\" aria-label=\"" +
                  XmlEscape(y_label + " against " + x_label) + "\">";
  for (double v : yt) {
    s += "<line x1=\"" + Num(kL) + "\" x2=\"" + Num(kW - kR) + "\" y1=\"" + Num(to_y(v)) +
         "\" y2=\"" + Num(to_y(v)) + "\" class=\"grid\"/><text x=\"" + Num(kL - 6) + "\" y=\"" +
         Num(to_y(v) + 4) + "\" class=\"ax\" text-anchor=\"end\">" + XmlEscape(ValueText(v)) +
         "</text>";
  }
  for (double v : xt) {
    s += "<line x1=\"" + Num(to_x(v)) + "\" x2=\"" + Num(to_x(v)) + "\" y1=\"" + Num(kH - kB) +
         "\" y2=\"" + Num(kH - kB + 4) + "\" class=\"axl\"/><text x=\"" + Num(to_x(v)) + "\" y=\"" +
         Num(kH - kB + 16) + "\" class=\"ax\" text-anchor=\"middle\">" + XmlEscape(ValueText(v)) +
         "</text>";
  }
  s += "<line x1=\"" + Num(kL) + "\" x2=\"" + Num(kW - kR) + "\" y1=\"" + Num(kH - kB) +
       "\" y2=\"" + Num(kH - kB) + "\" class=\"axl\"/>";
  s += "<text x=\"" + Num((kL + kW - kR) / 2) + "\" y=\"" + Num(kH - 8) +
       "\" class=\"ax unit\" text-anchor=\"middle\">" + XmlEscape(x_label) + "</text>";
  s += "<text x=\"" + Num(kL) + "\" y=\"" + Num(kT - 8) + "\" class=\"ax unit\">" +
       XmlEscape(y_label) + "</text>";
  std::vector<const ScatterPoint*> front;
  for (const ScatterPoint* p : shown) {
    if (p->joined) front.push_back(p);
  }
  std::stable_sort(front.begin(), front.end(),
                   [](const ScatterPoint* a, const ScatterPoint* b) { return a->x < b->x; });
  if (front.size() > 1) {
    std::string d;
    for (const ScatterPoint* p : front) {
      d += (d.empty() ? "M" : " L") + Num(to_x(p->x)) + " " + Num(to_y(p->y));
    }
    s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"#1c7ed6\" stroke-width=\"1.5\" " +
         "stroke-dasharray=\"5 3\"/>";
  }
  for (const ScatterPoint* p : shown) {
    const char* color = p->muted ? "#ced4da" : p->highlighted ? "#1c7ed6" : "#868e96";
    const double cx = to_x(p->x);
    const double cy = to_y(p->y);
    std::string g = "<g class=\"pt\"><title>" + XmlEscape(p->label) + "</title>";
    if (p->x_err > 0 && std::isfinite(p->x_err)) {
      g += "<path class=\"err\" d=\"M" + Num(to_x(p->x - p->x_err)) + " " + Num(cy) + " H" +
           Num(to_x(p->x + p->x_err)) + " M" + Num(to_x(p->x - p->x_err)) + " " + Num(cy - 3) +
           " v6 M" + Num(to_x(p->x + p->x_err)) + " " + Num(cy - 3) + " v6\" stroke=\"" + color +
           "\" fill=\"none\"/>";
    }
    if (p->y_err > 0 && std::isfinite(p->y_err)) {
      g += "<path class=\"err\" d=\"M" + Num(cx) + " " + Num(to_y(p->y - p->y_err)) + " V" +
           Num(to_y(p->y + p->y_err)) + " M" + Num(cx - 3) + " " + Num(to_y(p->y - p->y_err)) +
           " h6 M" + Num(cx - 3) + " " + Num(to_y(p->y + p->y_err)) + " h6\" stroke=\"" + color +
           "\" fill=\"none\"/>";
    }
    g += "<circle cx=\"" + Num(cx) + "\" cy=\"" + Num(cy) + "\" r=\"" +
         Num(p->highlighted ? 5.5 : 4) + "\" fill=\"" + color + "\"/>";
    if (p->marked) {
      g += "<circle cx=\"" + Num(cx) + "\" cy=\"" + Num(cy) +
           "\" r=\"10\" fill=\"none\" stroke=\"#2e9d4a\" stroke-width=\"2.5\"/>";
    }
    if (!p->tag.empty()) {
      g += "<text x=\"" + Num(cx + 7) + "\" y=\"" + Num(cy - 6) + "\" class=\"mk\">" +
           XmlEscape(p->tag) + "</text>";
    }
    s += g + "</g>";
  }
  s += "</svg>";
  if (left_out > 0) {
    s += "<p class=\"note\">" + std::to_string(left_out) +
         " point(s) not drawn (a value was infinite or not measured).</p>";
  }
  return s;
}

std::string HeatmapSvg(const Heatmap& map) {
  const std::size_t rows = map.row_values.size();
  const std::size_t cols = map.col_values.size();
  constexpr double kL = 110;
  constexpr double kT = 26;
  constexpr double kB = 48;
  constexpr double kW = 720;
  constexpr double kCellH = 34;
  const double cell_w = cols > 0 ? (kW - kL - 16) / static_cast<double>(cols) : 1;
  const double h = kT + kB + kCellH * static_cast<double>(rows);
  double lo = INFINITY;
  double hi = -HUGE_VAL;
  for (const auto& row : map.cells) {
    for (const auto& c : row) {
      if (c && std::isfinite(*c)) {
        lo = std::min(lo, *c);
        hi = std::max(hi, *c);
      }
    }
  }
  std::string s = "<svg viewBox=\"0 0 " + Num(kW) + " " + Num(h) +
                  "\" width=\"100%\" role=\"img\" aria-label=\"" +
                  XmlEscape(map.value_label + " over " + map.row_axis + " and " + map.col_axis) +
                  "\" data-heatmap=\"1\">";
  s += "<text x=\"4\" y=\"" + Num(kT - 10) + "\" class=\"ax unit\">" + XmlEscape(map.row_axis) +
       " ↓</text>";
  for (std::size_t r = 0; r < rows; ++r) {
    // Row 0 at the bottom, like a y axis.
    const double y = kT + kCellH * static_cast<double>(rows - 1 - r);
    s += "<text x=\"" + Num(kL - 6) + "\" y=\"" + Num(y + kCellH / 2 + 4) +
         "\" class=\"ax\" text-anchor=\"end\">" + XmlEscape(map.row_values[r]) + "</text>";
    for (std::size_t c = 0; c < cols; ++c) {
      const double x = kL + cell_w * static_cast<double>(c);
      const std::optional<double> v =
          r < map.cells.size() && c < map.cells[r].size() ? map.cells[r][c] : std::nullopt;
      std::string fill = "#f1f3f5";
      std::string text = "—";
      bool dark = false;
      if (v && std::isfinite(*v)) {
        double f = hi > lo ? (*v - lo) / (hi - lo) : 0.5;
        if (map.lower_is_better) f = 1 - f;
        // Light to dark blue.
        const int red = static_cast<int>(std::lround(231 - f * (231 - 24)));
        const int green = static_cast<int>(std::lround(245 - f * (245 - 100)));
        const int blue = static_cast<int>(std::lround(255 - f * (255 - 171)));
        char buf[16];
        std::snprintf(buf, sizeof buf, "#%02x%02x%02x", red, green, blue);
        fill = buf;
        text = ValueText(*v);
        dark = f > 0.55;
      }
      const std::string note = r < map.cell_notes.size() && c < map.cell_notes[r].size()
                                   ? map.cell_notes[r][c]
                                   : std::string();
      s += "<g class=\"cell\"><title>" +
           XmlEscape(map.row_axis + "=" + map.row_values[r] + ", " + map.col_axis + "=" +
                     map.col_values[c] + ": " + map.value_label + " " + text +
                     (note.empty() ? "" : " — " + note)) +
           "</title><rect x=\"" + Num(x + 1) + "\" y=\"" + Num(y + 1) + "\" width=\"" +
           Num(cell_w - 2) + "\" height=\"" + Num(kCellH - 2) + "\" fill=\"" + fill +
           "\"/><text x=\"" + Num(x + cell_w / 2) + "\" y=\"" + Num(y + kCellH / 2 + 4) +
           "\" text-anchor=\"middle\"" + (dark ? " style=\"fill:#fff\"" : "") + ">" +
           XmlEscape(text) + "</text></g>";
    }
  }
  const double base = kT + kCellH * static_cast<double>(rows);
  for (std::size_t c = 0; c < cols; ++c) {
    s += "<text x=\"" + Num(kL + cell_w * (static_cast<double>(c) + 0.5)) + "\" y=\"" +
         Num(base + 16) + "\" class=\"ax\" text-anchor=\"middle\">" + XmlEscape(map.col_values[c]) +
         "</text>";
  }
  s += "<text x=\"" + Num(kL + (kW - kL - 16) / 2) + "\" y=\"" + Num(base + 38) +
       "\" class=\"ax unit\" text-anchor=\"middle\">" + XmlEscape(map.col_axis) + "</text>";
  return s + "</svg>";
}

std::string HtmlPage(const std::string& title, const std::string& body) {
  return svg::Page(title, "<h1>" + XmlEscape(title) + "</h1>\n" + body);
}

}  // namespace notion_sim::reports
