// ScenarioSpec: a scenario file, loaded and validated.
//
// A scenario says what traffic to send (workload), through which stack (profile + overrides),
// against what world (the fake's network model and fault plan), for how long, and what must hold.
// Loading is strict: unknown fields are errors, and every error names the file, line and column,
// the JSON path and what was expected. Thread-safe as a value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::scenarios {

enum class Arrival : std::uint8_t { kConstant, kPoisson };

// One stream of operations of one kind.
struct OpStream {
  engine::Operation operation = engine::Operation::kCreatePage;
  double rate_per_s = 1.0;
  Arrival arrival = Arrival::kConstant;
  std::uint16_t tenant = 0;
  engine::Lane lane = engine::Lane::kNormal;
};

struct NetworkSpec {
  TimeUs request_latency_us = Ms(40);
  TimeUs response_latency_us = Ms(40);
};

struct ScenarioSpec {
  std::string name;
  std::string purpose;
  std::string path;          // where it was loaded from
  std::string hash;          // 16 hex digits over the file's canonical JSON
  std::uint64_t seed = 1;
  TimeUs duration_us = Min(10);
  TimeUs drain_limit_us = Min(10);
  std::string profile = "pass_through";
  NetworkSpec network;
  std::vector<OpStream> workload;
};

// Loads and validates a scenario file.
Result<ScenarioSpec> LoadScenario(const std::string& path);
// Same, from text (`name` is used in error messages).
Result<ScenarioSpec> ParseScenario(const std::string& text, const std::string& name);
// The scenario files under `path` (a file, or a directory searched recursively for *.json),
// sorted by path.
Result<std::vector<std::string>> FindScenarioFiles(const std::string& path);

}  // namespace notion_sim::scenarios
