#include "notion_sim/reports/html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "notion_sim/reports/text.h"
#include "svg.h"
#include "workflow_html.h"

namespace notion_sim::reports {
namespace {

using checks::MetricsReport;
using checks::SeriesBucket;
using engine::BreakerState;
using svg::Num;
using svg::Row;
using svg::Swatch;
using svg::TimeChart;

constexpr const char* kOk = "#2e9d4a";
constexpr const char* kFallback = "#e0b000";
constexpr const char* kFailed = "#d6453d";
constexpr const char* kDlq = "#7b52ab";
constexpr const char* kRequests = "#b8c4d6";
constexpr const char* k429 = "#f08c00";
constexpr const char* k5xx = "#c92a2a";
constexpr const char* kBudget = "#0b7285";
constexpr const char* kViolation = "#c92a2a";

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// What every chart and card reads: the run, its metrics, the time shown (from 0 to where the
// work ended, on a bucket boundary), the windows when faults acted, and the violations to mark.
struct View {
  const scenarios::RunResult& r;
  const MetricsReport& m;
  TimeUs x_end_us = 1;
  std::vector<svg::Window> faults;
  struct Mark {
    TimeUs at_us;
    std::string label;
  };
  std::vector<Mark> violations;  // the first violation of each violated invariant, in time order
};

// The faults' windows: each fault rule's own window (clipped to the safety phase; a rule without
// an end of its own until it last fired), as the result records them.
std::vector<svg::Window> FaultWindows(const MetricsReport& m) {
  std::vector<svg::Window> windows;
  for (const checks::FaultWindow& w : m.fault_windows) {
    windows.push_back(
        {w.from_us, w.until_us,
         "fault window " + DurationText(w.from_us) + " – " + DurationText(w.until_us)});
  }
  return windows;
}

View MakeView(const scenarios::RunResult& r) {
  const MetricsReport& m = r.checks.metrics;
  View v{r, m, 1, {}, {}};
  const TimeUs bucket = std::max<TimeUs>(1, m.bucket_us);
  const TimeUs work_end = m.work_end_us > 0 ? m.work_end_us : m.end_us;
  v.x_end_us = std::clamp<TimeUs>((work_end + bucket - 1) / bucket * bucket, bucket,
                                  std::max(bucket, m.end_us));
  v.faults = FaultWindows(m);
  for (const checks::InvariantResult& i : r.checks.invariants) {
    if (!i.held() && !i.violations.empty()) {
      v.violations.push_back({i.violations.front().at_us, "✗ " + i.name});
    }
  }
  std::stable_sort(v.violations.begin(), v.violations.end(),
                   [](const View::Mark& a, const View::Mark& b) { return a.at_us < b.at_us; });
  return v;
}

// Shading, the faults' end, the recovery and the violations, on every time chart.
void Annotate(TimeChart& c, const View& v) {
  for (const svg::Window& w : v.faults) c.Shade(w);
  const MetricsReport& m = v.m;
  int row = 0;
  if (m.recovery != checks::Recovery::kNoFaults) {
    c.Marker(m.fault_end_us,
             m.fault_end_source == checks::FaultEnd::kLastFault ? "faults end (last fault)"
                                                                : "faults end (window)",
             "#7a4d00", row++);
  }
  if (m.recovery == checks::Recovery::kRecovered) {
    c.Marker(m.recovered_at_us, "recovered", "#1b7a32", row++);
  }
  for (const View::Mark& mark : v.violations) {
    c.Marker(mark.at_us, mark.label, kViolation, row++ % 4, "violation");
  }
}

TimeUs BucketEnd(const MetricsReport& m, const SeriesBucket& b) {
  return std::min(m.end_us, b.start_us + m.bucket_us);
}

// "10 min – 15 min (5 min bucket)"
std::string When(const MetricsReport& m, const SeriesBucket& b) {
  return DurationText(b.start_us) + " – " + DurationText(BucketEnd(m, b)) + " (" +
         DurationText(m.bucket_us) + " bucket)";
}

// "85 requests (170/min)"
std::string PerMin(std::uint64_t n, const std::string& what, TimeUs bucket_us) {
  const double per_min = static_cast<double>(n) * 6e7 / static_cast<double>(bucket_us);
  return CountText(n) + " " + what + " (" + svg::ValueText(std::round(per_min * 10) / 10) + "/min)";
}

std::string WhatLegend(const View& v) {
  std::vector<Swatch> s;
  if (!v.faults.empty()) s.push_back({"a fault rule may act", "#ffe8cc"});
  if (!v.violations.empty()) s.push_back({"invariant violated (first time)", kViolation, true});
  return s.empty() ? "" : svg::Legend(s);
}

// --- The charts --------------------------------------------------------------------------------

std::string OutcomesChart(const View& v) {
  const MetricsReport& m = v.m;
  double y_max = 1;
  for (const SeriesBucket& b : m.series) {
    y_max = std::max(
        y_max, static_cast<double>(b.succeeded + b.served_fallback + b.failed + b.dead_lettered));
  }
  TimeChart c(v.x_end_us, 200, y_max, "operations per " + DurationText(m.bucket_us));
  for (const SeriesBucket& b : m.series) {
    double stacked = 0;
    for (const auto& [count, color, name] :
         {std::tuple{b.succeeded, kOk, "succeeded"},
          std::tuple{b.served_fallback, kFallback, "served from fallback"},
          std::tuple{b.failed, kFailed, "failed"},
          std::tuple{b.dead_lettered, kDlq, "dead-lettered"}}) {
      if (count == 0) continue;
      const auto n = static_cast<double>(count);
      c.Bar(b.start_us, BucketEnd(m, b), stacked, stacked + n, color,
            When(m, b) + ": " + PerMin(count, std::string("operations ") + name, m.bucket_us));
      stacked += n;
    }
  }
  Annotate(c, v);
  return svg::Figure(
      "outcomes",
      "Operation outcomes over time (by finish time, per " + DurationText(m.bucket_us) + ")",
      c.Svg("operation outcomes over time"),
      svg::Legend({{"succeeded", kOk},
                   {"served from fallback", kFallback},
                   {"failed", kFailed},
                   {"dead-lettered", kDlq}}) +
          WhatLegend(v));
}

std::string RequestsChart(const View& v) {
  const MetricsReport& m = v.m;
  const scenarios::RunResult& r = v.r;
  double y_max = 1;
  for (const SeriesBucket& b : m.series) y_max = std::max(y_max, static_cast<double>(b.requests));
  // The client_rate invariant's budget, per tenant and window, as requests per bucket for all
  // tenants together.
  double budget = 0;
  std::string budget_text;
  if (r.rate_budget > 0 && r.rate_window_us > 0) {
    const double tenants = static_cast<double>(std::max<std::size_t>(1, r.tenants.size()));
    budget = static_cast<double>(r.rate_budget) * tenants * static_cast<double>(m.bucket_us) /
             static_cast<double>(r.rate_window_us);
    budget_text = "budget " + svg::ValueText(std::round(budget * 10) / 10) + " per " +
                  DurationText(m.bucket_us) + " (client_rate: " + CountText(r.rate_budget) +
                  " per " + DurationText(r.rate_window_us) +
                  (tenants > 1 ? " per tenant × " + Fixed(tenants, 0) : std::string()) + ")";
    y_max = std::max(y_max, budget * 1.08);
  }
  TimeChart c(v.x_end_us, 190, y_max, "requests per " + DurationText(m.bucket_us));
  for (const SeriesBucket& b : m.series) {
    const TimeUs end = BucketEnd(m, b);
    const std::string when = When(m, b) + ": ";
    c.Bar(b.start_us, end, 0, static_cast<double>(b.requests), kRequests,
          when + PerMin(b.requests, "requests", m.bucket_us));
    const double w = c.X(end) - c.X(b.start_us);
    const double x0 = c.X(b.start_us);
    const auto side = [&](std::uint64_t n, double from, const char* color, const char* what) {
      const double top = c.Y(static_cast<double>(n));
      c.Rect(x0 + w * from, top, w * 0.35, c.PlotBottom() - top, color,
             when + PerMin(n, what, m.bucket_us));
    };
    side(b.http_429, 0.15, k429, "answered 429");
    side(b.http_5xx, 0.5, k5xx, "answered 5xx");
  }
  if (budget > 0) c.HLine(budget, budget_text, kBudget);
  Annotate(c, v);
  std::vector<Swatch> legend = {{"requests", kRequests}, {"429", k429}, {"5xx", k5xx}};
  if (budget > 0) legend.push_back({"request budget", kBudget, true});
  return svg::Figure(
      "requests", "Requests sent per " + DurationText(m.bucket_us) + ", and responses 429 and 5xx",
      c.Svg("requests, 429 and 5xx over time"), svg::Legend(legend) + WhatLegend(v),
      budget > 0 ? "The dashed line is the " + budget_text + "." : "");
}

// The policies give the global breaker the key 65535; per-tenant breakers use the tenant index.
// The second upstream's breakers are its own, named so.
std::string BreakerName(const scenarios::RunResult& r, const checks::BreakerTimeline& b) {
  const std::string prefix = b.dependency == engine::Dependency::kNotion
                                 ? std::string()
                                 : std::string(engine::DependencyName(b.dependency)) + ": ";
  if (b.key == UINT16_MAX) return prefix + "all tenants (global)";
  if (b.key < r.tenants.size()) return prefix + "tenant " + r.tenants[b.key];
  return prefix + "key " + std::to_string(b.key);
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

std::string BreakersChart(const View& v) {
  const MetricsReport& m = v.m;
  constexpr std::size_t kMaxRows = 16;
  const std::size_t rows = std::min(m.breakers.size(), kMaxRows);
  constexpr double kRow = 22;
  const double height = TimeChart::kTop + TimeChart::kBottom +
                        static_cast<double>(std::max<std::size_t>(1, rows)) * kRow + 4;
  TimeChart c(v.x_end_us, height, 1, "");
  std::string note;
  for (std::size_t i = 0; i < rows; ++i) {
    const checks::BreakerTimeline& b = m.breakers[i];
    const std::string name = BreakerName(v.r, b);
    const double y = TimeChart::kTop + static_cast<double>(i) * kRow + 2;
    TimeUs from = 0;
    BreakerState state = BreakerState::kClosed;
    auto segment = [&](TimeUs until) {
      const double x0 = c.X(from);
      c.Rect(x0, y, c.X(std::min(until, v.x_end_us)) - x0, kRow - 4, StateColor(state),
             name + ": " + std::string(engine::BreakerStateName(state)) + " " + DurationText(from) +
                 " – " + DurationText(until));
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
    // The name over its own row, drawn last so the segments do not hide it.
    c.Add("<text x=\"" + Num(TimeChart::kLeft + 4) + "\" y=\"" + Num(y + kRow / 2 + 2) +
          "\" class=\"ax\" style=\"font-weight:600\">" + XmlEscape(name) + "</text>");
  }
  if (m.breakers.size() > kMaxRows) {
    note += " Showing " + std::to_string(kMaxRows) + " of " + std::to_string(m.breakers.size()) +
            " breakers.";
  }
  Annotate(c, v);
  return svg::Figure("breakers", "Breaker states over time, per breaker",
                     c.Svg("breaker states over time", /*y_axis=*/false),
                     svg::Legend({{"closed", StateColor(BreakerState::kClosed)},
                                  {"open", StateColor(BreakerState::kOpen)},
                                  {"half-open", StateColor(BreakerState::kHalfOpen)},
                                  {"forced open", StateColor(BreakerState::kForcedOpen)},
                                  {"disabled", StateColor(BreakerState::kDisabled)}}) +
                         WhatLegend(v),
                     note);
}

std::string DlqChart(const View& v) {
  const MetricsReport& m = v.m;
  double y_max = 1;
  for (const SeriesBucket& b : m.series) {
    y_max = std::max(y_max, static_cast<double>(b.dlq_depth_max));
  }
  TimeChart c(v.x_end_us, 160, y_max, "entries");
  for (const SeriesBucket& b : m.series) {
    c.Bar(b.start_us, BucketEnd(m, b), 0, static_cast<double>(b.dlq_depth_max), kDlq,
          When(m, b) + ": depth up to " + CountText(static_cast<std::uint64_t>(b.dlq_depth_max)) +
              " entries, " + CountText(static_cast<std::uint64_t>(b.dlq_depth_end)) + " at the end",
          0);
  }
  Annotate(c, v);
  return svg::Figure(
      "dlq", "Dead-letter queue depth (most entries at once per " + DurationText(m.bucket_us) + ")",
      c.Svg("dead-letter queue depth over time"),
      svg::Legend({{"DLQ depth", kDlq}}) + WhatLegend(v));
}

std::string LatencyChart(const View& v) {
  const MetricsReport& m = v.m;
  double lo_ms = INFINITY;
  double hi_ms = 0;
  std::vector<std::pair<TimeUs, double>> p50;
  std::vector<std::pair<TimeUs, double>> p99;
  for (const SeriesBucket& b : m.series) {
    const std::uint64_t done = b.succeeded + b.served_fallback + b.failed + b.dead_lettered;
    const TimeUs mid = b.start_us + (BucketEnd(m, b) - b.start_us) / 2;
    const double nan = std::nan("");
    const double a = static_cast<double>(b.latency_p50_us) / 1e3;
    const double z = static_cast<double>(b.latency_p99_us) / 1e3;
    p50.emplace_back(mid, done ? a : nan);
    p99.emplace_back(mid, done ? z : nan);
    if (done) {
      if (a > 0) lo_ms = std::min(lo_ms, a);
      hi_ms = std::max(hi_ms, z);
    }
  }
  if (!std::isfinite(lo_ms)) lo_ms = 1;
  TimeChart c = TimeChart::Log(
      v.x_end_us, 210, std::max(lo_ms, 1e-3), std::max(hi_ms, 1.0), "latency (log scale)",
      [](double ms) { return DurationText(static_cast<TimeUs>(std::llround(ms * 1e3))); },
      svg::kDurationTicksMs);
  c.Line(p99, "#c92a2a", "p99 of operations finished in each " + DurationText(m.bucket_us));
  c.Line(p50, "#1c7ed6", "p50 of operations finished in each " + DurationText(m.bucket_us));
  // Each point carries its own figure on hover.
  for (std::size_t i = 0; i < p50.size(); ++i) {
    if (std::isnan(p99[i].second)) continue;
    const SeriesBucket& b = m.series[i];
    c.Add("<circle cx=\"" + Num(c.X(p99[i].first)) + "\" cy=\"" + Num(c.Y(p99[i].second)) +
          "\" r=\"2\" fill=\"#c92a2a\"><title>" +
          XmlEscape(When(m, b) + ": p50 " + DurationText(b.latency_p50_us) + ", p99 " +
                    DurationText(b.latency_p99_us)) +
          "</title></circle>");
  }
  Annotate(c, v);
  return svg::Figure(
      "latency",
      "Latency of operations finished in each " + DurationText(m.bucket_us) + " (log scale)",
      c.Svg("latency p50 and p99 over time"),
      svg::Legend({{"p50", "#1c7ed6", true}, {"p99", "#c92a2a", true}}) + WhatLegend(v),
      "Per-bucket percentiles are exact to 1/16; the run's overall p50 " +
          DurationText(m.latency.p50_us) + ", p99 " + DurationText(m.latency.p99_us) + ", max " +
          DurationText(m.latency.max_us) + ".");
}

// Every chart of the run page, in order. `shown` false leaves it out with `absent` said instead.
struct ChartDef {
  const char* name;
  bool (*shown)(const View&);
  std::string (*draw)(const View&);
  const char* absent;
};

const std::vector<ChartDef>& Charts() {
  static const std::vector<ChartDef> kCharts = {
      {"outcomes", [](const View& v) { return v.m.ops.finished() > 0; }, OutcomesChart,
       "no operation finished"},
      {"requests", [](const View& v) { return v.m.requests > 0; }, RequestsChart,
       "no request was sent"},
      {"breakers", [](const View& v) { return !v.m.breakers.empty(); }, BreakersChart,
       "no breaker changed state (all stayed closed)"},
      {"DLQ", [](const View& v) { return v.m.dlq_depth_max > 0; }, DlqChart,
       "nothing entered the dead-letter queue"},
      {"latency", [](const View& v) { return v.m.latency.count > 0; }, LatencyChart,
       "no operation finished"},
  };
  return kCharts;
}

// --- The cards ---------------------------------------------------------------------------------

struct CardDef {
  const char* id;
  const char* label;
  const char* definition;
  std::string (*text)(const View&);
  double (*value)(const View&);  // the figure in the result's units, for tests and tooltips
  bool (*bad)(const View&);
};

bool Never(const View&) { return false; }
int Violated(const View& v) {
  int n = 0;
  for (const auto& i : v.r.checks.invariants) n += i.held() ? 0 : 1;
  return n;
}
int GatesFailed(const View& v) {
  int n = 0;
  for (const auto& g : v.r.checks.gates) n += g.passed() ? 0 : 1;
  return n;
}

const std::vector<CardDef>& Cards() {
  static const std::vector<CardDef> kCards = {
      {"operations", "operations",
       "Operations the workload started; each may take several requests.",
       [](const View& v) { return CountText(v.m.ops.started); },
       [](const View& v) { return static_cast<double>(v.m.ops.started); }, Never},
      {"succeeded", "succeeded",
       "Finished operations that succeeded at the target (an answer served from the fallback "
       "cache is not a success).",
       [](const View& v) { return PercentText(v.m.success_ratio); },
       [](const View& v) { return v.m.success_ratio; },
       [](const View& v) { return v.m.success_ratio < v.m.slo_target; }},
      {"answered", "answered",
       "Finished operations whose caller got an answer: succeeded, or served from the fallback "
       "cache (maybe stale).",
       [](const View& v) { return PercentText(v.m.answered_ratio); },
       [](const View& v) { return v.m.answered_ratio; }, Never},
      {"latency_p50", "latency p50",
       "Half of the operations took at most this long, start to end: queueing, attempts, "
       "backoff and Retry-After waits included.",
       [](const View& v) { return DurationText(v.m.latency.p50_us); },
       [](const View& v) { return static_cast<double>(v.m.latency.p50_us); }, Never},
      {"latency_p99", "latency p99", "99 % of the operations took at most this long.",
       [](const View& v) { return DurationText(v.m.latency.p99_us); },
       [](const View& v) { return static_cast<double>(v.m.latency.p99_us); }, Never},
      {"api_calls_per_op", "API calls per op",
       "Requests sent (attempts and reconcile lookups) per finished operation: 1.00 is one call "
       "each, no retries.",
       [](const View& v) { return Fixed(v.m.api_calls_per_op, 2); },
       [](const View& v) { return v.m.api_calls_per_op; }, Never},
      {"retries", "retries", "Share of attempts that were retries of an earlier attempt.",
       [](const View& v) { return PercentText(v.m.retry_ratio); },
       [](const View& v) { return v.m.retry_ratio; }, Never},
      {"requests_per_min", "requests per min",
       "Requests per minute over the active span, from the first operation's start to the last "
       "one's end.",
       [](const View& v) { return Fixed(v.m.requests_per_min, 1); },
       [](const View& v) { return v.m.requests_per_min; }, Never},
      {"http_429_5xx", "429 / 5xx",
       "Responses that were rate limited (429) or server errors (5xx), injected or emergent.",
       [](const View& v) { return CountText(v.m.http_429) + " / " + CountText(v.m.http_5xx); },
       [](const View& v) { return static_cast<double>(v.m.http_429 + v.m.http_5xx); }, Never},
      {"dlq", "DLQ max / end",
       "Dead-letter queue: the most entries at once, and those left at the end (work not done).",
       [](const View& v) {
         return std::to_string(v.m.dlq_depth_max) + " / " + std::to_string(v.m.dlq_depth_end);
       },
       [](const View& v) { return static_cast<double>(v.m.dlq_depth_end); },
       [](const View& v) { return v.m.dlq_depth_end > 0; }},
      {"error_budget_burn", "error budget burn",
       "(1 − success ratio) / (1 − SLO target): 1.0 spends exactly the failures the SLO allows "
       "over the run; above 1 the SLO is missed.",
       [](const View& v) {
         return Fixed(v.m.error_budget_burn, 2) + " (SLO " + PercentText(v.m.slo_target) + ")";
       },
       [](const View& v) { return v.m.error_budget_burn; },
       [](const View& v) { return v.m.error_budget_burn > 1; }},
      {"time_to_recover", "time to recover",
       "From the end of the faults to the first moment the stack was healthy again: operations "
       "succeeding over the recovery window, no breaker open and an empty DLQ.",
       [](const View& v) -> std::string {
         switch (v.m.recovery) {
           case checks::Recovery::kRecovered:
             return DurationText(v.m.recovery_us);
           case checks::Recovery::kNotRecovered:
             return "not recovered";
           case checks::Recovery::kNoFaults:
             break;
         }
         return "no faults";
       },
       [](const View& v) { return static_cast<double>(v.m.recovery_us); },
       [](const View& v) { return v.m.recovery == checks::Recovery::kNotRecovered; }},
      {"invariants_violated", "invariants violated",
       "Properties every run must keep (no duplicate creates, bounded retries, ...) that broke.",
       [](const View& v) { return std::to_string(Violated(v)); },
       [](const View& v) { return static_cast<double>(Violated(v)); },
       [](const View& v) { return Violated(v) > 0; }},
      {"gates_failed", "gates failed", "The scenario's own thresholds on metrics that were missed.",
       [](const View& v) { return std::to_string(GatesFailed(v)); },
       [](const View& v) { return static_cast<double>(GatesFailed(v)); },
       [](const View& v) { return GatesFailed(v) > 0; }},
  };
  return kCards;
}

// What `notion-sim test` shows first: the command's runs and the traffic the fake saw.
std::size_t FailedRuns(const View& v) {
  std::size_t n = 0;
  for (const scenarios::ClientCommandRun& run : v.r.client->runs) {
    n += run.timed_out || run.exit_code != 0 ? 1 : 0;
  }
  return n;
}

const std::vector<CardDef>& ClientCards() {
  static const std::vector<CardDef> kCards = {
      {"runs_failed", "runs failed",
       "Runs of the command that did not exit 0 within the scenario's duration_s, of all runs.",
       [](const View& v) {
         return CountText(FailedRuns(v)) + " / " + CountText(v.r.client->runs.size());
       },
       [](const View& v) { return static_cast<double>(FailedRuns(v)); },
       [](const View& v) { return FailedRuns(v) > 0; }},
      {"requests", "requests", "Requests the fake saw from the command, every token together.",
       [](const View& v) { return CountText(v.m.requests); },
       [](const View& v) { return static_cast<double>(v.m.requests); }, Never},
      {"requests_per_min", "requests per min",
       "Requests per minute from the first request to the last.",
       [](const View& v) { return Fixed(v.m.requests_per_min, 1); },
       [](const View& v) { return v.m.requests_per_min; }, Never},
      {"http_429_5xx", "429 / 5xx",
       "Answers rate limited or overloaded (429, 529) and other server errors (5xx), injected or "
       "from the fake's own limits.",
       [](const View& v) { return CountText(v.m.http_429) + " / " + CountText(v.m.http_5xx); },
       [](const View& v) { return static_cast<double>(v.m.http_429 + v.m.http_5xx); }, Never},
      {"no_answer", "without an answer",
       "Requests whose connection was reset, hung, lost after the request was applied, or whose "
       "body stalled.",
       [](const View& v) { return CountText(v.m.transport_errors); },
       [](const View& v) { return static_cast<double>(v.m.transport_errors); }, Never},
      {"repeats", "repeats of failed requests",
       "Requests that repeated one that had failed: the same method, path and body, or a create "
       "with the same idempotency key.",
       [](const View& v) { return CountText(v.m.retries); },
       [](const View& v) { return static_cast<double>(v.m.retries); }, Never},
      {"faults_injected", "faults injected", "Answers the scenario's fault plan decided.",
       [](const View& v) { return CountText(v.m.faults_injected); },
       [](const View& v) { return static_cast<double>(v.m.faults_injected); }, Never},
      {"invariants_violated", "invariants violated",
       "What the judge checks from the server's side, per token, that broke.",
       [](const View& v) { return std::to_string(Violated(v)); },
       [](const View& v) { return static_cast<double>(Violated(v)); },
       [](const View& v) { return Violated(v) > 0; }},
  };
  return kCards;
}

std::string CardsHtml(const View& v, const std::vector<CardDef>& list = Cards()) {
  std::string cards = "<div class=\"cards\">";
  std::string defs = "<dl class=\"defs\">";
  for (const CardDef& c : list) {
    char value[32];
    std::snprintf(value, sizeof value, "%.17g", c.value(v));
    cards += "<div class=\"card" + std::string(c.bad(v) ? " bad" : "") + "\" data-card=\"" + c.id +
             "\" data-value=\"" + value + "\" title=\"" + XmlEscape(c.definition) +
             "\"><div class=\"v\">" + XmlEscape(c.text(v)) + "</div><div class=\"l\">" +
             XmlEscape(c.label) + "</div></div>";
    defs += "<dt>" + XmlEscape(c.label) + "</dt><dd>" + XmlEscape(c.definition) + "</dd>";
  }
  return cards + "</div>\n<details class=\"defs\"><summary>What these figures mean</summary>" +
         defs + "</dl></details>\n";
}

// The first line of a text.
std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

// The box at the top of a failed run: what broke, when, and how to reproduce it.
std::string WhyItFailed(const View& v) {
  const scenarios::RunResult& r = v.r;
  if (r.verdict == checks::RunVerdict::kPass) return "";
  std::string items;
  for (const checks::InvariantResult& i : r.checks.invariants) {
    if (i.held()) continue;
    const std::string at =
        i.violations.empty() ? "" : " at " + DurationText(i.violations.front().at_us);
    items += "<li><b>invariant " + XmlEscape(i.name) + "</b> violated" + at + " (" +
             CountText(i.violation_count) + " violation" + (i.violation_count == 1 ? "" : "s") +
             "): " + XmlEscape(FirstLine(i.first_violation)) + "</li>";
  }
  for (const checks::GateResult& g : r.checks.gates) {
    if (!g.passed()) items += "<li><b>gate</b> " + XmlEscape(g.text) + "</li>";
  }
  return "<div class=\"why\" id=\"why\"><h2>Why it failed</h2><ul>" + items +
         "</ul><p class=\"note\">Reproduce: <code>" + XmlEscape(r.reproduce) +
         "</code>. The charts mark each violation's first time in red.</p></div>\n";
}

std::string VerdictBadge(const scenarios::RunResult& r) {
  const bool pass = r.verdict == checks::RunVerdict::kPass;
  return std::string("<span class=\"verdict ") + (pass ? "pass" : "fail") + "\">" +
         (pass ? "PASS" : "FAIL") + "</span>";
}

// Per service: the time spent healthy, degraded and unhealthy, and what its stack sent.
std::string HealthAndDependencies(const MetricsReport& m) {
  if (m.health.empty()) return "";
  std::string h =
      "<h2>Services</h2><table>" +
      Row({"service", "healthy", "degraded", "unhealthy", "health changes", "requests", "retries",
           "429", "5xx", "transport errors", "breaker opens", "limiter delays"},
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

}  // namespace

namespace {

std::string InvariantsTable(const scenarios::RunResult& r) {
  std::string h = "<h2>Invariants</h2><table>" +
                  Row({"invariant", "verdict", "checked", "violations", "first violation"}, true);
  for (const checks::InvariantResult& i : r.checks.invariants) {
    const std::string verdict(checks::VerdictName(i.verdict));
    h += "<tr data-invariant=\"" + XmlEscape(i.name) + "\"><td>" + XmlEscape(i.name) +
         "</td><td class=\"" + verdict + "\">" + verdict + "</td><td class=\"n\">" +
         CountText(i.checked_count) + "</td><td class=\"n\">" + CountText(i.violation_count) +
         "</td><td>" +
         (i.first_violation.empty() ? "" : "<pre>" + XmlEscape(i.first_violation) + "</pre>") +
         "</td></tr>\n";
  }
  return h + "</table>\n";
}

// The page of a `notion-sim test` run: the command's runs, the traffic the fake saw per token,
// the expectations and the invariants.
std::string ClientBody(const scenarios::RunResult& r) {
  const scenarios::ClientReport& c = *r.client;
  std::string h = "<table>" + Row({"reproduce", "<code>" + XmlEscape(r.reproduce) + "</code>"}) +
                  Row({"scenario file", "<code>" + XmlEscape(r.path) + "</code> (hash <code>" +
                                            XmlEscape(r.scenario_hash) + "</code>)"}) +
                  Row({"seed / wall time",
                       std::to_string(r.seed) + " / " + DurationText(r.summary.virtual_time_us)}) +
                  "</table>\n";
  const View v = MakeView(r);
  h += "<h2>Headline</h2>" + CardsHtml(v, ClientCards());
  h += "<h2>Over time</h2>\n" + RequestsChart(v);
  h += InvariantsTable(r);
  h += "<h2>Runs of <code>" + XmlEscape(c.command) + "</code></h2><table>" +
       Row({"run", "copy", "ended", "took", "stdout", "stderr"}, true);
  for (const scenarios::ClientCommandRun& run : c.runs) {
    const bool ok = !run.timed_out && run.exit_code == 0;
    const std::string ended =
        run.timed_out ? "killed at its time limit" : "exited " + std::to_string(run.exit_code);
    auto output = [](const std::string& path, const std::string& tail) {
      return "<code>" + XmlEscape(path) + "</code>" +
             (tail.empty() ? std::string() : "<pre>" + XmlEscape(tail) + "</pre>");
    };
    h += "<tr><td class=\"n\">" + std::to_string(run.run) + "</td><td class=\"n\">" +
         std::to_string(run.copy) + "</td><td class=\"" + (ok ? "held" : "violated") + "\">" +
         XmlEscape(ended) + "</td><td class=\"n\">" + DurationText(run.ended_us - run.started_us) +
         "</td><td>" + output(run.stdout_path, run.stdout_tail) + "</td><td>" +
         output(run.stderr_path, run.stderr_tail) + "</td></tr>\n";
  }
  h += "</table>\n<h2>Traffic per token</h2><table>" +
       Row({"token", "requests", "2xx", "4xx", "429/529", "provoked 429/529", "5xx", "no answer",
            "injected", "repeats", "creates committed", "busiest window"},
           true);
  for (const checks::TokenTraffic& t : c.tokens) {
    h += Row({XmlEscape(t.token), CountText(t.requests), CountText(t.http_2xx),
              CountText(t.http_4xx), CountText(t.http_429), CountText(t.provoked_429),
              CountText(t.http_5xx), CountText(t.no_answer), CountText(t.injected),
              CountText(t.repeats), CountText(t.creates_committed),
              std::to_string(t.busiest_window)});
  }
  h += "</table>\n";
  if (c.unjudged > 0) {
    h += "<p class=\"note\">" + CountText(c.unjudged) +
         " requests past the judge's bound were counted, not judged.</p>\n";
  }
  if (!c.expects.empty()) {
    h += "<h2>Expectations on the final state</h2><table>" +
         Row({"expected", "verdict", "found"}, true);
    for (const checks::ExpectOutcome& e : c.expects) {
      h += "<tr><td>" + XmlEscape(e.what) + "</td><td class=\"" + (e.held ? "held" : "violated") +
           "\">" + (e.held ? "held" : "violated") + "</td><td>" + XmlEscape(e.found) +
           "</td></tr>\n";
    }
    h += "</table>\n";
  }
  h += "<p class=\"note\">Server: " + CountText(r.server_requests) + " requests, " +
       CountText(r.server_writes) + " writes, " + CountText(r.server_faults_injected) +
       " faults injected, " + CountText(r.server_rate_limited) + " rate limited, " +
       CountText(r.server_pages) + " pages. Times are real, from the start of the test.</p>\n";
  return h;
}

}  // namespace

std::string HtmlReport(const scenarios::RunResult& r) {
  const View v = MakeView(r);
  const MetricsReport& m = r.checks.metrics;
  std::string h = "<nav><a href=\"index.html\">← all scenarios of this run</a></nav>\n";
  h += "<h1>" + XmlEscape(r.scenario) + " " + VerdictBadge(r) + "</h1>\n";
  h += WhyItFailed(v);
  if (!r.purpose.empty()) h += "<p>" + XmlEscape(r.purpose) + "</p>\n";
  h += "<div class=\"capacity\">" + XmlEscape(CapacityLine(r)) + "</div>\n";
  if (r.client) return svg::Page(r.scenario, h + ClientBody(r));
  h += "<table>" + Row({"reproduce", "<code>" + XmlEscape(r.reproduce) + "</code>"}) +
       Row({"scenario file", "<code>" + XmlEscape(r.path) + "</code> (hash <code>" +
                                 XmlEscape(r.scenario_hash) + "</code>)"}) +
       Row({"profile", XmlEscape(r.profile)}) +
       Row({"seed / trace digest",
            std::to_string(r.seed) + " / <code>" + XmlEscape(r.summary.digest) + "</code>"}) +
       Row({"virtual time / wall time", DurationText(r.summary.virtual_time_us) + " / " +
                                            Num(r.wall_time_ms) + " ms (" +
                                            CountText(r.summary.events) + " events)"}) +
       (r.started_at.empty()
            ? std::string()
            : Row({"run at", XmlEscape(r.started_at) + " on " + XmlEscape(r.host)})) +
       "</table>\n";

  h += "<h2>Headline</h2>" + CardsHtml(v);

  h += "<h2>Over time</h2>\n";
  if (v.x_end_us < m.end_us) {
    h += "<p class=\"note\">The charts end where the work ended (" + DurationText(v.x_end_us) +
         "); the run went on idle to " + DurationText(m.end_us) + ".</p>\n";
  }
  std::string absent;
  for (const ChartDef& c : Charts()) {
    if (c.shown(v)) {
      h += c.draw(v);
    } else {
      absent += std::string(absent.empty() ? "" : "; ") + c.name + ": " + c.absent;
    }
  }
  if (!absent.empty())
    h += "<p class=\"note\" id=\"not-drawn\">Not drawn — " + XmlEscape(absent) + ".</p>\n";
  h += WorkflowSection(m, v.x_end_us, v.faults);

  h += "<h2>Operations</h2><table>" +
       Row({"operation", "started", "succeeded", "fallback", "failed", "DLQ", "unfinished", "p50",
            "p90", "p99", "max", "API calls/op"},
           true);
  auto op_row = [&](const std::string& name, const checks::OutcomeCounts& o,
                    const checks::LatencySummary& l, double api) {
    std::string s = "<tr><td>" + XmlEscape(name) + "</td>";
    for (std::uint64_t x :
         {o.started, o.succeeded, o.served_fallback, o.failed, o.dead_lettered, o.unfinished}) {
      s += "<td class=\"n\">" + CountText(x) + "</td>";
    }
    for (TimeUs x : {l.p50_us, l.p90_us, l.p99_us, l.max_us}) {
      s += "<td class=\"n\">" + DurationText(x) + "</td>";
    }
    return s + "<td class=\"n\">" + Fixed(api, 2) + "</td></tr>\n";
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

  h += InvariantsTable(r);

  h += "<h2>Gates</h2>";
  if (r.checks.gates.empty()) {
    h += "<p class=\"note\">The scenario sets no gates.</p>\n";
  } else {
    h += "<table>" + Row({"metric", "bound", "measured", "verdict"}, true);
    for (const checks::GateResult& g : r.checks.gates) {
      std::string bound;
      if (g.gate.min) bound += "&ge; " + checks::FormatNumber(*g.gate.min);
      if (g.gate.max) {
        bound +=
            std::string(bound.empty() ? "" : ", ") + "&le; " + checks::FormatNumber(*g.gate.max);
      }
      const std::string verdict(checks::GateVerdictName(g.verdict));
      h += "<tr><td><code>" + XmlEscape(g.gate.metric) + "</code></td><td>" + bound +
           "</td><td class=\"n\">" +
           (g.measured ? checks::FormatNumber(*g.measured) : std::string("—")) +
           "</td><td class=\"" + (g.passed() ? "held" : "violated") + "\">" + verdict +
           "</td></tr>\n";
    }
    h += "</table>\n";
  }

  if (!m.breakers.empty()) {
    h += "<h2>Breakers</h2><table>" +
         Row({"breaker", "opens", "time not closed", "final state", "transitions"}, true);
    for (const checks::BreakerTimeline& b : m.breakers) {
      h += Row({XmlEscape(BreakerName(r, b)), CountText(b.opens), DurationText(b.not_closed_us),
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
  return svg::Page(r.scenario, h);
}

std::string IndexHtml(const std::vector<scenarios::RunResult>& results,
                      const std::vector<std::string>& pages) {
  std::size_t failed = 0;
  double wall_ms = 0;
  for (const auto& r : results) {
    failed += r.verdict == checks::RunVerdict::kPass ? 0 : 1;
    wall_ms += r.wall_time_ms;
  }
  std::string h =
      "<h1>notion-sim: " + std::to_string(results.size()) + " scenario" +
      (results.size() == 1 ? "" : "s") + " " +
      (failed == 0 ? "<span class=\"verdict pass\">ALL PASSED</span>"
                   : "<span class=\"verdict fail\">" + std::to_string(failed) + " FAILED</span>") +
      "</h1>\n";
  std::string when;
  if (!results.empty() && !results.front().started_at.empty()) {
    when = " Run at " + XmlEscape(results.front().started_at) + " on " +
           XmlEscape(results.front().host) + ".";
  }
  h += "<p>" + std::to_string(results.size() - failed) + " passed, " + std::to_string(failed) +
       " failed, in " + Fixed(wall_ms / 1e3, 1) + " s of wall time." + when +
       " A scenario passes when every invariant held and every gate passed. Also here: <a "
       "href=\"summary.md\">summary.md</a> (for a CI step summary), <a "
       "href=\"junit.xml\">junit.xml</a>, and each scenario's result JSON.</p>\n";
  h += "<div class=\"wide\"><table class=\"index\">" +
       Row({"scenario", "verdict", "operations", "succeeded", "p99", "API calls/op",
            "time to recover", "what it shows, or why it failed"},
           true);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const scenarios::RunResult& r = results[i];
    const View v = MakeView(r);
    const MetricsReport& m = r.checks.metrics;
    std::string story;
    if (r.verdict == checks::RunVerdict::kPass) {
      story = XmlEscape(r.purpose);
    } else {
      for (const auto& inv : r.checks.invariants) {
        if (!inv.held()) {
          story += "<div class=\"violated\">invariant " + XmlEscape(inv.name) + ": " +
                   XmlEscape(FirstLine(inv.first_violation)) + "</div>";
        }
      }
      for (const auto& g : r.checks.gates) {
        if (!g.passed()) story += "<div class=\"violated\">gate " + XmlEscape(g.text) + "</div>";
      }
    }
    const std::string page = i < pages.size() ? pages[i] : r.scenario + ".html";
    std::string recover;
    for (const CardDef& c : Cards()) {
      if (std::string(c.id) == "time_to_recover") recover = c.text(v);
    }
    h += "<tr data-scenario=\"" + XmlEscape(r.scenario) + "\" data-verdict=\"" +
         std::string(checks::RunVerdictName(r.verdict)) + "\"><td><a href=\"" + XmlEscape(page) +
         "\">" + XmlEscape(r.scenario) + "</a><div class=\"note\">" + XmlEscape(r.profile) +
         ", seed " + std::to_string(r.seed) + "</div></td><td>" + VerdictBadge(r) +
         "</td><td class=\"n\" data-ops=\"" + std::to_string(m.ops.started) + "\">" +
         CountText(m.ops.started) + "</td><td class=\"n\">" + PercentText(m.success_ratio) +
         "</td><td class=\"n\">" + DurationText(m.latency.p99_us) + "</td><td class=\"n\">" +
         Fixed(m.api_calls_per_op, 2) + "</td><td class=\"n\">" + XmlEscape(recover) + "</td><td>" +
         story + "<div class=\"note\">" + XmlEscape(CapacityLine(r)) + "</div></td></tr>\n";
  }
  h += "</table></div>\n";
  return svg::Page("notion-sim run", h);
}

}  // namespace notion_sim::reports
