#include "notion_sim/explore/sweep.h"

#include "sweep_html.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "notion_sim/checks/gates.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/reports/chart.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/reports/text.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/secrets.h"

namespace notion_sim::explore {
namespace {

constexpr const char* kFormat = "notion-sim.sweep/1";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Status KnownMetric(const std::string& metric, const std::string& where) {
  if (checks::FindMetric(metric)) return {};
  return InvalidInput(where + ": unknown metric \"" + metric +
                      "\" (notion-sim gate --help lists the metric names)");
}

std::string Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

std::string ValueText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

nlohmann::json SpecToJson(const SweepSpec& s) {
  nlohmann::json grid = nlohmann::json::array();
  for (const Axis& a : s.grid) grid.push_back({{"path", a.path}, {"values", a.values}});
  nlohmann::json ranges = nlohmann::json::array();
  for (const Range& r : s.ranges) {
    ranges.push_back({{"path", r.path}, {"lo", r.lo}, {"hi", r.hi}, {"integer", r.integer}});
  }
  std::vector<std::string> objectives;
  for (const Objective& o : s.objectives) objectives.push_back(o.Text());
  std::vector<std::string> constraints;
  for (const Constraint& c : s.constraints) constraints.push_back(c.Text());
  return {{"grid", grid},
          {"ranges", ranges},
          {"samples", s.samples},
          {"sampler", std::string(SamplerName(s.sampler))},
          {"sample_seed", s.sample_seed},
          {"every_seed", s.every_seed},
          {"seeds", s.seeds},
          {"first_seed", s.first_seed},
          {"objectives", objectives},
          {"constraints", constraints}};
}

// Four significant digits: sampled values that read well in labels and files.
double Sig4(double v) {
  if (v == 0 || !std::isfinite(v)) return v;
  const double scale = std::pow(10.0, 3 - std::floor(std::log10(std::fabs(v))));
  return std::round(v * scale) / scale;
}

// The samples of the ranges, each a list of (path, value) in range order.
std::vector<std::vector<std::pair<std::string, nlohmann::json>>> Samples(const SweepSpec& s) {
  std::vector<std::vector<std::pair<std::string, nlohmann::json>>> out;
  if (s.ranges.empty()) return out;
  const std::uint64_t n = std::max<std::uint64_t>(1, s.samples);
  engine::Rng rng = engine::Rng(s.sample_seed).Fork("sweep.samples");
  out.assign(n, {});
  for (const Range& r : s.ranges) {
    engine::Rng axis = rng.Fork(r.path);
    std::vector<std::uint64_t> strata(n);
    for (std::uint64_t i = 0; i < n; ++i) strata[i] = i;
    for (std::uint64_t i = n; i > 1; --i) std::swap(strata[i - 1], strata[axis.Below(i)]);
    for (std::uint64_t i = 0; i < n; ++i) {
      const double u =
          s.sampler == Sampler::kLatinHypercube
              ? (static_cast<double>(strata[i]) + axis.NextDouble()) / static_cast<double>(n)
              : axis.NextDouble();
      nlohmann::json value;
      if (r.integer) {
        const double v = std::floor(r.lo + u * (r.hi - r.lo + 1));
        value = static_cast<std::int64_t>(std::min(v, r.hi));
      } else {
        value = Sig4(r.lo + u * (r.hi - r.lo));
      }
      out[i].emplace_back(r.path, value);
    }
  }
  return out;
}

// Is `a` better than `b` on objective `o`? NaN is worst.
bool Better(double a, double b, const Objective& o) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return o.maximize ? a > b : a < b;
}

bool Dominates(const ConfigSummary& a, const ConfigSummary& b,
               const std::vector<Objective>& objectives) {
  bool strictly = false;
  for (std::size_t i = 0; i < objectives.size(); ++i) {
    const double x = a.metrics[i].mean;
    const double y = b.metrics[i].mean;
    if (Better(y, x, objectives[i])) return false;
    if (Better(x, y, objectives[i])) strictly = true;
  }
  return strictly;
}

MetricStats Stats(const std::vector<double>& values) {
  MetricStats s;
  double sum = 0;
  bool infinite = false;
  for (double v : values) {
    if (std::isnan(v)) continue;
    if (s.n == 0) s.min = s.max = v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    ++s.n;
    if (std::isinf(v)) infinite = true;
    sum += v;
  }
  if (s.n == 0) {
    s.mean = s.sd = s.min = s.max = kNaN;
    return s;
  }
  s.mean = sum / static_cast<double>(s.n);
  if (infinite) {
    s.sd = kNaN;
  } else if (s.n > 1) {
    double sq = 0;
    for (double v : values) {
      if (!std::isnan(v)) sq += (v - s.mean) * (v - s.mean);
    }
    s.sd = std::sqrt(sq / static_cast<double>(s.n - 1));
  }
  return s;
}

// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// The shortest text that reads back to the same double; "inf"/"-inf"; empty for NaN (not
// measured).
std::string FullPrecision(double v) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

std::string MeanSd(const MetricStats& m) {
  if (m.n == 0) return "-";
  return Short(m.mean) + (m.n > 1 && !std::isnan(m.sd) ? " ± " + Short(m.sd) : "");
}

}  // namespace

std::string Constraint::Text() const { return metric + (at_least ? ">=" : "<=") + Short(bound); }

std::string_view SamplerName(Sampler sampler) {
  return sampler == Sampler::kUniform ? "uniform" : "lhs";
}

Result<Range> ParseRange(std::string_view text) {
  const std::size_t eq = text.find('=');
  const std::size_t dots = text.find("..", eq == std::string_view::npos ? 0 : eq);
  if (eq == std::string_view::npos || eq == 0 || dots == std::string_view::npos) {
    return InvalidInput("--range " + std::string(text) +
                        ": expected PATH=LO..HI (e.g. stack.limiter.rate_per_s=0.5..3)");
  }
  Range r;
  r.path = Trim(text.substr(0, eq));
  const std::string lo = Trim(text.substr(eq + 1, dots - eq - 1));
  const std::string hi = Trim(text.substr(dots + 2));
  const nlohmann::json l = ParseValue(lo);
  const nlohmann::json h = ParseValue(hi);
  if (!l.is_number() || !h.is_number() || !std::isfinite(l.get<double>()) ||
      !std::isfinite(h.get<double>()) || l.get<double>() >= h.get<double>()) {
    return InvalidInput("--range " + std::string(text) +
                        ": LO and HI must be finite numbers with LO < HI");
  }
  r.lo = l.get<double>();
  r.hi = h.get<double>();
  r.integer = l.is_number_integer() && h.is_number_integer();
  return r;
}

Result<Axis> ParseGrid(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 >= text.size()) {
    return InvalidInput("--grid " + std::string(text) +
                        ": expected PATH=V1,V2,... (e.g. stack.retry.max_attempts=2,3,5)");
  }
  Axis a;
  a.path = Trim(text.substr(0, eq));
  std::string_view rest = text.substr(eq + 1);
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string v = Trim(rest.substr(0, comma));
    if (v.empty()) return InvalidInput("--grid " + std::string(text) + ": empty value");
    if (Status st = engine::CheckJsonLimits(v, "--grid " + a.path + " value"); !st.ok()) {
      return st.error();
    }
    a.values.push_back(ParseValue(v));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return a;
}

Result<Objective> ParseObjective(std::string_view text) {
  Objective o;
  std::string name(text);
  const std::size_t colon = name.rfind(':');
  std::string dir;
  if (colon != std::string::npos) {
    dir = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  if (Status st = KnownMetric(name, "--objective " + std::string(text)); !st.ok()) {
    return st.error();
  }
  if (dir == "max") {
    o.maximize = true;
  } else if (dir == "min") {
    o.maximize = false;
  } else if (dir.empty()) {
    const checks::Better b = checks::FindMetric(name)->better;
    if (b == checks::Better::kNeither) {
      return InvalidInput("--objective " + std::string(text) +
                          ": this metric has no better direction; write " + name + ":max or " +
                          name + ":min");
    }
    o.maximize = b == checks::Better::kHigher;
  } else {
    return InvalidInput("--objective " + std::string(text) + ": expected METRIC, METRIC:max or " +
                        "METRIC:min");
  }
  o.metric = name;
  return o;
}

Result<Constraint> ParseConstraint(std::string_view text) {
  Constraint c;
  std::size_t op = text.find(">=");
  c.at_least = true;
  if (op == std::string_view::npos) {
    op = text.find("<=");
    c.at_least = false;
  }
  if (op == std::string_view::npos) {
    return InvalidInput("--constraint " + std::string(text) +
                        ": expected METRIC>=BOUND or METRIC<=BOUND (e.g. ops.success_ratio>=0.99)");
  }
  c.metric = Trim(text.substr(0, op));
  const std::string bound = Trim(text.substr(op + 2));
  if (Status st = KnownMetric(c.metric, "--constraint " + std::string(text)); !st.ok()) {
    return st.error();
  }
  const nlohmann::json v = ParseValue(bound);
  if (!v.is_number()) {
    return InvalidInput("--constraint " + std::string(text) + ": the bound \"" + bound +
                        "\" is not a number");
  }
  c.bound = v.get<double>();
  return c;
}

Result<SweepSpec> ParseSweepFile(const nlohmann::json& doc, const std::string& name) {
  SweepSpec s;
  if (!doc.is_object()) return InvalidInput(name + ": expected a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (key == "grid") {
      if (!value.is_object()) return InvalidInput(name + ": /grid: expected {\"path\": [values]}");
      for (const auto& [path, values] : value.items()) {
        if (!values.is_array() || values.empty()) {
          return InvalidInput(name + ": /grid/" + path + ": expected a non-empty array of values");
        }
        s.grid.push_back(Axis{path, std::vector<nlohmann::json>(values.begin(), values.end())});
      }
    } else if (key == "ranges") {
      if (!value.is_object())
        return InvalidInput(name + ": /ranges: expected {\"path\": [lo, hi]}");
      for (const auto& [path, bounds] : value.items()) {
        if (!bounds.is_array() || bounds.size() != 2) {
          return InvalidInput(name + ": /ranges/" + path + ": expected [lo, hi]");
        }
        auto r = ParseRange(path + "=" + bounds[0].dump() + ".." + bounds[1].dump());
        if (!r.ok()) return InvalidInput(name + ": /ranges/" + path + ": " + r.error().message);
        s.ranges.push_back(*r);
      }
    } else if (key == "samples" || key == "sample_seed") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 ||
          value.get<std::uint64_t>() > 100000) {
        return InvalidInput(name + ": /" + key + ": expected an integer in [1, 100000]");
      }
      (key == "samples" ? s.samples : s.sample_seed) = value.get<std::uint64_t>();
    } else if (key == "sampler") {
      if (value != "lhs" && value != "uniform") {
        return InvalidInput(name + ": /sampler: expected \"lhs\" or \"uniform\"");
      }
      s.sampler = value == "uniform" ? Sampler::kUniform : Sampler::kLatinHypercube;
    } else if (key == "every_seed") {
      if (!value.is_boolean()) return InvalidInput(name + ": /every_seed: expected true or false");
      s.every_seed = value.get<bool>();
    } else if (key == "seeds" || key == "first_seed") {
      if (!value.is_number_unsigned() || (key == "seeds" && value.get<std::uint64_t>() == 0)) {
        return InvalidInput(name + ": /" + key + ": expected a positive integer");
      }
      (key == "seeds" ? s.seeds : s.first_seed) = value.get<std::uint64_t>();
    } else if (key == "objectives" || key == "constraints") {
      if (!value.is_array()) return InvalidInput(name + ": /" + key + ": expected an array");
      for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string where = name + ": /" + key + "/" + std::to_string(i);
        if (!value[i].is_string()) return InvalidInput(where + ": expected a string");
        if (key == "objectives") {
          auto o = ParseObjective(value[i].get<std::string>());
          if (!o.ok()) return InvalidInput(where + ": " + o.error().message);
          s.objectives.push_back(*o);
        } else {
          auto c = ParseConstraint(value[i].get<std::string>());
          if (!c.ok()) return InvalidInput(where + ": " + c.error().message);
          s.constraints.push_back(*c);
        }
      }
    } else {
      return InvalidInput(name + ": /" + key + ": unknown field (expected grid, ranges, samples, " +
                          "sampler, sample_seed, every_seed, seeds, first_seed, objectives, " +
                          "constraints)");
    }
  }
  return s;
}

std::vector<std::vector<std::pair<std::string, nlohmann::json>>> Configurations(
    const SweepSpec& sweep) {
  std::vector<std::vector<std::pair<std::string, nlohmann::json>>> out = {{}};
  for (const Axis& a : sweep.grid) {
    std::vector<std::vector<std::pair<std::string, nlohmann::json>>> next;
    for (const auto& partial : out) {
      for (const nlohmann::json& v : a.values) {
        auto c = partial;
        c.emplace_back(a.path, v);
        next.push_back(std::move(c));
      }
    }
    out = std::move(next);
  }
  const auto samples = Samples(sweep);
  if (samples.empty()) return out;
  std::vector<std::vector<std::pair<std::string, nlohmann::json>>> crossed;
  for (const auto& point : out) {
    for (const auto& sample : samples) {
      auto c = point;
      c.insert(c.end(), sample.begin(), sample.end());
      crossed.push_back(std::move(c));
    }
  }
  return crossed;
}

std::string ConfigLabel(const std::vector<std::pair<std::string, nlohmann::json>>& config) {
  std::string out;
  for (const auto& [path, value] : config) {
    const std::string p = path.rfind("stack.", 0) == 0 ? path.substr(6) : path;
    out += (out.empty() ? "" : ", ") + p + "=" + ValueText(value);
  }
  return out.empty() ? "(as written)" : out;
}

std::vector<std::string> SweepMetrics(const SweepSpec& sweep) {
  std::vector<std::string> out;
  for (const Objective& o : sweep.objectives) {
    if (std::find(out.begin(), out.end(), o.metric) == out.end()) out.push_back(o.metric);
  }
  for (const Constraint& c : sweep.constraints) {
    if (std::find(out.begin(), out.end(), c.metric) == out.end()) out.push_back(c.metric);
  }
  return out;
}

namespace {

Result<nlohmann::json> ConfigDocument(
    const nlohmann::json& source, const std::vector<std::pair<std::string, nlohmann::json>>& config,
    std::uint64_t seed) {
  nlohmann::json doc = source;
  for (const auto& [path, value] : config) {
    if (Status st = SetPath(doc, path, value); !st.ok()) {
      return InvalidInput("--grid " + path + ": " + st.error().message);
    }
  }
  doc["seed"] = seed;
  return doc;
}

std::uint64_t FirstSeed(const SweepSpec& sweep, std::uint64_t scenario_seed) {
  return sweep.first_seed != 0 ? sweep.first_seed : scenario_seed;
}

}  // namespace

Status PrepareSweep(const scenarios::ScenarioSpec& spec, SweepSpec& sweep) {
  if (sweep.objectives.empty()) {
    sweep.objectives = {Objective{"ops.success_ratio", true}, Objective{"api_calls_per_op", false}};
  }
  if (sweep.seeds == 0) return InvalidInput("--seeds: must be at least 1");
  if (!sweep.ranges.empty() && sweep.samples == 0) sweep.samples = 20;
  std::set<std::string> paths;
  for (const Axis& a : sweep.grid) {
    if (!paths.insert(a.path).second) return InvalidInput("--grid " + a.path + ": given twice");
  }
  for (const Range& r : sweep.ranges) {
    if (!paths.insert(r.path).second) return InvalidInput("--range " + r.path + ": given twice");
  }
  // Metrics of workflows must name the scenario's.
  std::vector<std::string> named;
  for (const Objective& o : sweep.objectives) named.push_back(o.metric);
  for (const Constraint& c : sweep.constraints) named.push_back(c.metric);
  for (const std::string& m : named) {
    if (auto wf = checks::WorkflowOfMetric(m)) {
      const std::string problem = scenarios::WorkflowNameProblem(spec, wf->first, wf->second);
      if (!problem.empty()) return InvalidInput("metric \"" + m + "\": " + problem);
    }
  }
  const auto configs = Configurations(sweep);
  if (configs.size() > 100000) return InvalidInput("--grid: more than 100000 configurations");
  for (const auto& config : configs) {
    auto doc = ConfigDocument(spec.source, config, FirstSeed(sweep, spec.seed));
    if (!doc.ok()) return doc.error();
    auto parsed = scenarios::ParseScenario(doc->dump(), spec.path);
    if (!parsed.ok()) {
      return InvalidInput("configuration " + ConfigLabel(config) +
                          " is not a valid scenario: " + parsed.error().message);
    }
  }
  return {};
}

Result<SweepRun> RunSweep(const scenarios::ScenarioSpec& scenario, const SweepSpec& sweep,
                          const Shard& shard, unsigned threads,
                          const std::function<void(std::size_t, std::size_t)>& progress,
                          const std::function<bool()>& stop) {
  SweepRun run;
  run.scenario = scenario.name;
  run.scenario_hash = scenario.hash;
  run.path = scenario.path;
  run.source = scenarios::RedactScenarioSecrets(scenario.source);  // sweep.json holds no token
  run.spec = sweep;
  run.shard = shard;
  const auto configs = Configurations(sweep);
  const std::vector<std::string> metrics = SweepMetrics(sweep);
  const std::uint64_t first = FirstSeed(sweep, scenario.seed);
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < configs.size() * sweep.seeds; ++i) {
    if (shard.Owns(i)) mine.push_back(i);
  }
  run.runs.resize(mine.size());
  run.planned = mine.size();
  const std::size_t ran = ParallelFor(
      mine.size(), threads,
      [&](std::size_t k) {
        SweepRecord& rec = run.runs[k];
        rec.index = mine[k];
        rec.config = rec.index / sweep.seeds;
        rec.seed = first + rec.index % sweep.seeds;
        rec.values.assign(metrics.size(), kNaN);
        auto doc = ConfigDocument(scenario.source, configs[rec.config], rec.seed);
        if (!doc.ok()) {
          rec.error = doc.error().message;
          return;
        }
        auto spec = scenarios::ParseScenario(doc->dump(), scenario.path);
        if (!spec.ok()) {
          rec.error = spec.error().message;
          return;
        }
        auto result = scenarios::RunScenario(*spec);
        if (!result.ok()) {
          rec.error = result.error().message;
          return;
        }
        rec.digest = result->summary.digest;
        for (const checks::InvariantResult& inv : result->checks.invariants) {
          if (!inv.held()) rec.held = false;
        }
        for (std::size_t m = 0; m < metrics.size(); ++m) {
          rec.values[m] = checks::MetricValue(result->checks.metrics, metrics[m]).value_or(kNaN);
        }
      },
      progress, stop);
  run.runs.resize(ran);
  return run;
}

SweepSummary SummarizeSweep(const SweepRun& run) {
  SweepSummary s;
  s.metrics = SweepMetrics(run.spec);
  const auto configs = Configurations(run.spec);
  std::vector<std::vector<std::vector<double>>> values(
      configs.size(), std::vector<std::vector<double>>(s.metrics.size()));
  s.configs.resize(configs.size());
  for (std::size_t c = 0; c < configs.size(); ++c) {
    s.configs[c].config = c;
    s.configs[c].label = ConfigLabel(configs[c]);
  }
  for (const SweepRecord& r : run.runs) {
    if (r.config >= configs.size()) continue;
    ConfigSummary& c = s.configs[r.config];
    ++c.runs;
    if (!r.error.empty()) {
      ++c.errors;
      continue;
    }
    if (!r.held) ++c.violated;
    for (std::size_t m = 0; m < s.metrics.size() && m < r.values.size(); ++m) {
      values[r.config][m].push_back(r.values[m]);
    }
  }
  const std::vector<Objective>& objectives = run.spec.objectives;
  for (ConfigSummary& c : s.configs) {
    for (std::size_t m = 0; m < s.metrics.size(); ++m)
      c.metrics.push_back(Stats(values[c.config][m]));
    if (run.partial()) {
      // A configuration cut short by the interrupt was not measured on all its seeds.
      std::size_t expected = 0;
      for (std::uint64_t k = 0; k < run.spec.seeds; ++k) {
        expected += run.shard.Owns(c.config * run.spec.seeds + k) ? 1 : 0;
      }
      c.complete = c.runs == expected;
    }
    c.safe = c.complete && c.runs > 0 && c.violated == 0 && c.errors == 0;
    for (const Constraint& k : run.spec.constraints) {
      const auto at = std::find(s.metrics.begin(), s.metrics.end(), k.metric) - s.metrics.begin();
      const MetricStats& st = c.metrics[static_cast<std::size_t>(at)];
      // On the mean, or (every seed) on the worst seed; a seed that did not measure it fails.
      const double v = !run.spec.every_seed ? st.mean : (k.at_least ? st.min : st.max);
      const bool all_measured = !run.spec.every_seed || st.n == c.runs - c.errors;
      const bool met = !std::isnan(v) && all_measured && (k.at_least ? v >= k.bound : v <= k.bound);
      if (!met) c.unmet.push_back(k.Text());
    }
    c.feasible = c.safe && c.unmet.empty();
  }
  // Objectives come first in SweepMetrics, so metrics[i] is objective i.
  for (ConfigSummary& c : s.configs) {
    if (!c.safe) continue;
    c.on_frontier = std::none_of(s.configs.begin(), s.configs.end(), [&](const ConfigSummary& o) {
      return o.safe && o.config != c.config && Dominates(o, c, objectives);
    });
  }
  for (const ConfigSummary& c : s.configs) {
    if (!c.feasible) continue;
    if (!s.recommended) {
      s.recommended = c.config;
      continue;
    }
    const ConfigSummary& best = s.configs[*s.recommended];
    for (std::size_t i = 0; i < objectives.size(); ++i) {
      if (Better(c.metrics[i].mean, best.metrics[i].mean, objectives[i])) {
        s.recommended = c.config;
        break;
      }
      if (Better(best.metrics[i].mean, c.metrics[i].mean, objectives[i])) break;
    }
  }
  std::map<std::vector<std::string>, std::vector<std::size_t>> by_digests;
  {
    std::vector<std::vector<std::string>> digests(configs.size());
    std::vector<bool> complete(configs.size(), true);
    for (const SweepRecord& r : run.runs) {
      if (r.config >= configs.size()) continue;
      if (!r.error.empty() || r.digest.empty()) complete[r.config] = false;
      digests[r.config].push_back(r.digest);
    }
    for (std::size_t c = 0; c < configs.size(); ++c) {
      if (complete[c] && !digests[c].empty()) by_digests[digests[c]].push_back(c);
    }
  }
  for (const auto& [digests, members] : by_digests) {
    if (members.size() > 1) s.identical.push_back(members);
  }
  std::sort(s.identical.begin(), s.identical.end());
  std::string constraints;
  for (const Constraint& k : run.spec.constraints) {
    constraints += (constraints.empty() ? "" : ", ") + k.Text();
  }
  if (s.recommended) {
    s.why = "best " + objectives.front().Text() +
            " among the configurations that kept every invariant in every run" +
            (constraints.empty() ? ""
                                 : " and met " + constraints +
                                       (run.spec.every_seed ? " on every seed" : " on average"));
  } else {
    s.why = "no configuration kept every invariant in every run" +
            (constraints.empty() ? std::string() : " and met " + constraints);
  }
  return s;
}

nlohmann::json SweepToJson(const SweepRun& run) {
  const SweepSummary s = SummarizeSweep(run);
  nlohmann::json j;
  j["format"] = kFormat;
  j["scenario"] = run.scenario;
  j["scenario_hash"] = run.scenario_hash;
  j["path"] = run.path;
  j["sweep"] = SpecToJson(run.spec);
  j["shard"] = run.shard.Text();
  j["planned"] = run.planned;
  j["partial"] = run.partial();
  j["metrics"] = s.metrics;
  nlohmann::json configs = nlohmann::json::array();
  for (const ConfigSummary& c : s.configs) {
    nlohmann::json cj = {
        {"config", c.config},     {"label", c.label},       {"runs", c.runs},
        {"violated", c.violated}, {"errors", c.errors},     {"complete", c.complete},
        {"safe", c.safe},         {"feasible", c.feasible}, {"on_frontier", c.on_frontier},
        {"unmet", c.unmet}};
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      const MetricStats& st = c.metrics[m];
      cj["metrics"][s.metrics[m]] = {{"n", st.n},
                                     {"mean", NumberToJson(st.mean)},
                                     {"sd", NumberToJson(st.sd)},
                                     {"min", NumberToJson(st.min)},
                                     {"max", NumberToJson(st.max)}};
    }
    configs.push_back(cj);
  }
  j["configs"] = configs;
  j["recommended"] = s.recommended ? nlohmann::json(*s.recommended) : nlohmann::json(nullptr);
  j["why"] = s.why;
  j["identical"] = s.identical;
  nlohmann::json runs = nlohmann::json::array();
  for (const SweepRecord& r : run.runs) {
    nlohmann::json values = nlohmann::json::array();
    for (double v : r.values) values.push_back(NumberToJson(v));
    runs.push_back({{"index", r.index},
                    {"config", r.config},
                    {"seed", r.seed},
                    {"held", r.held},
                    {"digest", r.digest},
                    {"error", r.error},
                    {"values", values}});
  }
  j["runs"] = runs;
  j["source"] = run.source;
  return j;
}

Result<SweepRun> SweepFromJson(const nlohmann::json& j, const std::string& name) {
  if (!j.is_object() || j.value("format", "") != kFormat) {
    return InvalidInput(name + ": not a sweep result (expected \"format\": \"" +
                        std::string(kFormat) + "\")");
  }
  try {
    SweepRun run;
    run.scenario = j.at("scenario").get<std::string>();
    run.scenario_hash = j.at("scenario_hash").get<std::string>();
    run.path = j.value("path", "");
    run.source = j.at("source");
    const nlohmann::json& sw = j.at("sweep");
    for (const nlohmann::json& a : sw.at("grid")) {
      run.spec.grid.push_back(
          Axis{a.at("path").get<std::string>(), a.at("values").get<std::vector<nlohmann::json>>()});
    }
    for (const nlohmann::json& r : sw.value("ranges", nlohmann::json::array())) {
      run.spec.ranges.push_back(Range{r.at("path").get<std::string>(), r.at("lo").get<double>(),
                                      r.at("hi").get<double>(), r.at("integer").get<bool>()});
    }
    run.spec.samples = sw.value("samples", std::uint64_t{0});
    run.spec.sampler = sw.value("sampler", std::string("lhs")) == "uniform"
                           ? Sampler::kUniform
                           : Sampler::kLatinHypercube;
    run.spec.sample_seed = sw.value("sample_seed", std::uint64_t{1});
    run.spec.every_seed = sw.value("every_seed", false);
    run.spec.seeds = sw.at("seeds").get<std::uint64_t>();
    run.spec.first_seed = sw.at("first_seed").get<std::uint64_t>();
    for (const nlohmann::json& o : sw.at("objectives")) {
      auto parsed = ParseObjective(o.get<std::string>());
      if (!parsed.ok()) return InvalidInput(name + ": " + parsed.error().message);
      run.spec.objectives.push_back(*parsed);
    }
    for (const nlohmann::json& c : sw.at("constraints")) {
      auto parsed = ParseConstraint(c.get<std::string>());
      if (!parsed.ok()) return InvalidInput(name + ": " + parsed.error().message);
      run.spec.constraints.push_back(*parsed);
    }
    auto shard = ParseShard(j.at("shard").get<std::string>());
    if (!shard.ok()) return InvalidInput(name + ": /shard: " + shard.error().message);
    run.shard = *shard;
    for (const nlohmann::json& r : j.at("runs")) {
      SweepRecord rec;
      rec.index = r.at("index").get<std::size_t>();
      rec.config = r.at("config").get<std::size_t>();
      rec.seed = r.at("seed").get<std::uint64_t>();
      rec.held = r.at("held").get<bool>();
      rec.digest = r.value("digest", "");
      rec.error = r.value("error", "");
      for (const nlohmann::json& v : r.at("values")) rec.values.push_back(NumberFromJson(v));
      run.runs.push_back(std::move(rec));
    }
    run.planned = j.value("planned", run.runs.size());
    return run;
  } catch (const nlohmann::json::exception& e) {
    return InvalidInput(name + ": malformed sweep result: " + e.what());
  }
}

Result<SweepRun> MergeSweep(std::vector<SweepRun> shards) {
  if (shards.empty()) return InvalidInput("merge: no sweep results given");
  std::sort(shards.begin(), shards.end(),
            [](const SweepRun& a, const SweepRun& b) { return a.shard.index < b.shard.index; });
  const std::uint32_t n = shards.front().shard.count;
  if (shards.size() != n) {
    return InvalidInput("merge: " + std::to_string(shards.size()) + " sweep shard(s) given, " +
                        "but they are slices of " + std::to_string(n));
  }
  SweepRun merged = shards.front();
  merged.runs.clear();
  merged.shard = Shard{};
  merged.planned = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const SweepRun& s = shards[i];
    if (s.shard.index != i || s.shard.count != n) {
      return InvalidInput("merge: shard " + std::to_string(i) + "/" + std::to_string(n) +
                          " is missing (or given twice)");
    }
    if (s.partial()) {
      return InvalidInput("merge: shard " + s.shard.Text() + " is partial (interrupted after " +
                          std::to_string(s.runs.size()) + " of " + std::to_string(s.planned) +
                          " runs): run it again");
    }
    merged.planned += s.planned;
    if (s.scenario_hash != merged.scenario_hash || SpecToJson(s.spec) != SpecToJson(merged.spec)) {
      return InvalidInput("merge: shard " + s.shard.Text() +
                          " swept another scenario or grid than shard 0/" + std::to_string(n));
    }
    merged.runs.insert(merged.runs.end(), s.runs.begin(), s.runs.end());
  }
  std::sort(merged.runs.begin(), merged.runs.end(),
            [](const SweepRecord& a, const SweepRecord& b) { return a.index < b.index; });
  return merged;
}

Result<std::string> WriteSweep(const SweepRun& run, const std::string& out_dir) {
  const SweepSummary s = SummarizeSweep(run);
  const std::filesystem::path out(out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (auto st = reports::WriteJsonFile((out / "sweep.json").string(), SweepToJson(run)); !st.ok()) {
    return st.error();
  }
  // Markdown and the terminal share the table.
  std::ostringstream md;
  const std::string partial = "PARTIAL: interrupted after " + std::to_string(run.runs.size()) +
                              " of " + std::to_string(run.planned) +
                              " run(s); configurations not run on all their seeds are not "
                              "recommended";
  md << "# sweep " << run.scenario << "\n\n";
  if (run.partial()) md << "**" << partial << ".**\n\n";
  md << s.configs.size() << " configuration(s) x " << run.spec.seeds
     << " seed(s) = " << run.runs.size() << " run(s). Objectives:";
  for (const Objective& o : run.spec.objectives) md << " " << o.Text();
  md << ".";
  if (!run.spec.constraints.empty()) {
    md << " Constraints" << (run.spec.every_seed ? " (on every seed)" : " (on the mean)") << ":";
    for (const Constraint& c : run.spec.constraints) md << " " << c.Text();
    md << ".";
  }
  md << " Values are mean ± standard deviation over the seeds; `*` marks the Pareto frontier "
        "(among configurations that kept every invariant), `>` the recommendation.\n\n";
  md << "| | configuration | runs | invariants broken |";
  for (const std::string& m : s.metrics) md << " " << m << " |";
  md << " constraints |\n|---|---|---|---|";
  for (std::size_t m = 0; m < s.metrics.size(); ++m) md << "---|";
  md << "---|\n";
  for (const ConfigSummary& c : s.configs) {
    const bool rec = s.recommended && *s.recommended == c.config;
    md << "| " << (rec ? ">" : "") << (c.on_frontier ? "*" : "") << " | " << c.label << " | "
       << c.runs << " | " << c.violated
       << (c.errors ? " (+" + std::to_string(c.errors) + " errors)" : "") << " |";
    for (const MetricStats& m : c.metrics) md << " " << MeanSd(m) << " |";
    std::string unmet;
    for (const std::string& u : c.unmet) unmet += (unmet.empty() ? "unmet: " : ", ") + u;
    md << " " << (unmet.empty() ? "met" : unmet) << " |\n";
  }
  for (const std::vector<std::size_t>& group : s.identical) {
    md << "\nNo effect: these configurations ran identically (same trace digest on every seed):";
    for (std::size_t c : group) md << " `" << s.configs[c].label << "`;";
    md << "\n";
  }
  md << "\n**Recommended:** "
     << (s.recommended ? s.configs[*s.recommended].label : std::string("none")) << " — " << s.why
     << ".\n";
  if (auto st = reports::WriteTextFile((out / "sweep.md").string(), md.str()); !st.ok()) {
    return st.error();
  }
  // CSV: one row per configuration, one column per axis, numbers that read back exactly.
  const auto configs = Configurations(run.spec);
  std::ostringstream csv;
  csv << "config";
  for (const Axis& a : run.spec.grid) csv << "," << CsvField(a.path);
  csv << ",label,runs,violated,errors,complete,frontier,feasible,recommended";
  for (const std::string& m : s.metrics) {
    for (const char* stat : {".mean", ".sd", ".min", ".max"}) csv << "," << CsvField(m + stat);
  }
  csv << "\n";
  for (const ConfigSummary& c : s.configs) {
    csv << c.config;
    for (const auto& [path, value] : configs[c.config]) {
      csv << ","
          << CsvField(value.is_number_float() ? FullPrecision(value.get<double>())
                                              : ValueText(value));
    }
    csv << "," << CsvField(c.label) << "," << c.runs << "," << c.violated << "," << c.errors << ","
        << c.complete << "," << c.on_frontier << "," << c.feasible << ","
        << (s.recommended && *s.recommended == c.config);
    for (const MetricStats& m : c.metrics) {
      for (double v : {m.mean, m.sd, m.min, m.max}) csv << "," << FullPrecision(v);
    }
    csv << "\n";
  }
  if (auto st = reports::WriteTextFile((out / "sweep.csv").string(), csv.str()); !st.ok()) {
    return st.error();
  }
  if (auto st = reports::WriteTextFile((out / "sweep.html").string(), SweepHtml(run, s));
      !st.ok()) {
    return st.error();
  }
  std::ostringstream text;
  text << "sweep " << run.scenario << ": " << s.configs.size() << " configuration(s) x "
       << run.spec.seeds << " seed(s)";
  if (!run.shard.whole())
    text << " (shard " << run.shard.Text() << ": " << run.runs.size() << " run(s))";
  text << "\n";
  if (run.partial()) text << partial << "\n";
  for (const ConfigSummary& c : s.configs) {
    const bool rec = s.recommended && *s.recommended == c.config;
    text << (rec ? "> " : "  ") << (c.on_frontier ? "* " : "  ") << c.label << ":";
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      text << " " << s.metrics[m] << " " << MeanSd(c.metrics[m]) << ";";
    }
    if (c.violated) text << " INVARIANTS BROKEN in " << c.violated << " run(s);";
    text << "\n";
  }
  if (!s.identical.empty()) {
    text << "note: " << s.identical.size() << " group(s) of configurations ran identically on "
         << "every seed (a setting that had no effect here; see sweep.md), e.g. "
         << s.configs[s.identical.front()[0]].label << " = "
         << s.configs[s.identical.front()[1]].label << "\n";
  }
  text << "recommended: " << (s.recommended ? s.configs[*s.recommended].label : "none") << " ("
       << s.why << ")\n"
       << "sweep.md, sweep.csv, sweep.html and sweep.json in " << out_dir << "/\n";
  return text.str();
}

}  // namespace notion_sim::explore
