#include "notion_sim/scenarios/scenario.h"

#include <algorithm>
#include <filesystem>

#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/engine/json_reader.h"

namespace notion_sim::scenarios {
using engine::JsonDocument;
using engine::JsonReader;
using engine::ObjectReader;
namespace {

std::vector<std::string> OperationNames() {
  std::vector<std::string> names;
  for (int i = 0; i < engine::kOperationCount; ++i) {
    names.emplace_back(engine::OperationName(static_cast<engine::Operation>(i)));
  }
  return names;
}

Result<ScenarioSpec> Read(const JsonDocument& doc) {
  JsonReader reader(doc);
  ScenarioSpec spec;
  ObjectReader root = reader.Root();
  spec.path = doc.name();
  spec.hash = engine::HexDigest(engine::HashString(doc.root().dump()));
  spec.name = root.String("name");
  spec.purpose = root.String("purpose", "");
  spec.seed = static_cast<std::uint64_t>(root.Int("seed", 1, 0));
  const std::int64_t duration_s = root.Int("duration_s", 600, 1, 30LL * 24 * 3600);
  spec.duration_us = Sec(duration_s);
  spec.drain_limit_us = Sec(root.Int("drain_limit_s", 600, 0, 7LL * 24 * 3600));
  if (auto stack = root.OptionalObject("stack")) {
    spec.profile = stack->Enum("profile", {"pass_through"}, "pass_through");
    stack->Finish();
  }
  if (auto net = root.OptionalObject("network")) {
    spec.network.request_latency_us = Ms(net->Int("request_latency_ms", 40, 0, 600'000));
    spec.network.response_latency_us = Ms(net->Int("response_latency_ms", 40, 0, 600'000));
    net->Finish();
  }
  ObjectReader workload = root.Object("workload");
  for (ObjectReader& s : workload.Objects("streams", /*required=*/true)) {
    OpStream stream;
    const std::string op_name = s.Enum("operation", OperationNames());
    stream.operation = engine::ParseOperation(op_name).value_or(engine::Operation::kCreatePage);
    stream.rate_per_s = s.Number("rate_per_s", 1.0, 1e-6, 1e6);
    stream.arrival = s.Enum("arrival", {"constant", "poisson"}, "constant") == "poisson"
                         ? Arrival::kPoisson
                         : Arrival::kConstant;
    stream.tenant = static_cast<std::uint16_t>(s.Int("tenant", 0, 0, 1000));
    const std::string lane = s.Enum("lane", {"critical", "normal", "bulk"}, "normal");
    stream.lane = lane == "critical" ? engine::Lane::kCritical
                  : lane == "bulk"   ? engine::Lane::kBulk
                                     : engine::Lane::kNormal;
    s.Finish();
    spec.workload.push_back(stream);
  }
  workload.Finish();
  root.Finish();
  if (reader.ok() && spec.workload.empty()) {
    reader.Fail("/workload/streams", "expected at least one stream");
  }
  if (!reader.ok()) return reader.error();
  return spec;
}

}  // namespace

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
