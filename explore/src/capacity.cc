#include "notion_sim/explore/capacity.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "notion_sim/checks/gates.h"
#include "notion_sim/policies/stack_config.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/reports/text.h"

namespace notion_sim::explore {
namespace {

constexpr const char* kFormat = "notion-sim.capacity/1";

std::string ValueText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// "2 tokens at 2.95 req/s each, 8 workers": what the candidate's scenario gives its first
// workflow (or the one the targets name).
std::string ContextOf(const nlohmann::json& doc, const std::string& name,
                      const std::string& workflow) {
  auto spec = scenarios::ParseScenario(doc.dump(), name);
  if (!spec.ok() || spec->workflows.empty()) return "";
  const scenarios::WorkflowSpec* wf = &spec->workflows.front();
  for (const scenarios::WorkflowSpec& w : spec->workflows) {
    if (w.name == workflow) wf = &w;
  }
  std::vector<std::uint16_t> tokens = wf->tenants;
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  std::string out = std::to_string(tokens.size()) + (tokens.size() == 1 ? " token" : " tokens");
  if (doc.contains("stack")) {
    auto stack = policies::ParseStackConfigText(doc.at("stack").dump(), name);
    if (stack.ok()) {
      const policies::RateLimiterConfig& l = stack->limiter;
      const bool each = l.scope == policies::LimiterScope::kPerTenant && tokens.size() > 1;
      if (l.kind == policies::LimiterKind::kTokenBucket && l.rate_per_s > 0) {
        out += " at " + Short(l.rate_per_s) + " req/s" + (each ? " each" : "");
      } else if (l.kind == policies::LimiterKind::kFixedWindow ||
                 l.kind == policies::LimiterKind::kSlidingWindow) {
        out += " at " + std::to_string(l.limit) + " req per " + reports::ClockText(l.window_us) +
               (each ? " each" : "");
      }
    }
  }
  out += wf->concurrency == 0 ? ", workers unbounded"
                              : ", " + std::to_string(wf->concurrency) +
                                    (wf->concurrency == 1 ? " worker" : " workers");
  return out;
}

std::string SecondsText(double s) {
  if (!std::isfinite(s)) return "never (items unfinished)";
  return reports::ClockText(static_cast<TimeUs>(std::llround(s * 1e6)));
}

}  // namespace

Result<std::pair<std::string, std::vector<nlohmann::json>>> ParseVary(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 >= text.size()) {
    return InvalidInput("--vary " + std::string(text) +
                        ": expected PATH=LO..HI, PATH=LO..HI:STEP or PATH=V1,V2,... (e.g. "
                        "workload.workflows.0.concurrency=1..16)");
  }
  const std::string path = Trim(text.substr(0, eq));
  const std::string rest = Trim(text.substr(eq + 1));
  std::vector<nlohmann::json> values;
  const std::size_t dots = rest.find("..");
  if (dots != std::string::npos) {
    const std::size_t colon = rest.find(':', dots);
    const nlohmann::json lo = ParseValue(Trim(rest.substr(0, dots)));
    const nlohmann::json hi = ParseValue(Trim(
        rest.substr(dots + 2, colon == std::string::npos ? std::string::npos : colon - dots - 2)));
    const nlohmann::json step =
        colon == std::string::npos ? nlohmann::json(1) : ParseValue(Trim(rest.substr(colon + 1)));
    if (!lo.is_number() || !hi.is_number() || !step.is_number() || step.get<double>() <= 0 ||
        lo.get<double>() > hi.get<double>()) {
      return InvalidInput("--vary " + std::string(text) +
                          ": LO..HI[:STEP] needs numbers with LO <= HI and STEP > 0");
    }
    const double l = lo.get<double>();
    const double h = hi.get<double>();
    const double st = step.get<double>();
    const double n = std::floor((h - l) / st + 1e-9) + 1;
    if (n > 10'000) return InvalidInput("--vary " + std::string(text) + ": over 10,000 values");
    const bool integer = lo.is_number_integer() && step.is_number_integer();
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(n); ++i) {
      if (integer) {
        values.emplace_back(lo.get<std::int64_t>() + i * step.get<std::int64_t>());
      } else {
        // Rounded to the step's own precision, so 0.1 steps read 0.3, not 0.30000000000000004.
        values.emplace_back(std::round((l + static_cast<double>(i) * st) * 1e9) / 1e9);
      }
    }
  } else {
    std::string_view list = rest;
    while (true) {
      const std::size_t comma = list.find(',');
      const std::string v = Trim(list.substr(0, comma));
      if (v.empty()) return InvalidInput("--vary " + std::string(text) + ": empty value");
      values.push_back(ParseValue(v));
      if (comma == std::string_view::npos) break;
      list = list.substr(comma + 1);
    }
    if (values.size() > 10'000) {
      return InvalidInput("--vary " + std::string(text) + ": over 10,000 values");
    }
  }
  return std::make_pair(path, values);
}

Result<CapacityResult> RunCapacity(const scenarios::ScenarioSpec& scenario,
                                   const CapacitySpec& spec, unsigned threads,
                                   const std::function<void(std::size_t, std::size_t)>& progress,
                                   const std::function<bool()>& stop) {
  if (spec.values.empty()) return InvalidInput("--vary: no values");
  if (spec.targets.empty()) {
    return InvalidInput(
        "--target: give at least one target (e.g. 'workflow.NAME.makespan_s<=7200')");
  }
  // The metrics each candidate reports: the targets', then per workflow what the answer says.
  std::string workflow;
  for (const Constraint& t : spec.targets) {
    if (auto wf = checks::WorkflowOfMetric(t.metric); wf && workflow.empty()) workflow = wf->first;
  }
  if (workflow.empty() && !scenario.workflows.empty()) workflow = scenario.workflows.front().name;
  SweepSpec base;
  base.seeds = spec.seeds;
  base.first_seed = spec.first_seed;
  base.constraints = spec.targets;
  base.every_seed = true;
  std::vector<std::string> names;
  for (const Constraint& t : spec.targets) names.push_back(t.metric);
  if (!workflow.empty()) {
    for (const char* m : {".items.started", ".makespan_s", ".latency_ms.p99", ".items_per_min"}) {
      names.push_back("workflow." + workflow + m);
    }
  } else {
    names.insert(names.end(), {"ops.started", "latency_ms.p99", "throughput_per_s"});
  }
  for (const std::string& n : names) {
    const checks::MetricInfo info = *checks::FindMetric(n);
    base.objectives.push_back(Objective{n, info.better != checks::Better::kLower});
  }
  // Every candidate is a valid scenario (the whole list is checked before any runs).
  for (const nlohmann::json& v : spec.values) {
    SweepSpec one = base;
    one.grid = {Axis{spec.path, {v}}};
    if (Status st = PrepareSweep(scenario, one); !st.ok()) return st.error();
  }

  CapacityResult out;
  out.scenario = scenario.name;
  out.path = scenario.path;
  out.spec = spec;
  const std::size_t n = spec.values.size();
  const std::size_t total_guess =
      spec.search ? (static_cast<std::size_t>(std::ceil(std::log2(static_cast<double>(n)))) + 1) *
                        spec.seeds
                  : n * spec.seeds;
  std::size_t seeds_done = 0;
  // Whether candidate i met the targets; false and out.partial once stopped (the candidate cut
  // short is left out of out.evaluated).
  auto evaluate = [&](std::size_t i) -> Result<bool> {
    if (stop && stop()) {
      out.partial = true;
      return false;
    }
    SweepSpec one = base;
    one.grid = {Axis{spec.path, {spec.values[i]}}};
    (void)PrepareSweep(scenario, one);
    auto run = RunSweep(
        scenario, one, Shard{}, threads,
        [&](std::size_t done, std::size_t) {
          if (progress) progress(seeds_done + done, std::max(total_guess, seeds_done + done));
        },
        stop);
    if (!run.ok()) return run.error();
    seeds_done += run->runs.size();
    out.runs += run->runs.size();
    if (run->partial()) {
      out.partial = true;
      return false;
    }
    const SweepSummary s = SummarizeSweep(*run);
    const ConfigSummary& c = s.configs.at(0);
    CandidateResult cr;
    cr.index = i;
    cr.value = spec.values[i];
    cr.met = c.feasible;
    cr.metrics = s.metrics;
    cr.stats = c.metrics;
    cr.violated = c.violated;
    cr.errors = c.errors;
    for (const Constraint& t : spec.targets) {
      const auto at = static_cast<std::size_t>(
          std::find(s.metrics.begin(), s.metrics.end(), t.metric) - s.metrics.begin());
      // The worst seed, for the sentence.
      const SweepRecord* worst = nullptr;
      for (const SweepRecord& r : run->runs) {
        const double v = at < r.values.size() ? r.values[at] : std::nan("");
        const bool ok = !std::isnan(v) && (t.at_least ? v >= t.bound : v <= t.bound);
        if (ok) continue;
        if (worst == nullptr || std::isnan(v) ||
            (t.at_least ? v < worst->values[at] : v > worst->values[at])) {
          worst = &r;
        }
      }
      if (worst != nullptr) {
        cr.unmet.push_back(t.Text() + " (" + Short(worst->values[at]) + " on seed " +
                           std::to_string(worst->seed) + ")");
      }
    }
    if (c.violated > 0) {
      cr.unmet.push_back("invariants broken in " + std::to_string(c.violated) + " run(s)");
    }
    if (c.errors > 0) cr.unmet.push_back(std::to_string(c.errors) + " run(s) could not run");
    nlohmann::json doc = scenario.source;
    (void)SetPath(doc, spec.path, spec.values[i]);
    cr.context = ContextOf(doc, scenario.path, workflow);
    out.evaluated.push_back(cr);
    return cr.met;
  };

  if (spec.search) {
    auto last = evaluate(n - 1);
    if (!last.ok()) return last.error();
    if (*last) {
      std::size_t lo = 0;
      std::size_t hi = n - 1;  // met
      while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        auto met = evaluate(mid);
        if (!met.ok()) return met.error();
        if (out.partial) break;
        if (*met) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      if (!out.partial) out.answer = lo;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      auto met = evaluate(i);
      if (!met.ok()) return met.error();
      if (out.partial) break;
      if (*met && !out.answer) out.answer = i;
      if (!*met && out.answer) out.monotone = false;
    }
  }

  // The answer in words.
  auto find = [&](std::size_t i) -> const CandidateResult* {
    for (const CandidateResult& c : out.evaluated) {
      if (c.index == i) return &c;
    }
    return nullptr;
  };
  auto stat = [](const CandidateResult& c, const std::string& name) -> const MetricStats* {
    for (std::size_t m = 0; m < c.metrics.size(); ++m) {
      if (c.metrics[m] == name) return &c.stats[m];
    }
    return nullptr;
  };
  std::string targets;
  for (const Constraint& t : spec.targets) targets += (targets.empty() ? "" : ", ") + t.Text();
  const std::string over = " on all " + std::to_string(spec.seeds) + " seeds";
  if (out.answer) {
    const CandidateResult& a = *find(*out.answer);
    std::string s = "with " + spec.path + " = " + ValueText(a.value) +
                    (a.context.empty() ? "" : " (" + a.context + ")") + ", ";
    if (!workflow.empty()) {
      const MetricStats* items = stat(a, "workflow." + workflow + ".items.started");
      const MetricStats* make = stat(a, "workflow." + workflow + ".makespan_s");
      const MetricStats* p99 = stat(a, "workflow." + workflow + ".latency_ms.p99");
      s += reports::CountText(static_cast<std::uint64_t>(std::llround(items->mean))) +
           " items of " + workflow + " finish in " + SecondsText(make->mean);
      if (make->n > 1 && std::isfinite(make->sd)) s += " ± " + SecondsText(make->sd);
      s += " (item p99 " + SecondsText(p99->mean / 1e3) + ")";
    } else {
      const MetricStats* p99 = stat(a, "latency_ms.p99");
      s += "p99 is " + SecondsText(p99->mean / 1e3);
    }
    s += "; " + targets + " and every invariant held" + over;
    if (*out.answer > 0) {
      if (const CandidateResult* below = find(*out.answer - 1)) {
        s += "; " + ValueText(below->value) +
             " misses: " + (below->unmet.empty() ? std::string("?") : below->unmet.front());
      }
    } else {
      s += " (the smallest value tried)";
    }
    out.sentence = s;
    if (out.partial) out.sentence += " (interrupted: the values above it were not all run)";
  } else if (out.partial) {
    // What the candidates that ran say: the answer lies above the largest that missed and at or
    // below the smallest that met.
    const CandidateResult* met = nullptr;
    const CandidateResult* missed = nullptr;
    for (const CandidateResult& c : out.evaluated) {
      if (c.met && (met == nullptr || c.index < met->index)) met = &c;
      if (!c.met && (missed == nullptr || c.index > missed->index)) missed = &c;
    }
    out.sentence = "interrupted before an answer, after " + std::to_string(out.runs) + " run(s)";
    if (met != nullptr) out.sentence += "; " + ValueText(met->value) + " met " + targets + over;
    if (missed != nullptr) {
      out.sentence += "; " + ValueText(missed->value) +
                      " misses: " + (missed->unmet.empty() ? "?" : missed->unmet.front());
    }
  } else {
    const CandidateResult* largest = find(n - 1);
    out.sentence = "no value of " + spec.path + " up to " + ValueText(spec.values.back()) +
                   " meets " + targets + over +
                   (largest != nullptr && !largest->unmet.empty()
                        ? ": " + ValueText(largest->value) + " misses " + largest->unmet.front()
                        : "");
  }
  if (!out.monotone) {
    out.sentence +=
        " (not monotone: a larger value missed after a smaller one met; the search's "
        "answer would not be trustworthy here)";
  }
  return out;
}

nlohmann::json CapacityToJson(const CapacityResult& r) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["scenario"] = r.scenario;
  j["path"] = r.path;
  std::vector<std::string> targets;
  for (const Constraint& t : r.spec.targets) targets.push_back(t.Text());
  j["spec"] = {
      {"vary", r.spec.path},   {"values", r.spec.values},         {"targets", targets},
      {"seeds", r.spec.seeds}, {"first_seed", r.spec.first_seed}, {"search", r.spec.search}};
  j["evaluated"] = nlohmann::json::array();
  for (const CandidateResult& c : r.evaluated) {
    nlohmann::json cj = {{"value", c.value},       {"met", c.met},       {"unmet", c.unmet},
                         {"violated", c.violated}, {"errors", c.errors}, {"context", c.context}};
    for (std::size_t m = 0; m < c.metrics.size(); ++m) {
      cj["metrics"][c.metrics[m]] = {{"mean", NumberToJson(c.stats[m].mean)},
                                     {"sd", NumberToJson(c.stats[m].sd)},
                                     {"min", NumberToJson(c.stats[m].min)},
                                     {"max", NumberToJson(c.stats[m].max)}};
    }
    j["evaluated"].push_back(cj);
  }
  j["answer"] = r.answer ? r.spec.values[*r.answer] : nlohmann::json(nullptr);
  j["monotone"] = r.monotone;
  j["sentence"] = r.sentence;
  j["runs"] = r.runs;
  j["partial"] = r.partial;
  return j;
}

Result<std::string> WriteCapacity(const CapacityResult& r, const std::string& out_dir) {
  const std::filesystem::path out(out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  const nlohmann::json j = CapacityToJson(r);
  if (auto st = reports::WriteJsonFile((out / "capacity.json").string(), j); !st.ok()) {
    return st.error();
  }
  std::vector<const CandidateResult*> sorted;
  for (const CandidateResult& c : r.evaluated) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(),
            [](const CandidateResult* a, const CandidateResult* b) { return a->index < b->index; });
  std::ostringstream md;
  md << "# capacity " << r.scenario << "\n\n";
  if (r.partial) {
    md << "**PARTIAL: interrupted after " << r.runs
       << " run(s)**; the candidate running then is left out.\n\n";
  }
  md << "**Answer:** " << r.sentence << ".\n\n"
     << (r.spec.search ? "Binary search (the targets taken as monotone in the setting): "
                       : "Every value run: ")
     << r.evaluated.size() << " of " << r.spec.values.size() << " value(s) of `" << r.spec.path
     << "` ran, " << r.runs << " run(s) in all. Values are mean ± standard deviation over the "
     << "seeds.\n\n| " << r.spec.path << " | met |";
  const std::vector<std::string> metrics =
      r.evaluated.empty() ? std::vector<std::string>{} : r.evaluated.front().metrics;
  for (const std::string& m : metrics) md << " " << m << " |";
  md << " missed |\n|---|---|";
  for (std::size_t m = 0; m < metrics.size(); ++m) md << "---|";
  md << "---|\n";
  for (const CandidateResult* c : sorted) {
    md << "| " << ValueText(c->value) << (r.answer && *r.answer == c->index ? " **>**" : "")
       << " | " << (c->met ? "yes" : "no") << " |";
    for (const MetricStats& st : c->stats) {
      md << " " << Short(st.mean) << (st.n > 1 && std::isfinite(st.sd) ? " ± " + Short(st.sd) : "")
         << " |";
    }
    std::string unmet;
    for (const std::string& u : c->unmet) unmet += (unmet.empty() ? "" : "; ") + u;
    md << " " << reports::MarkdownCell(unmet) << " |\n";
  }
  if (auto st = reports::WriteTextFile((out / "capacity.md").string(), md.str()); !st.ok()) {
    return st.error();
  }
  std::ostringstream text;
  text << "capacity " << r.scenario << ": " << r.spec.path << " over " << r.spec.values.size()
       << " value(s), " << r.spec.seeds << " seed(s) each, " << r.evaluated.size() << " ran\n";
  for (const CandidateResult* c : sorted) {
    text << "  " << r.spec.path << " = " << ValueText(c->value) << ": "
         << (c->met ? "meets the targets" : "misses");
    for (std::size_t i = 0; i < c->unmet.size() && i < 2; ++i)
      text << (i ? "; " : " ") << c->unmet[i];
    text << "\n";
  }
  if (r.partial) text << "PARTIAL: interrupted after " << r.runs << " run(s)\n";
  text << "answer: " << r.sentence << "\n"
       << "capacity.md and capacity.json in " << out_dir << "/\n";
  return text.str();
}

}  // namespace notion_sim::explore
