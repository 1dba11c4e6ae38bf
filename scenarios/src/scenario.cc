#include "notion_sim/scenarios/scenario.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
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
      EnrichSpec enrich;
      const std::string degrade = e.Enum("degrade", {"dead_letter", "placeholder"}, "dead_letter");
      enrich.degrade =
          degrade == "placeholder" ? EnrichDegrade::kPlaceholder : EnrichDegrade::kDeadLetter;
      enrich.arrivals = ReadArrivals(e, /*with_operation=*/false);
      e.Finish();
      spec_.enrich.push_back(enrich);
    }
    if (reader_.ok() && spec_.streams.empty() && spec_.batches.empty() && spec_.enrich.empty()) {
      workload.Fail("", "expected at least one of \"streams\", \"batches\" or \"enrich\"");
    }
    workload.Finish();
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

std::string ReadScenarioName(ObjectReader& root) {
  const std::string name = root.String("name");
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
