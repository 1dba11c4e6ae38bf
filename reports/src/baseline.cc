#include "notion_sim/reports/baseline.h"

#include <cmath>
#include <cstdlib>
#include <set>

#include "notion_sim/reports/junit.h"
#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

std::string Pct(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f %%", fraction * 100);
  return buf;
}

std::string Opt(const std::optional<double>& v) {
  return v ? checks::FormatNumber(*v) : std::string("no data");
}

const scenarios::RunResult* Match(const std::vector<scenarios::RunResult>& pool,
                                  const scenarios::RunResult& r) {
  const scenarios::RunResult* by_name = nullptr;
  for (const auto& b : pool) {
    if (b.scenario != r.scenario) continue;
    if (b.seed == r.seed) return &b;
    if (by_name == nullptr) by_name = &b;
  }
  return by_name;
}

}  // namespace

double Tolerances::For(const std::string& metric) const {
  auto it = per_metric.find(metric);
  return it == per_metric.end() ? global : it->second;
}

namespace {

// `value` as a fraction; errors start with `shown` (the flag as the user wrote it).
Result<double> FractionOf(const std::string& shown, const std::string& value) {
  std::string number = value;
  const bool percent = !number.empty() && number.back() == '%';
  if (percent) number.pop_back();
  char* end = nullptr;
  const double v = number.empty() ? 0 : std::strtod(number.c_str(), &end);
  if (number.empty() || end == nullptr || *end != '\0' || !std::isfinite(v) || v < 0) {
    return InvalidInput(shown + ": expected a fraction (0.05) or a percentage (5%)");
  }
  if (!percent && v > 1) {
    return InvalidInput(shown + ": a bare number is a fraction, so " + number + " would allow " +
                        checks::FormatNumber(v * 100) + " %; write " + number + "% for " + number +
                        " percent (or " + checks::FormatNumber(v / 100) + ")");
  }
  return percent ? v / 100 : v;
}

}  // namespace

Result<double> ParseFractionFlag(const std::string& flag, const std::string& text) {
  return FractionOf(flag + " " + text, text);
}

Status ParseTolerance(const std::string& text, Tolerances& t) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos) {
    const Result<double> f = ParseFractionFlag("--tolerance", text);
    if (!f.ok()) return f.error();
    t.global = *f;
    return {};
  }
  const std::string metric = text.substr(0, eq);
  if (!checks::FindMetric(metric)) {
    return InvalidInput("--tolerance " + text + ": unknown metric \"" + metric +
                        "\" (the valid names are listed in `notion-sim gate --help`)");
  }
  const Result<double> f = FractionOf("--tolerance " + text, text.substr(eq + 1));
  if (!f.ok()) return f.error();
  t.per_metric[metric] = *f;
  return {};
}

std::string_view ChangeName(Change change) {
  switch (change) {
    case Change::kWithin:
      return "within";
    case Change::kImproved:
      return "improved";
    case Change::kRegressed:
      return "regressed";
    case Change::kLostData:
      return "lost_data";
  }
  return "?";
}

Comparison CompareToBaseline(const std::vector<scenarios::RunResult>& baseline,
                             const std::vector<scenarios::RunResult>& current,
                             const Tolerances& tolerances,
                             const std::vector<std::string>& metrics) {
  Comparison out;
  for (const scenarios::RunResult& r : current) {
    const scenarios::RunResult* b = Match(baseline, r);
    if (b == nullptr) {
      out.without_baseline.push_back(r.scenario);
      continue;
    }
    std::vector<checks::MetricInfo> names;
    if (metrics.empty()) {
      // The baseline's metrics (its workflows' among them), then any the current run adds.
      std::set<std::string> listed;
      for (const scenarios::RunResult* run : {b, &r}) {
        for (const checks::MetricInfo& info : checks::MetricNamesOf(run->checks.metrics)) {
          if (info.better != checks::Better::kNeither && listed.insert(info.name).second) {
            names.push_back(info);
          }
        }
      }
    } else {
      for (const std::string& n : metrics) {
        if (auto info = checks::FindMetric(n)) names.push_back(*info);
      }
    }
    for (const checks::MetricInfo& info : names) {
      MetricDelta d;
      d.scenario = r.scenario;
      d.metric = info.name;
      d.baseline = checks::MetricValue(b->checks.metrics, info.name);
      d.current = checks::MetricValue(r.checks.metrics, info.name);
      d.tolerance = tolerances.For(info.name);
      if (!d.baseline && !d.current) continue;  // neither run measured it
      if (!d.current) {
        d.change = Change::kLostData;
        d.text = info.name + " " + Opt(d.baseline) + " -> no data (the run no longer measures it)";
      } else if (!d.baseline) {
        continue;  // new data: nothing to compare against
      } else {
        const double base = *d.baseline;
        const double now = *d.current;
        const double slack = d.tolerance * std::fabs(base);
        // Worse by more than the slack (and by more than rounding), in the metric's direction.
        const double worse = info.better == checks::Better::kLower ? now - base : base - now;
        const bool both_inf = std::isinf(base) && std::isinf(now) && (base > 0) == (now > 0);
        if (both_inf || worse == 0) {
          d.change = Change::kWithin;
        } else if (worse > slack && worse > 1e-12) {
          d.change = Change::kRegressed;
        } else if (-worse > slack && -worse > 1e-12) {
          d.change = Change::kImproved;
        }
        std::string rel;
        if (base != 0 && std::isfinite(base) && std::isfinite(now)) {
          rel = Pct((now - base) / std::fabs(base)) + ", ";
        }
        d.text = info.name + " " + Opt(d.baseline) + " -> " + Opt(d.current) + " (" + rel +
                 "tolerance " + checks::FormatNumber(d.tolerance * 100) + " %)";
      }
      if (d.change == Change::kRegressed || d.change == Change::kLostData) ++out.regressions;
      out.deltas.push_back(std::move(d));
    }
  }
  for (const scenarios::RunResult& b : baseline) {
    bool found = false;
    for (const auto& r : current) found = found || r.scenario == b.scenario;
    if (!found) out.missing.push_back(b.scenario);
  }
  return out;
}

namespace {

bool IsRegression(const MetricDelta& d) {
  return d.change == Change::kRegressed || d.change == Change::kLostData;
}

void DeltaRows(std::string& out, const Comparison& c, const std::vector<Change>& changes) {
  out +=
      "| scenario | metric | baseline | current | change | tolerance |\n"
      "|---|---|---:|---:|---|---:|\n";
  for (const MetricDelta& d : c.deltas) {
    if (std::find(changes.begin(), changes.end(), d.change) == changes.end()) continue;
    std::string rel;
    if (d.baseline && d.current && *d.baseline != 0 && std::isfinite(*d.baseline) &&
        std::isfinite(*d.current)) {
      rel = " (" + Pct((*d.current - *d.baseline) / std::fabs(*d.baseline)) + ")";
    }
    out += "| " + MarkdownCell(d.scenario) + " | `" + d.metric + "` | " + Opt(d.baseline) + " | " +
           Opt(d.current) + " | " + std::string(ChangeName(d.change)) + rel + " | " +
           checks::FormatNumber(d.tolerance * 100) + " % |\n";
  }
}

}  // namespace

std::string BaselineMarkdown(const Comparison& c) {
  std::size_t improved = 0;
  for (const MetricDelta& d : c.deltas) improved += d.change == Change::kImproved ? 1 : 0;
  std::string out = "# Baseline comparison: " +
                    std::string(c.regressions == 0 ? "no regression" : "**regressed**") + "\n\n" +
                    std::to_string(c.deltas.size()) + " metric(s) compared, " +
                    std::to_string(c.regressions) + " regressed, " + std::to_string(improved) +
                    " improved.\n";
  for (const std::string& s : c.without_baseline) {
    out += "\n- " + MarkdownCell(s) + " has no baseline (new scenario?); not compared.";
  }
  for (const std::string& s : c.missing) {
    out += "\n- " + MarkdownCell(s) + " is in the baseline but not in the results.";
  }
  if (!c.without_baseline.empty() || !c.missing.empty()) out += "\n";
  if (c.regressions > 0) {
    out += "\n## Regressions\n\n";
    DeltaRows(out, c, {Change::kRegressed, Change::kLostData});
  }
  if (improved > 0) {
    out += "\n## Improvements\n\n";
    DeltaRows(out, c, {Change::kImproved});
  }
  if (!c.deltas.empty()) {
    out += "\n<details><summary>Every metric compared</summary>\n\n";
    DeltaRows(out, c, {Change::kWithin, Change::kImproved, Change::kRegressed, Change::kLostData});
    out += "\n</details>\n";
  }
  return out;
}

std::string BaselineJunit(const Comparison& c) {
  std::vector<JunitSuite> suites;
  for (const MetricDelta& d : c.deltas) {
    if (suites.empty() || suites.back().name != d.scenario + ".baseline") {
      suites.push_back(JunitSuite{});
      suites.back().name = d.scenario + ".baseline";
    }
    JunitCase k;
    k.classname = d.scenario + ".baseline";
    k.name = d.metric;
    if (IsRegression(d)) {
      k.kind = JunitCase::Kind::kFailed;
      k.type = "regression";
      k.message = d.text;
      k.text = d.scenario + ": " + d.text;
    }
    suites.back().cases.push_back(std::move(k));
  }
  return JunitDocument("notion-sim gate --baseline", suites);
}

nlohmann::json BaselineJson(const Comparison& c) {
  using nlohmann::json;
  json deltas = json::array();
  for (const MetricDelta& d : c.deltas) {
    const auto num = [](const std::optional<double>& v) {
      return v && std::isfinite(*v) ? json(*v) : json(nullptr);
    };
    deltas.push_back({{"scenario", d.scenario},
                      {"metric", d.metric},
                      {"baseline", num(d.baseline)},
                      {"current", num(d.current)},
                      {"tolerance", d.tolerance},
                      {"change", std::string(ChangeName(d.change))},
                      {"text", d.text}});
  }
  return json{{"regressions", c.regressions},
              {"deltas", std::move(deltas)},
              {"without_baseline", c.without_baseline},
              {"missing", c.missing}};
}

}  // namespace notion_sim::reports
