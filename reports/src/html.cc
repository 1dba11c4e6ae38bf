#include "notion_sim/reports/html.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "notion_sim/reports/chart.h"
#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

using checks::MetricsReport;
using checks::SeriesBucket;
using engine::BreakerState;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// 1, 2 or 5 times a power of ten, at least v.
double NiceCeil(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

std::string ValueText(double v) {
  if (v >= 1e6) return Num(v / 1e6) + "M";
  if (v >= 1e4) return Num(v / 1e3) + "k";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A time chart: x is virtual time over [0, end_us], y a value over [0, y_max].
class Chart {
 public:
  static constexpr double kWidth = 960;
  static constexpr double kLeft = 64;
  static constexpr double kRight = 16;
  static constexpr double kTop = 12;
  static constexpr double kBottom = 28;

  Chart(TimeUs end_us, double height, double y_max, std::string y_unit)
      : end_us_(std::max<TimeUs>(1, end_us)),
        height_(height),
        y_max_(NiceCeil(y_max)),
        y_unit_(std::move(y_unit)) {}

  double X(TimeUs t) const {
    const double f = std::clamp(static_cast<double>(t) / static_cast<double>(end_us_), 0.0, 1.0);
    return kLeft + f * (kWidth - kLeft - kRight);
  }
  double Y(double v) const {
    const double f = std::clamp(v / y_max_, 0.0, 1.0);
    return height_ - kBottom - f * (height_ - kTop - kBottom);
  }
  double PlotBottom() const { return height_ - kBottom; }

  void Add(const std::string& svg) { body_ += svg; }
  void Rect(double x, double y, double w, double h, const char* fill, const std::string& title) {
    if (w <= 0 || h <= 0) return;
    body_ += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" width=\"" + Num(w) + "\" height=\"" +
             Num(h) + "\" fill=\"" + fill + "\"><title>" + XmlEscape(title) + "</title></rect>";
  }
  // A polyline through (t, v) points; a NaN value breaks the line.
  void Line(const std::vector<std::pair<TimeUs, double>>& points, const char* color,
            const char* dash = "") {
    std::string d;
    bool pen = false;
    for (const auto& [t, v] : points) {
      if (std::isnan(v)) {
        pen = false;
        continue;
      }
      d += (pen ? " L" : " M") + Num(X(t)) + " " + Num(Y(v));
      pen = true;
    }
    if (d.empty()) return;
    body_ += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.8\"" +
             (*dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") + "/>";
  }
  // A translucent band over [from, until) across the plot (a fault window), behind nothing: it is
  // see-through, so it may be drawn last.
  void Band(TimeUs from, TimeUs until, const char* fill, const std::string& title) {
    const double x0 = X(from);
    const double w = std::max(1.0, X(until) - x0);
    body_ += "<rect x=\"" + Num(x0) + "\" y=\"" + Num(kTop) + "\" width=\"" + Num(w) +
             "\" height=\"" + Num(PlotBottom() - kTop) + "\" fill=\"" + fill +
             "\" fill-opacity=\"0.12\"><title>" + XmlEscape(title) + "</title></rect>";
  }
  // A dashed vertical line with its label; `row` staggers labels of markers close together.
  void Marker(TimeUs t, const std::string& label, const char* color, int row = 0) {
    const double x = X(t);
    body_ += "<line x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(kTop) + "\" y2=\"" +
             Num(PlotBottom()) + "\" stroke=\"" + color +
             "\" stroke-dasharray=\"4 3\"/><text x=\"" + Num(x + 3) + "\" y=\"" +
             Num(kTop + 10 + 11 * row) + "\" class=\"mk\" fill=\"" + color + "\">" +
             XmlEscape(label) + "</text>";
  }

  std::string Svg(const std::string& label, bool y_axis = true) const {
    std::string s = "<svg viewBox=\"0 0 " + Num(kWidth) + " " + Num(height_) +
                    "\" width=\"100%\" role=\"img\" aria-label=\"" + XmlEscape(label) + "\">";
    // Horizontal grid and y labels.
    if (y_axis) {
      for (int i = 0; i <= 4; ++i) {
        const double v = y_max_ * i / 4;
        const double y = Y(v);
        s += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(y) +
             "\" y2=\"" + Num(y) + "\" class=\"grid\"/>";
        s += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y + 4) +
             "\" class=\"ax\" text-anchor=\"end\">" + XmlEscape(ValueText(v)) + "</text>";
      }
      // The unit sits inside the plot's top-left corner, where long tick labels cannot clip it.
      s += "<text x=\"" + Num(kLeft + 4) + "\" y=\"" + Num(kTop + 9) + "\" class=\"ax\">" +
           XmlEscape(y_unit_) + "</text>";
    }
    // Time ticks at a round step.
    static constexpr std::array<TimeUs, 18> kSteps = {
        Sec(1),  Sec(2),  Sec(5),  Sec(10), Sec(15),  Sec(30),  Min(1),   Min(2),   Min(5),
        Min(10), Min(15), Min(30), Min(60), Min(120), Min(180), Min(360), Min(720), Min(1440)};
    TimeUs step = kSteps.back();
    for (TimeUs c : kSteps) {
      if (end_us_ / c <= 8) {
        step = c;
        break;
      }
    }
    for (TimeUs t = 0; t <= end_us_ && t / step <= 64; t += step) {
      const double x = X(t);
      s += "<line x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(PlotBottom()) +
           "\" y2=\"" + Num(PlotBottom() + 4) + "\" class=\"axl\"/>";
      s += "<text x=\"" + Num(x) + "\" y=\"" + Num(PlotBottom() + 16) +
           "\" class=\"ax\" text-anchor=\"middle\">" + (t == 0 ? "0" : DurationText(t)) + "</text>";
    }
    s += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" +
         Num(PlotBottom()) + "\" y2=\"" + Num(PlotBottom()) + "\" class=\"axl\"/>";
    s += body_ + "</svg>";
    return s;
  }

 private:
  TimeUs end_us_;
  double height_;
  double y_max_;
  std::string y_unit_;
  std::string body_;
};

struct Swatch {
  const char* name;
  const char* color;
};

std::string Legend(const std::vector<Swatch>& items) {
  std::string s = "<div class=\"legend\">";
  for (const Swatch& i : items) {
    s += "<span><i style=\"background:" + std::string(i.color) + "\"></i>" + i.name + "</span>";
  }
  return s + "</div>";
}

std::string Figure(const std::string& title, const std::string& svg, const std::string& legend,
                   const std::string& note = "") {
  return "<figure><figcaption>" + XmlEscape(title) + "</figcaption>" + legend + svg +
         (note.empty() ? "" : "<p class=\"note\">" + XmlEscape(note) + "</p>") + "</figure>\n";
}

// Every fault window shaded, then where the faults ended (and what decided it) and recovery.
void AddFaultMarkers(Chart& c, const MetricsReport& m) {
  for (const checks::FaultWindow& w : m.fault_windows) {
    c.Band(w.from_us, w.until_us, "#c92a2a",
           "fault window " + DurationText(w.from_us) + " – " + DurationText(w.until_us));
  }
  if (m.recovery == checks::Recovery::kNoFaults) return;
  c.Marker(m.fault_end_us,
           m.fault_end_source == checks::FaultEnd::kLastFault ? "faults end (last fault)"
                                                               : "faults end (window)",
           "#7a4d00");
  if (m.recovery == checks::Recovery::kRecovered) {
    c.Marker(m.recovered_at_us, "recovered", "#1b7a32", 1);
  }
}

TimeUs BucketEnd(const MetricsReport& m, const SeriesBucket& b) {
  return std::min(m.end_us, b.start_us + m.bucket_us);
}

constexpr const char* kOk = "#2e9d4a";
constexpr const char* kFallback = "#e0b000";
constexpr const char* kFailed = "#d6453d";
constexpr const char* kDlq = "#7b52ab";
constexpr const char* kRequests = "#b8c4d6";
constexpr const char* k429 = "#f08c00";
constexpr const char* k5xx = "#c92a2a";

std::string OutcomesChart(const MetricsReport& m) {
  double y_max = 1;
  for (const SeriesBucket& b : m.series) {
    y_max = std::max(
        y_max, static_cast<double>(b.succeeded + b.served_fallback + b.failed + b.dead_lettered));
  }
  Chart c(m.end_us, 200, y_max, "ops");
  for (const SeriesBucket& b : m.series) {
    const double x0 = c.X(b.start_us) + 0.5;
    const double w = std::max(1.0, c.X(BucketEnd(m, b)) - c.X(b.start_us) - 1);
    double stacked = 0;
    const std::string when = DurationText(b.start_us) + " – " + DurationText(BucketEnd(m, b));
    for (const auto& [count, color, name] :
         {std::tuple{b.succeeded, kOk, "succeeded"},
          std::tuple{b.served_fallback, kFallback, "served fallback"},
          std::tuple{b.failed, kFailed, "failed"},
          std::tuple{b.dead_lettered, kDlq, "dead-lettered"}}) {
      if (count == 0) continue;
      const double top = c.Y(stacked + static_cast<double>(count));
      c.Rect(x0, top, w, c.Y(stacked) - top, color, when + ": " + CountText(count) + " " + name);
      stacked += static_cast<double>(count);
    }
  }
  AddFaultMarkers(c, m);
  return Figure(
      "Operation outcomes over time (by finish time, per " + DurationText(m.bucket_us) + ")",
      c.Svg("operation outcomes over time"),
      Legend({{"succeeded", kOk},
              {"served fallback", kFallback},
              {"failed", kFailed},
              {"dead-lettered", kDlq}}));
}

std::string RequestsChart(const MetricsReport& m) {
  double y_max = 1;
  for (const SeriesBucket& b : m.series) y_max = std::max(y_max, static_cast<double>(b.requests));
  Chart c(m.end_us, 180, y_max, "req");
  for (const SeriesBucket& b : m.series) {
    const double x0 = c.X(b.start_us) + 0.5;
    const double w = std::max(1.0, c.X(BucketEnd(m, b)) - c.X(b.start_us) - 1);
    const std::string when = DurationText(b.start_us) + ": ";
    const auto req = static_cast<double>(b.requests);
    c.Rect(x0, c.Y(req), w, c.PlotBottom() - c.Y(req), kRequests,
           when + CountText(b.requests) + " requests");
    const auto r429 = static_cast<double>(b.http_429);
    const auto r5xx = static_cast<double>(b.http_5xx);
    c.Rect(x0 + w * 0.15, c.Y(r429), w * 0.35, c.PlotBottom() - c.Y(r429), k429,
           when + CountText(b.http_429) + " answered 429");
    c.Rect(x0 + w * 0.5, c.Y(r5xx), w * 0.35, c.PlotBottom() - c.Y(r5xx), k5xx,
           when + CountText(b.http_5xx) + " answered 5xx");
  }
  AddFaultMarkers(c, m);
  return Figure("Requests sent, and responses 429 and 5xx",
                c.Svg("requests, 429 and 5xx over time"),
                Legend({{"requests", kRequests}, {"429", k429}, {"5xx", k5xx}}));
}

// The policies give the global breaker the key 65535; per-tenant breakers use the tenant index.
// The second upstream's breakers are its own, named so.
std::string BreakerKeyText(const checks::BreakerTimeline& b) {
  const std::string key = b.key == UINT16_MAX ? "global" : "key " + std::to_string(b.key);
  return b.dependency == engine::Dependency::kNotion
             ? key
             : std::string(engine::DependencyName(b.dependency)) + " " + key;
}

const char* StateColor(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "#cfe8d5";
    case BreakerState::kOpen:
      return "#d6453d";
    case BreakerState::kHalfOpen:
      return "#f08c00";
    case BreakerState::kForcedOpen:
      return "#7d1d1d";
    case BreakerState::kDisabled:
      return "#adb5bd";
  }
  return "#000";
}

std::string BreakersChart(const MetricsReport& m) {
  constexpr std::size_t kMaxRows = 16;
  const std::size_t rows = std::min(m.breakers.size(), kMaxRows);
  constexpr double kRow = 22;
  const double height =
      Chart::kTop + Chart::kBottom + static_cast<double>(std::max<std::size_t>(1, rows)) * kRow + 4;
  Chart c(m.end_us, height, 1, "");
  std::string note;
  if (m.breakers.empty()) {
    c.Add("<text x=\"" + Num(c.X(0) + 8) + "\" y=\"" + Num(Chart::kTop + 15) +
          "\" class=\"ax\">no breaker changed state in this run (all stayed closed)</text>");
  }
  for (std::size_t i = 0; i < rows; ++i) {
    const checks::BreakerTimeline& b = m.breakers[i];
    const double y = Chart::kTop + static_cast<double>(i) * kRow + 2;
    c.Add("<text x=\"" + Num(Chart::kLeft - 6) + "\" y=\"" + Num(y + kRow / 2 + 2) +
          "\" class=\"ax\" text-anchor=\"end\">" + BreakerKeyText(b) + "</text>");
    TimeUs from = 0;
    BreakerState state = BreakerState::kClosed;
    auto segment = [&](TimeUs until) {
      c.Rect(c.X(from), y, c.X(until) - c.X(from), kRow - 4, StateColor(state),
             BreakerKeyText(b) + ": " + std::string(engine::BreakerStateName(state)) +
                 " " + DurationText(from) + " – " + DurationText(until));
    };
    for (const checks::BreakerChange& ch : b.changes) {
      segment(ch.at_us);
      from = ch.at_us;
      state = ch.to;
    }
    if (b.dropped == 0) {
      segment(m.end_us);
    } else {
      note = "Timelines end at their last kept transition (" + std::to_string(b.dropped) +
             " more not kept).";
    }
  }
  if (m.breakers.size() > kMaxRows) {
    note += " Showing " + std::to_string(kMaxRows) + " of " + std::to_string(m.breakers.size()) +
            " breaker keys.";
  }
  AddFaultMarkers(c, m);
  return Figure("Breaker states over time", c.Svg("breaker states over time", /*y_axis=*/false),
                Legend({{"closed", StateColor(BreakerState::kClosed)},
                        {"open", StateColor(BreakerState::kOpen)},
                        {"half-open", StateColor(BreakerState::kHalfOpen)},
                        {"forced open", StateColor(BreakerState::kForcedOpen)},
                        {"disabled", StateColor(BreakerState::kDisabled)}}),
                note);
}

std::string DlqChart(const MetricsReport& m) {
  double y_max = 1;
  for (const SeriesBucket& b : m.series) {
    y_max = std::max(y_max, static_cast<double>(b.dlq_depth_max));
  }
  Chart c(m.end_us, 160, y_max, "entries");
  for (const SeriesBucket& b : m.series) {
    const double x0 = c.X(b.start_us);
    const double w = std::max(1.0, c.X(BucketEnd(m, b)) - x0);
    const auto v = static_cast<double>(b.dlq_depth_max);
    c.Rect(x0, c.Y(v), w, c.PlotBottom() - c.Y(v), kDlq,
           DurationText(b.start_us) + ": depth up to " + std::to_string(b.dlq_depth_max) + ", " +
               std::to_string(b.dlq_depth_end) + " at the end");
  }
  AddFaultMarkers(c, m);
  return Figure("Dead-letter queue depth (maximum per " + DurationText(m.bucket_us) + ")",
                c.Svg("dead-letter queue depth over time"), Legend({{"DLQ depth", kDlq}}));
}

std::string LatencyChart(const MetricsReport& m) {
  TimeUs top_us = 0;
  for (const SeriesBucket& b : m.series) top_us = std::max(top_us, b.latency_p99_us);
  // Milliseconds, or seconds once the slowest bucket passes ten of them.
  const bool in_s = top_us >= Sec(10);
  const double per_unit_us = in_s ? 1e6 : 1e3;
  double y_max = 1;
  std::vector<std::pair<TimeUs, double>> p50;
  std::vector<std::pair<TimeUs, double>> p99;
  for (const SeriesBucket& b : m.series) {
    const std::uint64_t done = b.succeeded + b.served_fallback + b.failed + b.dead_lettered;
    const TimeUs mid = b.start_us + (BucketEnd(m, b) - b.start_us) / 2;
    const double nan = std::nan("");
    p50.emplace_back(mid, done ? static_cast<double>(b.latency_p50_us) / per_unit_us : nan);
    p99.emplace_back(mid, done ? static_cast<double>(b.latency_p99_us) / per_unit_us : nan);
    if (done) y_max = std::max(y_max, static_cast<double>(b.latency_p99_us) / per_unit_us);
  }
  Chart c(m.end_us, 200, y_max, in_s ? "s" : "ms");
  c.Line(p99, "#c92a2a");
  c.Line(p50, "#1c7ed6");
  AddFaultMarkers(c, m);
  return Figure("Latency percentiles of operations finished in each " + DurationText(m.bucket_us) +
                    " (virtual time)",
                c.Svg("latency p50 and p99 over time"),
                Legend({{"p50", "#1c7ed6"}, {"p99", "#c92a2a"}}),
                "Per-bucket percentiles are exact to 1/16; the run's overall p50 " +
                    DurationText(m.latency.p50_us) + ", p99 " + DurationText(m.latency.p99_us) +
                    ", max " + DurationText(m.latency.max_us) + ".");
}

std::string Row(const std::vector<std::string>& cells, bool head = false) {
  std::string s = "<tr>";
  for (const std::string& c : cells) s += (head ? "<th>" : "<td>") + c + (head ? "</th>" : "</td>");
  return s + "</tr>\n";
}

std::string Card(const std::string& label, const std::string& value, bool bad = false) {
  return "<div class=\"card" + std::string(bad ? " bad" : "") + "\"><div class=\"v\">" +
         XmlEscape(value) + "</div><div class=\"l\">" + XmlEscape(label) + "</div></div>";
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#212529;padding:0 12px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.15em;margin:28px 0 8px;border-bottom:1px solid #dee2e6;padding-bottom:4px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:600;color:#fff}
.pass{background:#2e9d4a}.fail{background:#d6453d}
.capacity{font-size:1.05em;background:#f1f3f5;padding:8px 12px;border-left:4px solid #1c7ed6;margin:12px 0}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:6px 0}
th,td{border:1px solid #dee2e6;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f8f9fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
pre{background:#f8f9fa;padding:8px;overflow-x:auto;white-space:pre-wrap;margin:4px 0}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #dee2e6;border-radius:6px;padding:8px 12px;min-width:120px}
.card .v{font-size:1.2em;font-weight:600}.card .l{font-size:.8em;color:#6c757d}.card.bad{border-color:#d6453d;background:#fff5f5}
figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}
.legend{font-size:.8em;color:#495057;margin-bottom:2px}.legend span{margin-right:14px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
svg text{font-size:11px;fill:#495057}svg .mk{font-size:10px}
svg .grid{stroke:#e9ecef}svg .axl{stroke:#adb5bd}
.note{font-size:.8em;color:#6c757d;margin:2px 0}
.held{color:#2e9d4a;font-weight:600}.violated{color:#d6453d;font-weight:600}.off{color:#868e96}
)";

}  // namespace

// Per service: the time spent healthy, degraded and unhealthy, and what its stack sent.
std::string HealthAndDependencies(const MetricsReport& m) {
  if (m.health.empty()) return "";
  std::string h = "<h2>Services</h2><table>" +
                  Row({"service", "healthy", "degraded", "unhealthy", "health changes", "requests",
                       "retries", "429", "5xx", "transport errors", "breaker opens",
                       "limiter delays"},
                      true);
  for (std::size_t i = 0; i < m.health.size(); ++i) {
    const checks::ServiceHealth& s = m.health[i];
    checks::DependencyMetrics d;
    for (const checks::DependencyMetrics& x : m.dependencies) {
      if (x.dependency == s.service) d = x;
    }
    h += Row({std::string(engine::DependencyName(s.service)),
              DurationText(s.healthy_us) + " (" + PercentText(s.healthy_ratio()) + ")",
              DurationText(s.degraded_us), DurationText(s.unhealthy_us), CountText(s.changes),
              CountText(d.requests), CountText(d.retries), CountText(d.http_429),
              CountText(d.http_5xx), CountText(d.transport_errors), CountText(d.breaker_opens),
              CountText(d.limiter_delays)});
  }
  return h + "</table>\n";
}

std::string HtmlReport(const scenarios::RunResult& r) {
  const MetricsReport& m = r.checks.metrics;
  const bool pass = r.verdict == checks::RunVerdict::kPass;
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" +
      XmlEscape(r.scenario) + " — notion-sim</title><style>" + kStyle + "</style></head><body>\n";
  h += "<h1>" + XmlEscape(r.scenario) + " <span class=\"verdict " + (pass ? "pass" : "fail") +
       "\">" + (pass ? "PASS" : "FAIL") + "</span></h1>\n";
  if (!r.purpose.empty()) h += "<p>" + XmlEscape(r.purpose) + "</p>\n";
  h += "<div class=\"capacity\">" + XmlEscape(CapacityLine(r)) + "</div>\n";
  h += "<table>" + Row({"reproduce", "<code>" + XmlEscape(r.reproduce) + "</code>"}) +
       Row({"scenario file", "<code>" + XmlEscape(r.path) + "</code> (hash <code>" +
                                 XmlEscape(r.scenario_hash) + "</code>)"}) +
       Row({"profile", XmlEscape(r.profile)}) +
       Row({"seed / trace digest",
            std::to_string(r.seed) + " / <code>" + XmlEscape(r.summary.digest) + "</code>"}) +
       Row({"virtual time / wall time", DurationText(r.summary.virtual_time_us) + " / " +
                                            Num(r.wall_time_ms) + " ms (" +
                                            CountText(r.summary.events) + " events)"}) +
       "</table>\n";

  int violated = 0;
  for (const auto& i : r.checks.invariants) violated += i.held() ? 0 : 1;
  int gates_failed = 0;
  for (const auto& g : r.checks.gates) gates_failed += g.passed() ? 0 : 1;
  char calls[32];
  std::snprintf(calls, sizeof calls, "%.2f", m.api_calls_per_op);
  char burn[32];
  std::snprintf(burn, sizeof burn, "%.2f", m.error_budget_burn);
  h += "<h2>Headline</h2><div class=\"cards\">" + Card("operations", CountText(m.ops.started)) +
       Card("succeeded", PercentText(m.success_ratio), m.success_ratio < m.slo_target) +
       Card("answered (succeeded or fallback)", PercentText(m.answered_ratio)) +
       Card("latency p50", DurationText(m.latency.p50_us)) +
       Card("latency p99", DurationText(m.latency.p99_us)) + Card("API calls per op", calls) +
       Card("retries", PercentText(m.retry_ratio)) +
       Card("requests per min", Num(m.requests_per_min)) +
       Card("429 / 5xx", CountText(m.http_429) + " / " + CountText(m.http_5xx)) +
       Card("DLQ max / end",
            std::to_string(m.dlq_depth_max) + " / " + std::to_string(m.dlq_depth_end),
            m.dlq_depth_end > 0) +
       Card("error budget burn (SLO " + PercentText(m.slo_target) + ")", burn,
            m.error_budget_burn > 1) +
       Card("time to recover",
            m.recovery == checks::Recovery::kRecovered      ? DurationText(m.recovery_us)
            : m.recovery == checks::Recovery::kNotRecovered ? "not recovered"
                                                            : "no faults",
            m.recovery == checks::Recovery::kNotRecovered) +
       Card("invariants violated", std::to_string(violated), violated > 0) +
       Card("gates failed", std::to_string(gates_failed), gates_failed > 0) + "</div>\n";

  h += "<h2>Over time</h2>\n";
  h += OutcomesChart(m) + RequestsChart(m) + BreakersChart(m) + DlqChart(m) + LatencyChart(m);

  h += "<h2>Operations</h2><table>" +
       Row({"operation", "started", "succeeded", "fallback", "failed", "DLQ", "unfinished", "p50",
            "p90", "p99", "max", "API calls/op"},
           true);
  auto op_row = [&](const std::string& name, const checks::OutcomeCounts& o,
                    const checks::LatencySummary& l, double api) {
    char a[32];
    std::snprintf(a, sizeof a, "%.2f", api);
    std::string s = "<tr><td>" + XmlEscape(name) + "</td>";
    for (std::uint64_t v :
         {o.started, o.succeeded, o.served_fallback, o.failed, o.dead_lettered, o.unfinished}) {
      s += "<td class=\"n\">" + CountText(v) + "</td>";
    }
    for (TimeUs v : {l.p50_us, l.p90_us, l.p99_us, l.max_us}) {
      s += "<td class=\"n\">" + DurationText(v) + "</td>";
    }
    return s + "<td class=\"n\">" + a + "</td></tr>\n";
  };
  for (const checks::OperationMetrics& op : m.operations) {
    h += op_row(std::string(engine::OperationName(op.operation)), op.ops, op.latency,
                op.api_calls_per_op);
  }
  h += op_row("all", m.ops, m.latency, m.api_calls_per_op) + "</table>\n";
  std::string hist;
  for (std::size_t i = 1; i < m.attempts_histogram.size(); ++i) {
    if (m.attempts_histogram[i] == 0) continue;
    hist += (hist.empty() ? "" : ", ") + CountText(m.attempts_histogram[i]) + " with " +
            std::to_string(i) + (i + 1 == m.attempts_histogram.size() ? "+" : "") + " attempt" +
            (i == 1 ? "" : "s");
  }
  h += "<p class=\"note\">Attempts per operation: " + (hist.empty() ? "none" : hist) + ". " +
       CountText(m.requests) + " requests (" + CountText(m.attempts) + " attempts, " +
       CountText(m.reconcile_lookups) + " reconcile lookups, " + CountText(m.requests_outside_ops) +
       " for DLQ replays or workflow steps); " + CountText(m.retries_scheduled) +
       " retries scheduled, " + CountText(m.retry_after_honored) + " Retry-After honored, " +
       CountText(m.budget_exhausted) + " refused by the retry budget; limiter delayed " +
       CountText(m.limiter_delays) + " (max " + DurationText(m.limiter_delay_max_us) +
       "); breaker rejected " + CountText(m.breaker_rejections) + "; " +
       CountText(m.faults_injected) + " faults injected.</p>\n";

  h += "<h2>Invariants</h2><table>" +
       Row({"invariant", "verdict", "checked", "violations", "first violation"}, true);
  for (const checks::InvariantResult& i : r.checks.invariants) {
    const std::string v(checks::VerdictName(i.verdict));
    h += "<tr><td>" + XmlEscape(i.name) + "</td><td class=\"" + v + "\">" + v +
         "</td><td class=\"n\">" + CountText(i.checked_count) + "</td><td class=\"n\">" +
         CountText(i.violation_count) + "</td><td>" +
         (i.first_violation.empty() ? "" : "<pre>" + XmlEscape(i.first_violation) + "</pre>") +
         "</td></tr>\n";
  }
  h += "</table>\n";

  h += "<h2>Gates</h2>";
  if (r.checks.gates.empty()) {
    h += "<p class=\"note\">The scenario sets no gates.</p>\n";
  } else {
    h += "<table>" + Row({"metric", "bound", "measured", "verdict"}, true);
    for (const checks::GateResult& g : r.checks.gates) {
      std::string bound;
      if (g.gate.min) bound += "&ge; " + checks::FormatNumber(*g.gate.min);
      if (g.gate.max)
        bound +=
            std::string(bound.empty() ? "" : ", ") + "&le; " + checks::FormatNumber(*g.gate.max);
      const std::string v(checks::GateVerdictName(g.verdict));
      h += "<tr><td><code>" + XmlEscape(g.gate.metric) + "</code></td><td>" + bound +
           "</td><td class=\"n\">" +
           (g.measured ? checks::FormatNumber(*g.measured) : std::string("—")) +
           "</td><td class=\"" + (g.passed() ? "held" : "violated") + "\">" + v + "</td></tr>\n";
    }
    h += "</table>\n";
  }

  if (!m.breakers.empty()) {
    h += "<h2>Breakers</h2><table>" +
         Row({"key", "opens", "time not closed", "final state", "transitions"}, true);
    for (const checks::BreakerTimeline& b : m.breakers) {
      h += Row({BreakerKeyText(b), CountText(b.opens), DurationText(b.not_closed_us),
                std::string(engine::BreakerStateName(b.final_state)),
                CountText(b.changes.size() + b.dropped)});
    }
    h += "</table>\n";
  }
  h += HealthAndDependencies(m);
  if (!r.checkpoints.empty()) {
    h += "<h2>Batch checkpoints</h2><table>" +
         Row({"job", "approach", "records", "checkpoint", "succeeded", "failed", "dead-lettered"},
             true);
    for (const scenarios::CheckpointResult& c : r.checkpoints) {
      h += Row({XmlEscape(c.job), XmlEscape(c.approach), CountText(c.records),
                CountText(c.checkpoint), CountText(c.succeeded), CountText(c.failed),
                CountText(c.dead_lettered)});
    }
    h += "</table>\n";
  }
  if (!r.alerts.empty()) {
    h += "<h2>Alerts</h2><table>" + Row({"alert", "count", "first at"}, true);
    for (const scenarios::AlertCount& a : r.alerts) {
      h += Row({XmlEscape(a.kind), CountText(a.count), DurationText(a.first_us)});
    }
    h += "</table>\n";
  }
  h += "<p class=\"note\">Server: " + CountText(r.server_requests) + " requests, " +
       CountText(r.server_writes) + " writes, " + CountText(r.server_faults_injected) +
       " faults injected, " + CountText(r.server_rate_limited) + " rate limited, " +
       CountText(r.server_pages) + " pages. All times are virtual.</p>\n";
  h += "</body></html>\n";
  return h;
}

}  // namespace notion_sim::reports

// Sweep pages (chart.h) reuse the helpers above.
namespace notion_sim::reports {

std::string ScatterSvg(const std::string& x_label, const std::string& y_label,
                       const std::vector<ScatterPoint>& points) {
  constexpr double kW = 720;
  constexpr double kH = 420;
  constexpr double kL = 70;
  constexpr double kR = 20;
  constexpr double kT = 16;
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
    x_lo = x_hi = shown.front()->x;
    y_lo = y_hi = shown.front()->y;
    for (const ScatterPoint* p : shown) {
      x_lo = std::min(x_lo, p->x);
      x_hi = std::max(x_hi, p->x);
      y_lo = std::min(y_lo, p->y);
      y_hi = std::max(y_hi, p->y);
    }
  }
  // A margin of 8 % of the range (or of the value) on each side.
  const auto pad = [](double& lo, double& hi) {
    const double span = hi - lo > 0 ? hi - lo : std::max(std::abs(hi), 1.0);
    lo -= span * 0.08;
    hi += span * 0.08;
  };
  pad(x_lo, x_hi);
  pad(y_lo, y_hi);
  const auto X = [&](double v) { return kL + (v - x_lo) / (x_hi - x_lo) * (kW - kL - kR); };
  const auto Y = [&](double v) { return kH - kB - (v - y_lo) / (y_hi - y_lo) * (kH - kT - kB); };
  std::string s = "<svg viewBox=\"0 0 " + Num(kW) + " " + Num(kH) +
                  "\" width=\"100%\" role=\"img\" aria-label=\"" +
                  XmlEscape(y_label + " against " + x_label) + "\">";
  char buf[32];
  for (int i = 0; i <= 4; ++i) {
    const double yv = y_lo + (y_hi - y_lo) * i / 4;
    const double xv = x_lo + (x_hi - x_lo) * i / 4;
    s += "<line x1=\"" + Num(kL) + "\" x2=\"" + Num(kW - kR) + "\" y1=\"" + Num(Y(yv)) +
         "\" y2=\"" + Num(Y(yv)) + "\" class=\"grid\"/>";
    std::snprintf(buf, sizeof buf, "%.4g", yv);
    s += "<text x=\"" + Num(kL - 6) + "\" y=\"" + Num(Y(yv) + 4) +
         "\" class=\"ax\" text-anchor=\"end\">" + XmlEscape(buf) + "</text>";
    std::snprintf(buf, sizeof buf, "%.4g", xv);
    // The end labels align inwards so they are not clipped.
    const char* anchor = i == 4 ? "end" : i == 0 ? "start" : "middle";
    s += "<text x=\"" + Num(X(xv)) + "\" y=\"" + Num(kH - kB + 16) +
         "\" class=\"ax\" text-anchor=\"" + anchor + "\">" + XmlEscape(buf) + "</text>";
  }
  s += "<line x1=\"" + Num(kL) + "\" x2=\"" + Num(kW - kR) + "\" y1=\"" + Num(kH - kB) +
       "\" y2=\"" + Num(kH - kB) + "\" class=\"axl\"/>";
  s += "<text x=\"" + Num((kL + kW - kR) / 2) + "\" y=\"" + Num(kH - 8) +
       "\" class=\"ax\" text-anchor=\"middle\">" + XmlEscape(x_label) + "</text>";
  s += "<text x=\"" + Num(kL + 4) + "\" y=\"" + Num(kT + 9) + "\" class=\"ax\">" +
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
      d += (d.empty() ? "M" : " L") + Num(X(p->x)) + " " + Num(Y(p->y));
    }
    s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"#1c7ed6\" stroke-width=\"1.5\" " +
         "stroke-dasharray=\"5 3\"/>";
  }
  for (const ScatterPoint* p : shown) {
    const char* color = p->muted ? "#ced4da" : p->highlighted ? "#1c7ed6" : "#868e96";
    const double r = p->highlighted ? 5.5 : 4;
    s += "<circle cx=\"" + Num(X(p->x)) + "\" cy=\"" + Num(Y(p->y)) + "\" r=\"" + Num(r) +
         "\" fill=\"" + color + "\"><title>" + XmlEscape(p->label) + "</title></circle>";
    if (p->marked) {
      s += "<circle cx=\"" + Num(X(p->x)) + "\" cy=\"" + Num(Y(p->y)) +
           "\" r=\"10\" fill=\"none\" stroke=\"#2e9d4a\" stroke-width=\"2.5\"/>";
    }
  }
  s += "</svg>";
  if (left_out > 0) {
    s += "<p class=\"note\">" + std::to_string(left_out) +
         " point(s) not drawn (a value was infinite or not measured).</p>";
  }
  return s;
}

std::string HtmlPage(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
         XmlEscape(title) + " — notion-sim</title><style>" + kStyle +
         "</style></head><body>\n<h1>" + XmlEscape(title) + "</h1>\n" + body + "</body></html>\n";
}

}  // namespace notion_sim::reports
