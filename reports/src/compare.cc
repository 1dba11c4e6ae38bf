#include "notion_sim/reports/compare.h"

#include "notion_sim/reports/chart.h"
#include "notion_sim/reports/text.h"
#include "svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "notion_sim/checks/metric_catalogue.h"

namespace notion_sim::reports {
namespace {

using scenarios::RunResult;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string HeldText(bool in, bool held) {
  if (!in) return "not checked";
  return held ? "held" : "**violated**";
}

}  // namespace

bool SimLiveComparison::invariants_held() const {
  return std::all_of(invariants.begin(), invariants.end(),
                     [](const SimLiveInvariant& i) { return i.sim_held && i.live_held; });
}

std::size_t SimLiveComparison::differences() const {
  return static_cast<std::size_t>(std::count_if(metrics.begin(), metrics.end(),
                                                [](const SimLiveMetric& m) { return m.differs; }));
}

SimLiveComparison CompareSimLive(const RunResult& sim, const RunResult& live,
                                 const SimLiveOptions& options) {
  SimLiveComparison c;
  c.scenario = sim.scenario;
  std::map<std::string, SimLiveInvariant> by_name;
  for (const auto& inv : sim.checks.invariants) {
    SimLiveInvariant& ci = by_name[inv.name];
    ci.name = inv.name;
    ci.in_sim = true;
    ci.sim_held = inv.held();
  }
  for (const auto& inv : live.checks.invariants) {
    SimLiveInvariant& ci = by_name[inv.name];
    ci.name = inv.name;
    ci.in_live = true;
    ci.live_held = inv.held();
  }
  for (auto& [name, ci] : by_name) c.invariants.push_back(ci);
  for (const std::string& name : checks::ComparedMetrics()) {
    const std::optional<checks::MetricInfo> info = checks::FindMetric(name);
    SimLiveMetric m;
    m.name = info->label;
    if (info->unit == checks::Unit::kMilliseconds || info->unit == checks::Unit::kSeconds) {
      m.name += " (" + std::string(checks::UnitName(info->unit)) + ")";
    }
    // Not measured (no retry delays, no operation) compares as 0.
    m.sim = checks::MetricValue(sim.checks.metrics, name).value_or(0);
    m.live = checks::MetricValue(live.checks.metrics, name).value_or(0);
    const double scale = std::max(std::fabs(m.sim), std::fabs(m.live));
    m.differs =
        std::fabs(m.sim - m.live) > std::max(options.abs_tolerance, options.rel_tolerance * scale);
    c.metrics.push_back(m);
  }
  return c;
}

std::string RunLabel(const RunResult& r) {
  std::string where = r.mode == "live" && !r.base_url.empty() ? "live at " + r.base_url : r.mode;
  return r.scenario + " (" + where + ", " + r.profile + ", seed " + std::to_string(r.seed) + ")";
}

std::string ComparisonMarkdown(const SimLiveComparison& c, const RunResult& a, const RunResult& b) {
  std::string out = "# " +
                    (a.scenario == b.scenario ? a.scenario : a.scenario + " vs " + b.scenario) +
                    ": " + (a.mode == b.mode ? "A vs B" : a.mode + " vs " + b.mode) + "\n\n";
  const auto line = [](const char* tag, const RunResult& r) {
    return std::string("- ") + tag + ": " + RunLabel(r) + ", " +
           std::to_string(r.summary.ops_started) + " operations" +
           (r.ops_resumed > 0 ? " (+" + std::to_string(r.ops_resumed) + " in earlier runs)"
                              : std::string()) +
           ", digest " + r.summary.digest + "\n";
  };
  out += line("A", a) + line("B", b) + "\n";
  if (a.mode == "sim" && b.mode == "sim" && a.summary.digest == b.summary.digest) {
    out += "The two runs are identical (same trace digest).\n\n";
  }
  out += "## Invariants: " + std::string(c.invariants_held() ? "held in both" : "**violated**") +
         "\n\n";
  out += "| invariant | A | B |\n|---|---|---|\n";
  for (const SimLiveInvariant& i : c.invariants) {
    out += "| " + i.name + " | " + HeldText(i.in_sim, i.sim_held) + " | " +
           HeldText(i.in_live, i.live_held) + " |\n";
  }
  out += "\n## Metrics: " + std::to_string(c.differences()) + " marked ≠\n\n";
  out += "| metric | A | B | |\n|---|---:|---:|---|\n";
  for (const SimLiveMetric& m : c.metrics) {
    out += "| " + m.name + " | " + Num(m.sim) + " | " + Num(m.live) + " | " +
           (m.differs ? "≠" : "") + " |\n";
  }
  return out;
}

namespace {

constexpr const char* kA = "#1c7ed6";
constexpr const char* kB = "#e8590c";

TimeUs ChartEnd(const checks::MetricsReport& m) {
  const TimeUs bucket = std::max<TimeUs>(1, m.bucket_us);
  const TimeUs work = m.work_end_us > 0 ? m.work_end_us : m.end_us;
  return std::clamp<TimeUs>((work + bucket - 1) / bucket * bucket, bucket,
                            std::max(bucket, m.end_us));
}

using Series = std::vector<std::pair<TimeUs, double>>;

// A value of each bucket at the bucket's middle; `per_min` turns counts into rates, so runs whose
// buckets differ in width still overlay.
Series SeriesOf(const checks::MetricsReport& m,
                double (*value)(const checks::SeriesBucket&, bool& valid), bool per_min) {
  Series out;
  for (const checks::SeriesBucket& b : m.series) {
    bool valid = true;
    double v = value(b, valid);
    if (per_min) v = v * 6e7 / static_cast<double>(std::max<TimeUs>(1, m.bucket_us));
    out.emplace_back(b.start_us + m.bucket_us / 2, valid ? v : std::nan(""));
  }
  return out;
}

std::string Overlay(const std::string& id, const std::string& title, const std::string& unit,
                    const Series& a, const Series& b, TimeUs end_us, bool log,
                    const std::string& a_label, const std::string& b_label) {
  double lo = INFINITY;
  double hi = 0;
  for (const Series* s : {&a, &b}) {
    for (const auto& [t, v] : *s) {
      if (std::isnan(v) || t > end_us) continue;
      hi = std::max(hi, v);
      if (v > 0) lo = std::min(lo, v);
    }
  }
  svg::TimeChart c =
      log ? svg::TimeChart::Log(
                end_us, 200, std::isfinite(lo) ? lo : 1, std::max(hi, 1.0), unit,
                [](double ms) { return DurationText(static_cast<TimeUs>(std::llround(ms * 1e3))); },
                svg::kDurationTicksMs)
          : svg::TimeChart(end_us, 180, std::max(hi, 1.0), unit);
  c.Line(a, kA, "A: " + a_label);
  c.Line(b, kB, "B: " + b_label, "6 4");
  return svg::Figure(id, title, c.Svg(title),
                     svg::Legend({{"A: " + a_label, kA, true}, {"B: " + b_label, kB, true}}));
}

std::string Delta(double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b) || a == 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f %%", (b - a) / std::fabs(a) * 100);
  return buf;
}

}  // namespace

std::string ComparisonHtml(const SimLiveComparison& c, const RunResult& a, const RunResult& b) {
  const std::string la = RunLabel(a);
  const std::string lb = RunLabel(b);
  std::string h;
  h += "<table>" + svg::Row({"", "A", "B"}, true);
  h += svg::Row({"run", XmlEscape(la), XmlEscape(lb)});
  h += svg::Row({"verdict", std::string(checks::RunVerdictName(a.verdict)),
                 std::string(checks::RunVerdictName(b.verdict))});
  h += svg::Row({"scenario file", "<code>" + XmlEscape(a.path) + "</code>",
                 "<code>" + XmlEscape(b.path) + "</code>"});
  h += svg::Row({"trace digest", "<code>" + XmlEscape(a.summary.digest) + "</code>",
                 "<code>" + XmlEscape(b.summary.digest) + "</code>"});
  h += svg::Row({"capacity", XmlEscape(CapacityLine(a)), XmlEscape(CapacityLine(b))});
  h += "</table>\n";
  if (a.mode == "sim" && b.mode == "sim" && a.summary.digest == b.summary.digest) {
    h += "<p class=\"note\">The two runs are identical (same trace digest).</p>\n";
  }
  h += "<h2>Invariants: " +
       std::string(c.invariants_held() ? "held in both"
                                       : "<span class=\"violated\">violated</span>") +
       "</h2><table>" + svg::Row({"invariant", "A", "B"}, true);
  const auto held = [](bool in, bool ok) {
    return !in  ? std::string("<span class=\"off\">not checked</span>")
           : ok ? std::string("<span class=\"held\">held</span>")
                : std::string("<span class=\"violated\">violated</span>");
  };
  for (const SimLiveInvariant& i : c.invariants) {
    h += svg::Row({XmlEscape(i.name), held(i.in_sim, i.sim_held), held(i.in_live, i.live_held)});
  }
  h += "</table>\n<h2>Over time</h2>\n";
  const checks::MetricsReport& ma = a.checks.metrics;
  const checks::MetricsReport& mb = b.checks.metrics;
  const TimeUs end = std::max(ChartEnd(ma), ChartEnd(mb));
  const auto finished = [](const checks::SeriesBucket& x, bool&) {
    return static_cast<double>(x.succeeded + x.served_fallback + x.failed + x.dead_lettered);
  };
  const auto succeeded = [](const checks::SeriesBucket& x, bool&) {
    return static_cast<double>(x.succeeded);
  };
  const auto requests = [](const checks::SeriesBucket& x, bool&) {
    return static_cast<double>(x.requests);
  };
  const auto p99 = [](const checks::SeriesBucket& x, bool& valid) {
    valid = x.succeeded + x.served_fallback + x.failed + x.dead_lettered > 0;
    return static_cast<double>(x.latency_p99_us) / 1e3;
  };
  const auto dlq = [](const checks::SeriesBucket& x, bool&) {
    return static_cast<double>(x.dlq_depth_max);
  };
  h += Overlay("succeeded", "Operations succeeded per minute", "succeeded / min",
               SeriesOf(ma, succeeded, true), SeriesOf(mb, succeeded, true), end, false, la, lb);
  h += Overlay("finished", "Operations finished per minute (any outcome)", "finished / min",
               SeriesOf(ma, finished, true), SeriesOf(mb, finished, true), end, false, la, lb);
  h += Overlay("requests", "Requests per minute", "requests / min", SeriesOf(ma, requests, true),
               SeriesOf(mb, requests, true), end, false, la, lb);
  h +=
      Overlay("latency", "Latency p99 of operations finished in each bucket (log scale)",
              "latency p99", SeriesOf(ma, p99, false), SeriesOf(mb, p99, false), end, true, la, lb);
  if (ma.dlq_depth_max > 0 || mb.dlq_depth_max > 0) {
    h += Overlay("dlq", "Dead-letter queue depth", "entries", SeriesOf(ma, dlq, false),
                 SeriesOf(mb, dlq, false), end, false, la, lb);
  }
  h += "<h2>Metrics: " + std::to_string(c.differences()) +
       " differ beyond the tolerance (≠)</h2><table class=\"deltas\">" +
       svg::Row({"metric", "A", "B", "B − A", "change", ""}, true);
  for (const SimLiveMetric& m : c.metrics) {
    h += "<tr data-metric=\"" + XmlEscape(m.name) + "\"><td>" + XmlEscape(m.name) +
         "</td><td class=\"n\">" + Num(m.sim) + "</td><td class=\"n\">" + Num(m.live) +
         "</td><td class=\"n\">" + Num(m.live - m.sim) + "</td><td class=\"n\">" +
         Delta(m.sim, m.live) + "</td><td" + (m.differs ? " class=\"worse\">≠" : ">") +
         "</td></tr>\n";
  }
  h += "</table>\n";
  return HtmlPage(
      a.scenario == b.scenario ? a.scenario + ": A vs B" : a.scenario + " vs " + b.scenario, h);
}

}  // namespace notion_sim::reports
