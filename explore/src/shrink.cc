#include "notion_sim/explore/shrink.h"

#include <cmath>
#include <sstream>

#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::explore {
namespace {

using nlohmann::json;

std::string Describe(const json& element) {
  if (!element.is_object()) return "";
  for (const char* key : {"name", "operation", "action"}) {
    if (element.contains(key) && element[key].is_string()) {
      return " (" + element[key].get<std::string>() + ")";
    }
  }
  return "";
}

// Removes each element of the array at `pointer` in turn (the last first: later entries are often
// the extras).
std::function<std::vector<Candidate>(const json&)> RemoveEach(const std::string& pointer,
                                                              const std::string& what) {
  return [pointer = json::json_pointer(pointer), what](const json& doc) {
    std::vector<Candidate> out;
    if (!doc.contains(pointer) || !doc[pointer].is_array()) return out;
    const json& list = doc[pointer];
    for (std::size_t k = list.size(); k-- > 0;) {
      Candidate c{doc, "removed " + what + " " + std::to_string(k + 1) + Describe(list[k])};
      c.doc[pointer].erase(k);
      if (c.doc[pointer].empty()) c.doc[pointer.parent_pointer()].erase(pointer.back());
      out.push_back(std::move(c));
    }
    return out;
  };
}

std::function<std::vector<Candidate>(const json&)> DropKey(const std::string& pointer,
                                                           const std::string& what) {
  return [pointer = json::json_pointer(pointer), what](const json& doc) {
    std::vector<Candidate> out;
    if (!doc.contains(pointer)) return out;
    Candidate c{doc, "dropped " + what};
    c.doc[pointer.parent_pointer()].erase(pointer.back());
    out.push_back(std::move(c));
    return out;
  };
}

// Halves the number at doc[pointer] (integers stay integers and stop at `floor`).
void Halve(const json& doc, const json::json_pointer& at, double floor, const std::string& what,
           std::vector<Candidate>& out) {
  if (!doc.contains(at) || !doc[at].is_number()) return;
  const json& v = doc[at];
  Candidate c{doc, ""};
  std::ostringstream note;
  if (v.is_number_integer()) {
    const std::int64_t old = v.get<std::int64_t>();
    const std::int64_t half = old / 2;
    if (half < static_cast<std::int64_t>(floor) || half == old) return;
    c.doc[at] = half;
    note << what << " " << old << " -> " << half;
  } else {
    const double old = v.get<double>();
    const double half = old / 2;
    if (half < floor) return;
    c.doc[at] = half;
    note << what << " " << old << " -> " << half;
  }
  c.note = note.str();
  out.push_back(std::move(c));
}

// Halves `field` of every element of the array at `list`.
std::function<std::vector<Candidate>(const json&)> HalveEach(const std::string& list,
                                                             const std::string& field, double floor,
                                                             const std::string& what) {
  return [list = json::json_pointer(list), field, floor, what](const json& doc) {
    std::vector<Candidate> out;
    if (!doc.contains(list) || !doc[list].is_array()) return out;
    for (std::size_t k = 0; k < doc[list].size(); ++k) {
      Halve(doc, list / k / field, floor, what + " " + std::to_string(k + 1) + " " + field, out);
    }
    return out;
  };
}

std::function<std::vector<Candidate>(const json&)> HalveAt(const std::string& pointer,
                                                           double floor) {
  return [at = json::json_pointer(pointer), floor, pointer](const json& doc) {
    std::vector<Candidate> out;
    Halve(doc, at, floor, pointer.substr(1), out);
    return out;
  };
}

// A fault active in a shorter window: until_s moves halfway towards from_s.
std::vector<Candidate> ShorterWindows(const json& doc) {
  std::vector<Candidate> out;
  if (!doc.contains("faults") || !doc["faults"].is_array()) return out;
  for (std::size_t k = 0; k < doc["faults"].size(); ++k) {
    const json& m = doc["faults"][k].value("match", json::object());
    if (!m.contains("until_s") || !m["until_s"].is_number()) continue;
    const double from = m.value("from_s", 0.0);
    const double until = m["until_s"].get<double>();
    const double shorter = std::floor(from + (until - from) / 2);
    if (shorter <= from || shorter >= until) continue;
    Candidate c{doc, "fault rule " + std::to_string(k + 1) + " window [" +
                         std::to_string(static_cast<long long>(from)) + ", " +
                         std::to_string(static_cast<long long>(until)) + ") s -> until " +
                         std::to_string(static_cast<long long>(shorter)) + " s"};
    c.doc["faults"][k]["match"]["until_s"] = shorter;
    out.push_back(std::move(c));
  }
  return out;
}

// A fault's trigger made simpler: {"first": 1} (fires once), or a probability halved.
std::vector<Candidate> SimplerTriggers(const json& doc) {
  std::vector<Candidate> out;
  if (!doc.contains("faults") || !doc["faults"].is_array()) return out;
  for (std::size_t k = 0; k < doc["faults"].size(); ++k) {
    const json& rule = doc["faults"][k];
    const json trigger = rule.value("trigger", json::object());
    const json first = {{"first", 1}};
    if (trigger != first) {
      Candidate c{doc, "fault rule " + std::to_string(k + 1) + " trigger " + trigger.dump() +
                           " -> {\"first\":1}"};
      c.doc["faults"][k]["trigger"] = first;
      out.push_back(std::move(c));
    }
    if (trigger.contains("first") && trigger["first"].is_number_integer()) {
      Halve(doc, json::json_pointer("/faults/" + std::to_string(k) + "/trigger/first"), 1,
            "fault rule " + std::to_string(k + 1) + " first", out);
    }
    if (trigger.contains("probability")) {
      Halve(doc, json::json_pointer("/faults/" + std::to_string(k) + "/trigger/probability"), 0.001,
            "fault rule " + std::to_string(k + 1) + " probability", out);
    }
  }
  return out;
}

// Each data source's seeded pages halved.
std::vector<Candidate> FewerPages(const json& doc) {
  std::vector<Candidate> out;
  const json::json_pointer dbs("/workspace/databases");
  if (!doc.contains(dbs) || !doc[dbs].is_array()) return out;
  for (std::size_t d = 0; d < doc[dbs].size(); ++d) {
    const json& db = doc[dbs][d];
    if (!db.contains("data_sources") || !db["data_sources"].is_array()) continue;
    for (std::size_t s = 0; s < db["data_sources"].size(); ++s) {
      Halve(
          doc, dbs / d / "data_sources" / s / "pages", 1,
          "database " + std::to_string(d + 1) + " data source " + std::to_string(s + 1) + " pages",
          out);
    }
  }
  return out;
}

struct Judged {
  bool loads = false;
  std::vector<Failure> failures;
};

Judged Judge(const json& doc, const std::string& name, bool gates) {
  Judged j;
  auto spec = scenarios::ParseScenario(doc.dump(), name);
  if (!spec.ok()) return j;
  j.loads = true;
  auto result = scenarios::RunScenario(*spec);
  if (!result.ok()) return j;
  j.failures = CheckRun(*spec, *result, CheckOptions{gates, true});
  return j;
}

const Failure* Same(const std::vector<Failure>& failures, const Failure& target) {
  for (const Failure& f : failures) {
    if (f.kind == target.kind && f.check == target.check) return &f;
  }
  return nullptr;
}

std::size_t ArraySize(const json& doc, const char* pointer) {
  const json::json_pointer p(pointer);
  return doc.contains(p) && doc[p].is_array() ? doc[p].size() : 0;
}

}  // namespace

const std::vector<ShrinkStep>& ShrinkSteps() {
  // Removals first (the biggest steps), then shorter runs (each later run is cheaper), then the
  // finer simplifications. A section added to the scenario language adds its line here. The
  // workload's workflows today are its enrich streams (a read upstream, then a write to Notion).
  static const std::vector<ShrinkStep> kSteps = {
      {"fault rules", RemoveEach("/faults", "fault rule")},
      {"streams", RemoveEach("/workload/streams", "stream")},
      {"batches", RemoveEach("/workload/batches", "batch")},
      {"enrich", RemoveEach("/workload/enrich", "enrich stream")},
      {"tenants", RemoveEach("/tenants", "tenant")},
      {"sometimes", DropKey("/sometimes", "the sometimes goals")},
      {"network", DropKey("/network", "the network model (defaults)")},
      {"safety phase", HalveAt("/phases/safety_s", 1)},
      {"liveness phase", HalveAt("/phases/liveness_s", 1)},
      {"duration", HalveAt("/duration_s", 1)},
      {"windows", ShorterWindows},
      {"triggers", SimplerTriggers},
      {"rates", HalveEach("/workload/streams", "rate_per_s", 0.001, "stream")},
      {"stream caps", HalveEach("/workload/streams", "max_ops", 1, "stream")},
      {"records", HalveEach("/workload/batches", "records", 1, "batch")},
      {"enrich rates", HalveEach("/workload/enrich", "rate_per_s", 0.001, "enrich stream")},
      {"pages", FewerPages},
  };
  return kSteps;
}

std::string ScenarioSize::Text() const {
  std::ostringstream s;
  s << fault_rules << " fault rule(s), " << streams << " stream(s), " << batches << " batch(es), "
    << enrich << " enrich stream(s), " << tenants << " tenant(s), " << duration_s << " s";
  return s.str();
}

ScenarioSize SizeOf(const json& doc) {
  ScenarioSize s;
  s.fault_rules = ArraySize(doc, "/faults");
  s.streams = ArraySize(doc, "/workload/streams");
  s.batches = ArraySize(doc, "/workload/batches");
  s.enrich = ArraySize(doc, "/workload/enrich");
  s.tenants = std::max<std::size_t>(1, ArraySize(doc, "/tenants"));
  const json phases = doc.value("phases", json::object());
  if (phases.contains("safety_s") || phases.contains("liveness_s")) {
    s.duration_s = phases.value("safety_s", 0.0) + phases.value("liveness_s", 0.0);
  } else {
    s.duration_s = doc.value("duration_s", 600.0);
  }
  return s;
}

Result<ShrinkResult> Shrink(const json& doc, const std::string& name,
                            const ShrinkOptions& options) {
  ShrinkResult r;
  r.before = SizeOf(doc);
  const Judged first = Judge(doc, name, options.gates);
  r.runs = 1;
  if (!first.loads) return InvalidInput(name + ": the scenario does not load");
  if (first.failures.empty())
    return InvalidInput(name + ": the scenario does not fail: nothing to shrink");
  Failure target = first.failures.front();
  if (!options.check.empty()) {
    const Failure* f = nullptr;
    for (const Failure& x : first.failures) {
      if (x.check == options.check) f = &x;
    }
    if (f == nullptr) {
      std::string seen;
      for (const Failure& x : first.failures) seen += (seen.empty() ? "" : ", ") + x.check;
      return InvalidInput(name + ": the scenario does not fail " + options.check +
                          " (it fails: " + seen + ")");
    }
    target = *f;
  }
  r.failure = target;
  json current = doc;
  bool kept_in_pass = true;
  while (kept_in_pass && !r.bounded) {
    kept_in_pass = false;
    for (const ShrinkStep& step : ShrinkSteps()) {
      bool kept = true;
      while (kept && !r.bounded) {
        kept = false;
        for (Candidate& c : step.candidates(current)) {
          if (r.runs >= options.max_runs || (options.stop && options.stop())) {
            r.bounded = true;
            break;
          }
          const Judged j = Judge(c.doc, name, options.gates);
          ++r.runs;
          const Failure* same = Same(j.failures, target);
          if (same != nullptr) {
            current = std::move(c.doc);
            r.failure = *same;
            r.notes.push_back(c.note);
            kept = kept_in_pass = true;
          }
          if (options.progress) {
            options.progress({r.runs, options.max_runs, r.notes.size(),
                              same != nullptr ? r.notes.back() : std::string()});
          }
          if (kept) break;  // candidates of the new document next
        }
      }
    }
  }
  r.after = SizeOf(current);
  std::string purpose = "Shrunk by notion-sim shrink from " + name + " (" + r.before.Text() +
                        "): still fails " + target.check + " on seed " +
                        std::to_string(current.value("seed", std::uint64_t{1})) + ". " +
                        std::to_string(r.notes.size()) + " step(s): ";
  for (std::size_t i = 0; i < r.notes.size(); ++i) {
    if (purpose.size() > 2000) {
      purpose += "... (" + std::to_string(r.notes.size() - i) + " more)";
      break;
    }
    purpose += (i == 0 ? "" : "; ") + r.notes[i];
  }
  current["purpose"] = purpose;
  current["name"] = name + "_shrunk";
  r.minimal = std::move(current);
  return r;
}

}  // namespace notion_sim::explore
