// The JSON result of a run, and reading it back.
//
// One schema, versioned (`schema_version`), with stable field names and units last: times inside
// "metrics" are integer microseconds (`*_us`, exact), ratios are plain numbers, and a "headline"
// object repeats the figures people read first in friendlier units (derived; ignored on reading).
// Reading is the exact inverse of writing (ResultToJson(ResultFromJson(j)) == j for what this
// version wrote), so `notion-sim report` and `notion-sim gate` work from result files alone.
// Errors name the file and the JSON pointer. Thread-safe: pure functions.
//
//   nlohmann::json j = ResultToJson(result);
//   Status st = WriteJsonFile("out/steady.result.json", j);
//   Result<std::vector<RunResult>> back = LoadResults("out/");   // a file or a directory
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/scenarios/run.h"

namespace notion_sim::reports {

// Results of versions kOldestReadableSchemaVersion..kResultSchemaVersion are read (older ones
// are migrated on reading: a stored baseline survives an upgrade); this version is written. The
// JSON Schema of what is written is schemas/result.schema.json.
inline constexpr int kResultSchemaVersion = 6;
inline constexpr int kOldestReadableSchemaVersion = 2;

nlohmann::json ResultToJson(const scenarios::RunResult& result);
// `where` names the document in errors ("out/a.result.json" or "out/results.json: at /results/3").
Result<scenarios::RunResult> ResultFromJson(const nlohmann::json& json, const std::string& where);

// The JSON Schema (draft 2020-12) of what ResultToJson writes, from the same field descriptions;
// shipped as schemas/result.schema.json.
nlohmann::json ResultJsonSchema();

// The index of a run over several scenarios: {"schema_version", "results": [...]}.
nlohmann::json IndexToJson(const std::vector<nlohmann::json>& results);

// Result files named by `path`: a *.result.json file, an index (results.json), or a directory
// (its results.json if present, else every *.result.json in it, sorted by name).
Result<std::vector<scenarios::RunResult>> LoadResults(const std::string& path);

// Writes `json` to `path` atomically (temp file + rename), creating parent directories.
Status WriteJsonFile(const std::string& path, const nlohmann::json& json);
// Writes text the same way.
Status WriteTextFile(const std::string& path, const std::string& text);

// Records when, where and how long a run took (wall_time_ms, started_at in UTC ISO 8601, host):
// what JUnit's time, timestamp and hostname carry. For the command that timed the run; simulated
// code never reads a real clock.
void StampRun(scenarios::RunResult& result, std::chrono::system_clock::time_point started,
              double wall_time_ms);

// A client verdict so far, as the admin API's GET /__admin/verdict answers it:
// {"verdict": "held"|"violated", "requests", "unjudged", "invariants": [...as in results],
//  "tokens": [...], "expects": [...]}.
nlohmann::json ClientVerdictToJson(const checks::ClientVerdict& verdict,
                                   const std::vector<checks::ExpectOutcome>& expects);

// One line for the terminal: name, verdict, counts (succeeded, and answered = succeeded or
// served from the fallback), virtual and wall time, seed, digest.
std::string SummaryLine(const scenarios::RunResult& result);

}  // namespace notion_sim::reports
