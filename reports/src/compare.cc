#include "notion_sim/reports/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

namespace notion_sim::reports {
namespace {

using scenarios::RunResult;

double Per(double n, double d) { return d > 0 ? n / d : 0; }

struct MetricDef {
  const char* name;
  std::function<double(const RunResult&)> value;
};

const std::vector<MetricDef>& Defs() {
  static const std::vector<MetricDef> kDefs = [] {
    auto started = [](const RunResult& r) { return static_cast<double>(r.summary.ops_started); };
    auto requests = [](const RunResult& r) {
      return static_cast<double>(r.checks.metrics.requests);
    };
    std::vector<MetricDef> d;
    d.push_back(
        {"success ratio", [](const RunResult& r) { return r.checks.metrics.success_ratio; }});
    d.push_back({"failed per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.summary.ops_failed), started(r));
                 }});
    d.push_back({"dead-lettered per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.summary.ops_dead_lettered), started(r));
                 }});
    d.push_back({"served from fallback per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.summary.ops_fallback), started(r));
                 }});
    d.push_back({"unfinished per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.summary.ops_unfinished), started(r));
                 }});
    d.push_back({"attempts per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.attempts), started(r));
                 }});
    d.push_back(
        {"API calls per op", [](const RunResult& r) { return r.checks.metrics.api_calls_per_op; }});
    d.push_back({"retries per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.retries), started(r));
                 }});
    d.push_back({"retry delay mean (s)", [](const RunResult& r) {
                   const auto& m = r.checks.metrics;
                   return Per(static_cast<double>(m.retry_delay_total_us) / 1e6,
                              static_cast<double>(m.retries_scheduled));
                 }});
    d.push_back({"retry delay max (s)", [](const RunResult& r) {
                   return static_cast<double>(r.checks.metrics.retry_delay_max_us) / 1e6;
                 }});
    d.push_back({"Retry-After waits per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.retry_after_honored),
                              started(r));
                 }});
    d.push_back({"gave up per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.retries_gave_up), started(r));
                 }});
    d.push_back({"429 per request", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.http_429), requests(r));
                 }});
    d.push_back({"5xx per request", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.http_5xx), requests(r));
                 }});
    d.push_back({"transport errors per request", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.transport_errors), requests(r));
                 }});
    d.push_back({"limiter delays per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.limiter_delays), started(r));
                 }});
    d.push_back({"breaker opens", [](const RunResult& r) {
                   return static_cast<double>(r.checks.metrics.breaker_opens);
                 }});
    d.push_back({"breaker half-opens", [](const RunResult& r) {
                   return static_cast<double>(r.checks.metrics.breaker_half_opens);
                 }});
    d.push_back({"breaker rejections per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.breaker_rejections), started(r));
                 }});
    d.push_back({"DLQ enqueued per op", [=](const RunResult& r) {
                   return Per(static_cast<double>(r.checks.metrics.dlq_enqueued), started(r));
                 }});
    d.push_back({"DLQ depth at end", [](const RunResult& r) {
                   return static_cast<double>(r.checks.metrics.dlq_depth_end);
                 }});
    d.push_back({"latency p50 (s)", [](const RunResult& r) {
                   return static_cast<double>(r.checks.metrics.latency.p50_us) / 1e6;
                 }});
    d.push_back({"latency p99 (s)", [](const RunResult& r) {
                   return static_cast<double>(r.checks.metrics.latency.p99_us) / 1e6;
                 }});
    return d;
  }();
  return kDefs;
}

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
  for (const MetricDef& def : Defs()) {
    SimLiveMetric m;
    m.name = def.name;
    m.sim = def.value(sim);
    m.live = def.value(live);
    const double scale = std::max(std::fabs(m.sim), std::fabs(m.live));
    m.differs =
        std::fabs(m.sim - m.live) > std::max(options.abs_tolerance, options.rel_tolerance * scale);
    c.metrics.push_back(m);
  }
  return c;
}

std::string ComparisonMarkdown(const SimLiveComparison& c, const RunResult& sim,
                               const RunResult& live) {
  std::string out = "# " + c.scenario + ": simulation vs live\n\n";
  out += "- simulation: seed " + std::to_string(sim.seed) + ", " +
         std::to_string(sim.summary.ops_started) + " operations, digest " + sim.summary.digest +
         "\n";
  out += "- live: " + (live.base_url.empty() ? std::string("(no base URL)") : live.base_url) +
         ", " + std::to_string(live.summary.ops_started) + " operations" +
         (live.ops_resumed > 0 ? " (+" + std::to_string(live.ops_resumed) + " in earlier runs)"
                               : std::string()) +
         "\n\n";
  out += "## Invariants: " + std::string(c.invariants_held() ? "held in both" : "**violated**") +
         "\n\n";
  out += "| invariant | simulation | live |\n|---|---|---|\n";
  for (const SimLiveInvariant& i : c.invariants) {
    out += "| " + i.name + " | " + HeldText(i.in_sim, i.sim_held) + " | " +
           HeldText(i.in_live, i.live_held) + " |\n";
  }
  out += "\n## Metrics: " + std::to_string(c.differences()) + " marked ≠\n\n";
  out += "| metric | simulation | live | |\n|---|---:|---:|---|\n";
  for (const SimLiveMetric& m : c.metrics) {
    out += "| " + m.name + " | " + Num(m.sim) + " | " + Num(m.live) + " | " +
           (m.differs ? "≠" : "") + " |\n";
  }
  return out;
}

}  // namespace notion_sim::reports
