#include "notion_sim/scenarios/scenario.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "notion_sim/checks/gates.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/policies/stack_config.h"
#include "notion_sim/scenarios/recording.h"
#include "notion_sim/simulator/webhooks.h"
#include "sections.h"

namespace notion_sim::scenarios {
namespace {

using engine::JsonDocument;
using engine::JsonReader;
using engine::ObjectReader;

std::vector<std::string> OperationNames() {
  std::vector<std::string> names;
  for (int i = 0; i < engine::kOperationCount; ++i) {
    names.emplace_back(engine::OperationName(static_cast<engine::Operation>(i)));
  }
  return names;
}

engine::Lane ParseLane(ObjectReader& r, engine::Lane fallback) {
  const std::string lane =
      r.Enum("lane", {"critical", "normal", "bulk"}, std::string(engine::LaneName(fallback)));
  return lane == "critical" ? engine::Lane::kCritical
         : lane == "bulk"   ? engine::Lane::kBulk
                            : engine::Lane::kNormal;
}

class SpecReader {
 public:
  SpecReader(const JsonDocument& doc, ScenarioSpec& spec) : doc_(doc), reader_(doc), spec_(spec) {}

  Result<ScenarioSpec> Read() {
    const JsonDocument& doc = doc_;
    ObjectReader root = reader_.Root();
    spec_.path = doc.name();
    spec_.source = doc.root();
    spec_.hash = engine::HexDigest(engine::HashString(doc.root().dump()));
    if (root.Has("client")) {
      root.Fail("client", "this is a client scenario: run it with notion-sim test " + doc.name() +
                              " -- CMD [ARGS...]");
      return reader_.error();
    }
    spec_.name = ReadScenarioName(root);
    spec_.purpose = root.String("purpose", "");
    // Editors read "$schema" (schemas/scenario.schema.json) for completion and typo checks.
    (void)root.String("$schema", "");
    spec_.seed = static_cast<std::uint64_t>(root.Int("seed", 1, 0));
    spec_.drain_limit_us = Sec(root.Int("drain_limit_s", 600, 0, 7LL * 24 * 3600));
    ReadTenants(root);
    ReadPhasesAndDuration(root);
    ReadSection(root, "stack", ValidateStack);
    ReadSection(root, "upstream_stack", ValidateStack);
    ReadSection(root, "network", ValidateNetwork);
    ReadSection(root, "invariants", ValidateInvariants);
    // These parsers read their own keys of the root: "workspace", "faults", "upstream"; "gates".
    if (reader_.ok()) (void)ValidateFake(root, spec_);
    if (reader_.ok()) (void)ValidateGates(root, spec_);
    ReadWorkload(root);
    CheckWorkflowGates();
    ReadReplay(root);
    if (root.Has("sometimes")) {
      for (const std::string& goal : root.Strings("sometimes")) {
        const auto& known = SometimesGoalNames();
        if (std::find(known.begin(), known.end(), goal) == known.end()) {
          std::string list;
          for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
          root.Fail("sometimes", "unknown goal \"" + goal + "\" (expected one of " + list + ")");
        }
        spec_.sometimes.push_back(goal);
      }
    }
    root.Finish();
    if (!reader_.ok()) return reader_.error();
    return spec_;
  }

 private:
  void ReadReplay(ObjectReader& root) {
    std::optional<ObjectReader> replay = root.OptionalObject("replay");
    if (!replay || !reader_.ok()) return;
    const nlohmann::json* lines = replay->Raw("recording");
    if (lines == nullptr) {
      if (reader_.ok()) replay->Fail("", "missing required field \"recording\"");
      return;
    }
    auto recording = RecordingFromJson(*lines);
    if (!recording.ok()) {
      replay->Fail("recording", recording.error().message);
      return;
    }
    spec_.replay = std::make_shared<const Recording>(std::move(recording).value());
    replay->Finish();
  }

  void ReadTenants(ObjectReader& root) { spec_.tenants = scenarios::ReadTenants(root); }

  std::uint16_t TenantIndex(ObjectReader& r) {
    const std::string name = r.String("tenant", spec_.tenants.front().name);
    for (std::size_t i = 0; i < spec_.tenants.size(); ++i) {
      if (spec_.tenants[i].name == name) return static_cast<std::uint16_t>(i);
    }
    std::string known;
    for (const TenantSpec& t : spec_.tenants)
      known += (known.empty() ? "\"" : ", \"") + t.name + "\"";
    r.Fail("tenant", "unknown tenant \"" + name + "\" (the scenario's tenants are " + known + ")");
    return 0;
  }

  void ReadPhasesAndDuration(ObjectReader& root) {
    const bool has_duration = root.Has("duration_s");
    const std::int64_t duration_s = root.Int("duration_s", 600, 1, 30LL * 24 * 3600);
    spec_.duration_us = Sec(duration_s);
    if (auto p = root.OptionalObject("phases")) {
      spec_.phases.safety_us = Sec(p->Int("safety_s", 0, 1, 30LL * 24 * 3600));
      spec_.phases.liveness_us = Sec(p->Int("liveness_s", 0, 0, 30LL * 24 * 3600));
      spec_.phases.recover_within_us = Sec(p->Int("recover_within_s", 0, 0, 30LL * 24 * 3600));
      if (reader_.ok() && !p->Has("safety_s")) p->Fail("", "missing required field \"safety_s\"");
      p->Finish();
      const TimeUs total = spec_.phases.safety_us + spec_.phases.liveness_us;
      if (reader_.ok() && has_duration && total != spec_.duration_us) {
        root.Fail("duration_s", "duration_s (" + std::to_string(duration_s) +
                                    ") differs from phases.safety_s + phases.liveness_s (" +
                                    std::to_string(total / kUsPerSec) +
                                    "); give one or make them agree");
      }
      spec_.duration_us = total;
    }
  }

  using Validator = Status (*)(ObjectReader&, const ScenarioSpec&);

  // Errors reach the shared reader through the section's ObjectReader, with file positions.
  void ReadSection(ObjectReader& root, const std::string& key, Validator validate) {
    if (!reader_.ok()) return;
    std::optional<ObjectReader> section = root.OptionalObject(key);
    if (!section || !reader_.ok()) return;
    Status st = validate(*section, spec_);
    if (!st.ok()) section->Fail("", st.error().message);
  }

  OpStream ReadArrivals(ObjectReader& s, bool with_operation) {
    OpStream stream;
    if (with_operation) {
      const std::string op_name = s.Enum("operation", OperationNames());
      stream.operation = engine::ParseOperation(op_name).value_or(engine::Operation::kCreatePage);
    }
    const std::string arrival =
        s.Enum("arrival", {"constant", "poisson", "bursts", "daily"}, "constant");
    stream.arrival = arrival == "poisson"  ? Arrival::kPoisson
                     : arrival == "bursts" ? Arrival::kBursts
                     : arrival == "daily"  ? Arrival::kDaily
                                           : Arrival::kConstant;
    const double min_rate = stream.arrival == Arrival::kBursts ? 0.0 : 1e-6;
    stream.rate_per_s = s.Number("rate_per_s", 1.0, min_rate, 1e6);
    stream.from_us = Sec(s.Int("from_s", 0, 0, 30LL * 24 * 3600));
    stream.until_us = s.Has("until_s") ? Sec(s.Int("until_s", 0, 0, 30LL * 24 * 3600)) : kTimeNever;
    stream.max_ops = static_cast<std::uint64_t>(s.Int("max_ops", INT64_MAX, 1));
    if (stream.arrival == Arrival::kBursts) {
      stream.burst_every_us = Ms(s.Int("burst_every_ms", 60'000, 1, 86'400'000));
      stream.burst_size = static_cast<std::uint32_t>(s.Int("burst_size", 10, 1, 1'000'000));
    }
    if (stream.arrival == Arrival::kDaily) {
      stream.peak_per_s = s.Number("peak_per_s", stream.rate_per_s * 4, stream.rate_per_s, 1e6);
      stream.period_us = Sec(s.Int("period_s", 86'400, 60, 30LL * 86'400));
    }
    stream.tenant = TenantIndex(s);
    stream.lane = ParseLane(s, engine::Lane::kNormal);
    if (with_operation) {
      if (stream.operation == engine::Operation::kAppendBlocks) {
        stream.children = static_cast<std::uint32_t>(s.Int("children", 3, 0, 10'000));
      }
      if (stream.operation == engine::Operation::kQueryDataSource ||
          stream.operation == engine::Operation::kSearch ||
          stream.operation == engine::Operation::kListBlockChildren ||
          stream.operation == engine::Operation::kListUsers) {
        stream.page_size = static_cast<std::uint32_t>(s.Int("page_size", 100, 1, 1000));
      }
    }
    return stream;
  }

  void ReadWorkload(ObjectReader& root) {
    ObjectReader workload = root.Object("workload");
    for (ObjectReader& s : workload.Objects("streams")) {
      spec_.streams.push_back(ReadArrivals(s, /*with_operation=*/true));
      s.Finish();
    }
    for (ObjectReader& b : workload.Objects("batches")) {
      BatchSpec batch;
      batch.name = b.String("name");
      for (const BatchSpec& other : spec_.batches) {
        // Batches are told apart by name (checkpoints, reports): two with one name would mix.
        if (other.name == batch.name) b.Fail("name", "duplicate batch \"" + batch.name + "\"");
      }
      const std::string op = b.Enum("operation", {"create_page", "update_page"}, "update_page");
      batch.operation = *engine::ParseOperation(op);
      batch.records = static_cast<std::uint32_t>(b.Int("records", 100, 1, 10'000'000));
      batch.start_us = Sec(b.Int("start_s", 0, 0, 30LL * 24 * 3600));
      batch.pace_us = Ms(b.Int("pace_ms", 0, 0, 3'600'000));
      batch.approach = b.Enum("checkpoint", {"A", "B"}, "A") == "B" ? CheckpointApproach::kB
                                                                    : CheckpointApproach::kA;
      batch.tenant = TenantIndex(b);
      batch.lane = ParseLane(b, engine::Lane::kBulk);
      b.Finish();
      spec_.batches.push_back(batch);
    }
    for (ObjectReader& e : workload.Objects("enrich")) {
      const std::string degrade = e.Enum("degrade", {"dead_letter", "placeholder"}, "dead_letter");
      const OpStream arrivals = ReadArrivals(e, /*with_operation=*/false);
      e.Finish();
      const std::size_t n = spec_.workflows.size();
      spec_.workflows.push_back(
          EnrichWorkflow(n == 0 ? "enrich" : "enrich_" + std::to_string(n + 1), arrivals,
                         degrade == "placeholder"));
    }
    for (ObjectReader& w : workload.Objects("workflows")) ReadWorkflow(w);
    if (reader_.ok() && spec_.streams.empty() && spec_.batches.empty() && spec_.workflows.empty()) {
      workload.Fail("",
                    "expected at least one of \"streams\", \"batches\", \"workflows\" or "
                    "\"enrich\"");
    }
    workload.Finish();
  }

  // Gates on workflow metrics must name this scenario's workflows and steps.
  void CheckWorkflowGates() {
    if (!reader_.ok() || !spec_.source.contains("gates") || !spec_.source["gates"].is_array()) {
      return;
    }
    const nlohmann::json& gates = spec_.source.at("gates");
    for (std::size_t i = 0; i < gates.size(); ++i) {
      if (!gates[i].is_object() || !gates[i].contains("metric") ||
          !gates[i]["metric"].is_string()) {
        continue;
      }
      const std::string metric = gates[i]["metric"].get<std::string>();
      const auto named = checks::WorkflowOfMetric(metric);
      if (!named) continue;
      const std::string problem = WorkflowNameProblem(spec_, named->first, named->second);
      if (!problem.empty()) {
        reader_.Fail("/gates/" + std::to_string(i) + "/metric",
                     "metric \"" + metric + "\": " + problem);
        return;
      }
    }
  }

  static bool ValidStepName(const std::string& name) {
    return !name.empty() && name.size() <= 64 && name != "end" &&
           std::all_of(name.begin(), name.end(), [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
           });
  }

  static bool IsList(engine::Operation op) {
    using engine::Operation;
    return op == Operation::kQueryDataSource || op == Operation::kQueryDatabase ||
           op == Operation::kSearch || op == Operation::kListBlockChildren ||
           op == Operation::kListUsers;
  }

  static bool HasTarget(engine::Operation op) {
    using engine::Operation;
    return !(op == Operation::kCreatePage || op == Operation::kSearch ||
             op == Operation::kUsersMe || op == Operation::kListUsers ||
             op == Operation::kCreateDatabase);
  }

  // Reads an "on_failure": a policy name or {"goto": "STEP"}. Goto names are resolved later.
  OnFailure ReadPolicy(ObjectReader& r, OnFailure fallback, std::string* goto_name) {
    const nlohmann::json* v = r.Raw("on_failure");
    if (v == nullptr) return fallback;
    static const std::vector<std::pair<std::string, OnFailure>> kNames = {
        {"skip", OnFailure::kSkip},
        {"dead_letter", OnFailure::kDeadLetter},
        {"retry_later", OnFailure::kRetryLater},
        {"abort", OnFailure::kAbort},
        {"continue", OnFailure::kContinue}};
    if (v->is_string()) {
      for (const auto& [name, policy] : kNames) {
        if (*v == name) return policy;
      }
    } else if (goto_name != nullptr && v->is_object() && v->size() == 1 && v->contains("goto") &&
               (*v)["goto"].is_string()) {
      *goto_name = (*v)["goto"].get<std::string>();
      return OnFailure::kGoto;
    }
    r.Fail("on_failure", std::string("expected \"skip\", \"dead_letter\", \"retry_later\", "
                                     "\"abort\", \"continue\"") +
                             (goto_name != nullptr ? " or {\"goto\": \"STEP\"}" : "") + ", found " +
                             v->dump());
    return fallback;
  }

  struct StepRefs {
    std::string then;
    std::string go;
  };

  StepSpec ReadStep(ObjectReader& s, WorkflowSpec& wf, bool is_list, StepRefs& refs) {
    StepSpec step;
    step.name = s.String("name", is_list ? "list" : "");
    if (!s.Has("name") && !is_list) s.Fail("", "missing required field \"name\"");
    if (reader_.ok() && !ValidStepName(step.name)) {
      s.Fail("name",
             "expected a step name of letters, digits, '_' or '-' (not \"end\"), found "
             "\"" +
                 step.name + "\"");
    }
    for (const StepSpec& other : wf.steps) {
      if (other.name == step.name) s.Fail("name", "duplicate step \"" + step.name + "\"");
    }
    const std::vector<std::string> list_ops = {"query_data_source", "search"};
    const std::string op_name = is_list ? s.Enum("operation", list_ops, "query_data_source")
                                        : s.Enum("operation", OperationNames());
    step.operation = engine::ParseOperation(op_name).value_or(engine::Operation::kRetrievePage);
    step.target = HasTarget(step.operation) ? StepTarget::kItem : StepTarget::kNone;
    if (step.operation == engine::Operation::kQueryDataSource ||
        step.operation == engine::Operation::kQueryDatabase ||
        step.operation == engine::Operation::kRetrieveDataSource ||
        step.operation == engine::Operation::kRetrieveDatabase) {
      step.target = StepTarget::kDataSource;
    }
    if (s.Has("target") && !is_list) {
      const std::string target = s.String("target");
      if (!HasTarget(step.operation)) {
        s.Fail("target", op_name + " takes no target");
      } else if (target == "item") {
        step.target = StepTarget::kItem;
      } else if (target == "data_source") {
        step.target = StepTarget::kDataSource;
      } else {
        bool found = false;
        for (std::size_t i = 0; i < wf.steps.size(); ++i) {
          if (wf.steps[i].name == target) {
            step.target = StepTarget::kStep;
            step.target_step = static_cast<std::uint16_t>(i);
            found = true;
          }
        }
        if (!found) {
          s.Fail("target",
                 "expected \"item\", \"data_source\" or the name of an earlier step, "
                 "found \"" +
                     target + "\"");
        }
      }
    }
    if (const nlohmann::json* body = s.Raw("body")) {
      if (!body->is_object()) {
        s.Fail("body", "expected an object (the request body)");
      } else {
        step.body = std::make_shared<const nlohmann::json>(*body);
      }
    }
    if (is_list) {
      step.paginate = true;
    } else {
      step.paginate = s.Bool("paginate", false);
      if (step.paginate && !IsList(step.operation)) {
        s.Fail("paginate", op_name + " is not a list endpoint");
      }
    }
    if (IsList(step.operation)) {
      step.page_size = static_cast<std::uint16_t>(s.Int("page_size", 100, 1, 100));
      step.max_pages = static_cast<std::uint32_t>(s.Int("max_pages", 1000, 1, 1'000'000));
    }
    step.lane = ParseLane(s, wf.lane);
    if (std::optional<ObjectReader> st = s.OptionalObject("stack")) {
      // The scenario's stack with this step's overrides merged in: the step's own client.
      nlohmann::json merged =
          spec_.source.contains("stack") ? spec_.source.at("stack") : nlohmann::json::object();
      merged.merge_patch(*s.Raw("stack"));
      const engine::FieldRecorder::Pause not_the_file;  // the merged copy's fields are /stack's
      auto parsed = policies::ParseStackConfigText(merged.dump(), "merged");
      if (!parsed.ok()) {
        // The merged document has no file positions of its own: keep its JSON pointer.
        const std::string& m = parsed.error().message;
        const std::size_t at = m.find(": at ");
        s.Fail("stack", "the scenario's stack with these overrides is not valid: " +
                            (at == std::string::npos ? m : m.substr(at + 2)));
      }
      spec_.step_stacks.push_back(std::move(merged));
      step.stack = static_cast<std::uint16_t>(spec_.step_stacks.size());
      (void)st;
    }
    step.on_failure =
        ReadPolicy(s, is_list ? OnFailure::kAbort : OnFailure::kSkip, is_list ? nullptr : &refs.go);
    if (is_list && reader_.ok() &&
        (step.on_failure == OnFailure::kDeadLetter || step.on_failure == OnFailure::kRetryLater ||
         step.on_failure == OnFailure::kContinue)) {
      s.Fail("on_failure", "a listing that fails can only \"skip\" (stop listing) or \"abort\"");
    }
    if (!is_list) refs.then = s.String("then", "");
    s.Finish();
    return step;
  }

  void ReadWorkflow(ObjectReader& w) {
    WorkflowSpec wf;
    wf.name = w.String("name");
    if (reader_.ok() && !ValidStepName(wf.name)) {
      w.Fail("name",
             "expected a workflow name of letters, digits, '_' or '-', found \"" + wf.name + "\"");
    }
    for (const WorkflowSpec& other : spec_.workflows) {
      if (other.name == wf.name) w.Fail("name", "duplicate workflow \"" + wf.name + "\"");
    }
    {
      ObjectReader t = w.Object("trigger");
      const int kinds =
          (t.Has("arrivals") ? 1 : 0) + (t.Has("batch") ? 1 : 0) + (t.Has("webhook") ? 1 : 0);
      if (reader_.ok() && kinds != 1) {
        t.Fail("", "expected exactly one of \"arrivals\", \"batch\" or \"webhook\"");
      }
      if (std::optional<ObjectReader> a = t.OptionalObject("arrivals")) {
        wf.trigger = TriggerKind::kArrivals;
        wf.arrivals = ReadArrivals(*a, /*with_operation=*/false);
        a->Finish();
      }
      if (std::optional<ObjectReader> b = t.OptionalObject("batch")) {
        wf.trigger = TriggerKind::kBatch;
        wf.items = static_cast<std::uint64_t>(b->Int("items", 1, 1, 10'000'000));
        if (reader_.ok() && !b->Has("items")) b->Fail("", "missing required field \"items\"");
        wf.start_us = Sec(b->Int("start_s", 0, 0, 30LL * 24 * 3600));
        if (reader_.ok() && wf.start_us >= spec_.duration_us) {
          b->Fail("start_s", "the batch would start at or after the end of the run (" +
                                 std::to_string(spec_.duration_us / kUsPerSec) + " s)");
        }
        b->Finish();
      }
      if (std::optional<ObjectReader> h = t.OptionalObject("webhook")) {
        wf.trigger = TriggerKind::kWebhook;
        wf.event = h->Enum("event", sim::WebhookEventTypes());
        h->Finish();
      }
      t.Finish();
    }
    wf.concurrency = static_cast<std::uint32_t>(w.Int("concurrency", 0, 0, 1'000'000));
    if (w.Has("tenants") && w.Has("tokens")) {
      w.Fail("tokens", "give \"tenants\" (names) or \"tokens\" (how many), not both");
    }
    if (w.Has("tenants")) {
      for (const std::string& name : w.Strings("tenants")) {
        bool found = false;
        for (std::size_t i = 0; i < spec_.tenants.size(); ++i) {
          if (spec_.tenants[i].name == name) {
            wf.tenants.push_back(static_cast<std::uint16_t>(i));
            found = true;
          }
        }
        if (!found) w.Fail("tenants", "unknown tenant \"" + name + "\"");
      }
      if (reader_.ok() && wf.tenants.empty()) w.Fail("tenants", "expected at least one tenant");
    } else if (w.Has("tokens")) {
      const auto n = static_cast<std::size_t>(w.Int("tokens", 1, 1, 10'000));
      if (reader_.ok() && n > spec_.tenants.size()) {
        w.Fail("tokens", std::to_string(n) + " tokens, but the scenario has " +
                             std::to_string(spec_.tenants.size()) +
                             " tenant(s): declare as many \"tenants\"");
      }
      for (std::size_t i = 0; i < std::min(n, spec_.tenants.size()); ++i) {
        wf.tenants.push_back(static_cast<std::uint16_t>(i));
      }
    } else {
      wf.tenants.push_back(wf.trigger == TriggerKind::kArrivals ? wf.arrivals.tenant : 0);
    }
    wf.lane = ParseLane(
        w, wf.trigger == TriggerKind::kArrivals ? wf.arrivals.lane : engine::Lane::kNormal);
    if (std::optional<ObjectReader> r = w.OptionalObject("retry_later")) {
      wf.retry_later_us = Sec(r->Int("after_s", 60, 0, 30LL * 24 * 3600));
      wf.retry_later_max = static_cast<std::uint32_t>(r->Int("max", 3, 1, 100));
      r->Finish();
    }
    if (std::optional<ObjectReader> d = w.OptionalObject("dlq")) {
      wf.dlq = *w.Raw("dlq");
      (void)policies::ParseDlqConfig(*d, policies::DlqConfig{});
    }
    if (std::optional<ObjectReader> l = w.OptionalObject("list")) {
      StepRefs unused;
      wf.has_list = true;
      wf.max_items = static_cast<std::uint64_t>(l->Int("max_items", INT64_MAX, 1));
      wf.list = ReadStep(*l, wf, /*is_list=*/true, unused);
      if (wf.trigger == TriggerKind::kBatch) wf.max_items = std::min(wf.max_items, wf.items);
    }
    const OnFailure fallback = ReadPolicy(w, OnFailure::kSkip, nullptr);
    std::vector<StepRefs> refs;
    std::vector<ObjectReader> steps = w.Objects("steps", /*required=*/true);
    if (reader_.ok() && steps.empty()) w.Fail("steps", "expected at least one step");
    if (steps.size() > 1000) w.Fail("steps", "more than 1000 steps");
    for (ObjectReader& s : steps) {
      if (!reader_.ok()) break;
      StepRefs r;
      StepSpec step = ReadStep(s, wf, /*is_list=*/false, r);
      if (!s.Has("on_failure")) step.on_failure = fallback;  // the workflow's policy
      wf.steps.push_back(std::move(step));
      refs.push_back(r);
    }
    // Names of later steps: "then" (after a success) and "goto" (after a failure).
    for (std::size_t i = 0; i < wf.steps.size() && reader_.ok(); ++i) {
      StepSpec& step = wf.steps[i];
      step.next = static_cast<std::uint16_t>(i + 1);
      auto later = [&](const std::string& name, const char* key) -> std::uint16_t {
        if (name == "end") return static_cast<std::uint16_t>(wf.steps.size());
        for (std::size_t j = i + 1; j < wf.steps.size(); ++j) {
          if (wf.steps[j].name == name) return static_cast<std::uint16_t>(j);
        }
        steps[i].Fail(key, "expected the name of a later step" +
                               std::string(key == std::string("then") ? " or \"end\"" : "") +
                               ", found \"" + name + "\" (steps only branch forward)");
        return 0;
      };
      if (!refs[i].then.empty()) step.next = later(refs[i].then, "then");
      if (step.on_failure == OnFailure::kGoto) step.goto_step = later(refs[i].go, "on_failure");
    }
    w.Finish();
    spec_.workflows.push_back(std::move(wf));
  }

  const JsonDocument& doc_;
  JsonReader reader_;
  ScenarioSpec& spec_;
};

Result<ScenarioSpec> Read(const JsonDocument& doc) {
  ScenarioSpec spec;
  SpecReader reader(doc, spec);
  return reader.Read();
}

}  // namespace

std::string WorkflowNameProblem(const ScenarioSpec& spec, const std::string& workflow,
                                const std::string& step) {
  std::string names;
  for (const WorkflowSpec& wf : spec.workflows) {
    names += (names.empty() ? "\"" : ", \"") + wf.name + "\"";
    if (wf.name != workflow) continue;
    if (step.empty()) return "";
    std::string steps;
    for (const StepSpec& s : wf.steps) {
      if (s.name == step) return "";
      steps += (steps.empty() ? "\"" : ", \"") + s.name + "\"";
    }
    if (wf.has_list) {
      if (wf.list.name == step) return "";
      steps += ", \"" + wf.list.name + "\"";
    }
    return "workflow \"" + workflow + "\" has no step \"" + step + "\" (its steps: " + steps + ")";
  }
  return "the scenario has no workflow \"" + workflow + "\"" +
         (names.empty() ? std::string(" (it has none)") : " (its workflows: " + names + ")");
}

std::string ReadScenarioName(ObjectReader& root) {
  std::string name = root.String("name");
  const bool valid =
      !name.empty() && name.size() <= 100 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
  if (root.ok() && !valid) {
    root.Fail("name", "expected a name of letters, digits, '_', '-' or '.', found \"" + name +
                          "\" (it names the output files)");
  }
  return name;
}

std::vector<TenantSpec> ReadTenants(ObjectReader& root) {
  std::vector<TenantSpec> tenants;
  for (ObjectReader& t : root.Objects("tenants")) {
    TenantSpec tenant;
    tenant.name = t.String("name");
    tenant.token = t.String("token", "secret_sim_" + tenant.name);
    for (const TenantSpec& other : tenants) {
      if (other.name == tenant.name) t.Fail("name", "duplicate tenant \"" + tenant.name + "\"");
    }
    t.Finish();
    tenants.push_back(tenant);
  }
  if (tenants.empty()) tenants.push_back(TenantSpec{"default", "secret_sim_default"});
  return tenants;
}

const std::vector<std::string>& SometimesGoalNames() {
  static const std::vector<std::string> kNames = {
      "breaker_opened",   "breaker_half_open",   "breaker_closed_again",
      "retried",          "retry_after_honored", "retry_after_over_backoff",
      "budget_exhausted", "limiter_delayed",     "timeout_fired",
      "reconciled",       "fallback_served",     "dlq_enqueued",
      "dlq_drained",      "recovered",           "faults_injected"};
  return kNames;
}

std::string_view ArrivalName(Arrival arrival) {
  switch (arrival) {
    case Arrival::kConstant:
      return "constant";
    case Arrival::kPoisson:
      return "poisson";
    case Arrival::kBursts:
      return "bursts";
    case Arrival::kDaily:
      return "daily";
  }
  return "?";
}

Result<ScenarioSpec> LoadScenario(const std::string& path) {
  Result<JsonDocument> doc = JsonDocument::Load(path);
  if (!doc.ok()) return doc.error();
  return Read(*doc);
}

Result<ScenarioSpec> ParseScenario(const std::string& text, const std::string& name) {
  Result<JsonDocument> doc = JsonDocument::Parse(text, name);
  if (!doc.ok()) return doc.error();
  return Read(*doc);
}

Result<std::vector<std::string>> FindScenarioFiles(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (!fs::exists(path, ec)) {
    return Error{ErrorCode::kNotFound, path + ": no such file or directory"};
  }
  if (fs::is_directory(path, ec)) {
    for (fs::recursive_directory_iterator it(path, ec), end; it != end; it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file() && it->path().extension() == ".json") {
        files.push_back(it->path().string());
      }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) return InvalidInput(path + ": directory holds no *.json scenario files");
  } else {
    files.push_back(path);
  }
  return files;
}

}  // namespace notion_sim::scenarios
