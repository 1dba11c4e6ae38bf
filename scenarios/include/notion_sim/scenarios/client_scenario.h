// ClientScenario: a scenario for judging a real integration (`notion-sim test SCENARIO -- CMD`),
// loaded and validated as strictly as the simulated ones (errors name the file, line and column,
// the JSON path and what was expected).
//
// The command under test is the workload, so a client scenario has no "workload", "stack",
// "phases", "network" or "gates"; a "client" section marks it:
//
//   {"name": "storm_429", "purpose": "...", "seed": 1,
//    "duration_s": 60,                              // each run's time limit (killed past it)
//    "client": {"runs": 1, "concurrency": 1,        // runs one after another; copies at once
//               "env": {"SYNC_RECORDS": "6"}},      // extra environment (not for secrets)
//    "tenants": [{"name": "acme"}],                 // NOTION_TOKEN, NOTION_TOKEN_2, ...
//    "workspace": {...}, "faults": [...],           // as in any scenario (rate limits included)
//    "invariants": {...},                           // checks/client_judge.h's section
//    "expect": [{"data_source": "Tasks", "pages": 6, "distinct_titles": true,
//                "distinct": "idempotency_key"}]}
//
// Fault windows (`from_s`, `until_s`) count real seconds from the start of the test. Without
// "workspace", or with one that has no database, the workspace is `notion-sim serve`'s default
// (a "Tasks" database whose data source has Name, Done, Notes, Count, Status and idempotency_key)
// with no seeded pages; tenants become its tokens. Thread-safe as a value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/checks/client_judge.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/scenarios/scenario.h"
#include "notion_sim/simulator/fake_notion.h"

namespace notion_sim::scenarios {

// An assertion on the fake's final state: the pages of one data source (not in the trash).
struct ExpectSpec {
  std::string data_source;             // its title or id; "" = the first data source
  std::optional<std::uint32_t> pages;  // exactly this many
  bool distinct_titles = false;        // no two with the same title
  std::string distinct;                // no two with the same value of this property
};

struct ClientScenario {
  std::string name;
  std::string purpose;
  std::string path;
  std::string hash;  // 16 hex digits over the canonical JSON of the whole file
  std::uint64_t seed = 1;
  TimeUs duration_us = Sec(60);  // each run of the command
  std::uint32_t runs = 1;
  std::uint32_t concurrency = 1;
  std::vector<std::pair<std::string, std::string>> env;  // in file order
  std::vector<TenantSpec> tenants;                       // at least one ("default")
  sim::FakeConfig fake;  // workspace (tokens from tenants), faults, upstream
  checks::ClientJudgeConfig judge;
  std::vector<ExpectSpec> expect;
  nlohmann::json source;
};

// Whether a parsed scenario document is a client scenario (it has a "client" section).
bool IsClientScenario(const nlohmann::json& root);

Result<ClientScenario> LoadClientScenario(const std::string& path);
Result<ClientScenario> ParseClientScenario(const std::string& text, const std::string& name);

// "data source Tasks holds exactly 6 pages, with distinct titles" (for reports).
std::string DescribeExpect(const ExpectSpec& expect);

}  // namespace notion_sim::scenarios
