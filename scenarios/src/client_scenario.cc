#include "notion_sim/scenarios/client_scenario.h"

#include <algorithm>
#include <cctype>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/simulator/workspace.h"
#include "sections.h"

namespace notion_sim::scenarios {
namespace {

using engine::JsonDocument;
using engine::JsonReader;
using engine::ObjectReader;

// Sections of a simulated scenario that have no meaning here, and why.
struct NotHere {
  const char* key;
  const char* why;
};
constexpr NotHere kNotHere[] = {
    {"workload", "the command under test is the workload"},
    {"stack", "the command under test brings its own resilience"},
    {"phases", "faults end with their own until_s"},
    {"network", "the network is loopback; delay faults add latency"},
    {"gates", "the client's verdict is its invariants"},
    {"sometimes", "goals belong to notion-sim explore"},
    {"drain_limit_s", "duration_s is each run's time limit"},
};

bool ValidEnvName(const std::string& name) {
  if (name.empty() || name.size() > 100 || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The data source an expectation names (title or id), or null.
const sim::DataSourceSpec* FindDataSource(const sim::Workspace& ws, const std::string& name) {
  for (const sim::DatabaseSpec& db : ws.databases) {
    for (const sim::DataSourceSpec& ds : db.data_sources) {
      if (name.empty() || ds.title == name || (!ds.id.empty() && ds.id.ToString() == name)) {
        return &ds;
      }
    }
  }
  return nullptr;
}

void ReadClient(ObjectReader& root, ClientScenario& s) {
  ObjectReader client = root.Object("client");
  s.runs = static_cast<std::uint32_t>(client.Int("runs", 1, 1, 1000));
  s.concurrency = static_cast<std::uint32_t>(client.Int("concurrency", 1, 1, 64));
  if (auto env = client.OptionalObject("env")) {
    const nlohmann::json* raw = client.Raw("env");
    for (auto it = raw->begin(); it != raw->end() && env->ok(); ++it) {
      if (!ValidEnvName(it.key())) {
        env->Fail(it.key(), "expected an environment variable name (letters, digits, '_')");
      } else if (it.key().rfind("NOTION_", 0) == 0) {
        env->Fail(it.key(), "NOTION_* variables are set by notion-sim test itself");
      } else if (!it->is_string()) {
        env->Fail(it.key(), "expected a string value");
      } else {
        s.env.emplace_back(it.key(), it->get<std::string>());
      }
    }
  }
  client.Finish();
}

// Tenants become the fake's tokens; a workspace without databases gets serve's default one.
void ShapeWorkspace(ObjectReader& root, ClientScenario& s) {
  sim::Workspace& ws = s.fake.workspace;
  if (!ws.tokens.empty()) {
    root.Fail("workspace",
              "a client scenario's tokens come from \"tenants\" (each tenant's token "
              "is NOTION_TOKEN, NOTION_TOKEN_2, ...), not from workspace.tokens");
    return;
  }
  for (std::size_t i = 0; i < s.tenants.size(); ++i) {
    sim::TokenSpec t;
    t.token = s.tenants[i].token;
    t.name = s.tenants[i].name;
    t.tenant = static_cast<std::uint16_t>(i);
    ws.tokens.push_back(t);
  }
  if (ws.databases.empty()) ws.databases = sim::DefaultServeWorkspace(s.seed).databases;
}

void ReadExpect(ObjectReader& root, ClientScenario& s) {
  for (ObjectReader& e : root.Objects("expect")) {
    ExpectSpec x;
    x.data_source = e.String("data_source", "");
    if (e.Has("pages")) x.pages = static_cast<std::uint32_t>(e.Int("pages", 0, 0, 10'000'000));
    x.distinct_titles = e.Bool("distinct_titles", false);
    x.distinct = e.String("distinct", "");
    if (e.ok() && !x.pages && !x.distinct_titles && x.distinct.empty()) {
      e.Fail("", "expected at least one of \"pages\", \"distinct_titles\" or \"distinct\"");
    }
    const sim::DataSourceSpec* ds = FindDataSource(s.fake.workspace, x.data_source);
    if (e.ok() && ds == nullptr) {
      std::string titles;
      for (const sim::DatabaseSpec& db : s.fake.workspace.databases) {
        for (const sim::DataSourceSpec& d : db.data_sources) {
          titles += (titles.empty() ? "\"" : ", \"") + d.title + "\"";
        }
      }
      e.Fail("data_source",
             "no data source \"" + x.data_source + "\" in the workspace (it has " + titles + ")");
    }
    if (e.ok() && ds != nullptr && !x.distinct.empty() && !ds->properties.empty() &&
        x.distinct != "idempotency_key") {
      const bool known =
          std::any_of(ds->properties.begin(), ds->properties.end(),
                      [&](const sim::PropertySpec& p) { return p.name == x.distinct; });
      if (!known) {
        e.Fail("distinct",
               "data source \"" + ds->title + "\" has no property \"" + x.distinct + "\"");
      }
    }
    e.Finish();
    s.expect.push_back(std::move(x));
  }
}

Result<ClientScenario> Read(const JsonDocument& doc) {
  JsonReader reader(doc);
  ObjectReader root = reader.Root();
  ClientScenario s;
  s.path = doc.name();
  s.source = doc.root();
  s.hash = engine::HexDigest(engine::HashString(doc.root().dump()));
  if (!root.Has("client")) {
    root.Fail("",
              "not a client scenario: it has no \"client\" section (a simulated scenario runs "
              "with notion-sim run " +
                  doc.name() + ")");
    return reader.error();
  }
  s.name = ReadScenarioName(root);
  s.purpose = root.String("purpose", "");
  // Editors read "$schema" (schemas/client-scenario.schema.json) for completion and typo checks.
  (void)root.String("$schema", "");
  s.seed = static_cast<std::uint64_t>(root.Int("seed", 1, 0));
  s.duration_us = Sec(root.Int("duration_s", 60, 1, 24 * 3600));
  for (const NotHere& n : kNotHere) {
    if (reader.ok() && root.Has(n.key)) {
      root.Fail(std::string(n.key) + "#key",
                std::string("a client scenario has no \"") + n.key + "\": " + n.why);
    }
  }
  if (reader.ok()) ReadClient(root, s);
  if (reader.ok()) s.tenants = ReadTenants(root);
  if (reader.ok()) {
    auto fake = sim::ParseFakeConfig(root);
    if (fake.ok()) {
      s.fake = std::move(fake).value();
    } else {
      root.Fail("", fake.error().message);  // kept only when the reader has no error yet
    }
  }
  if (reader.ok()) ShapeWorkspace(root, s);
  if (reader.ok()) {
    if (std::optional<ObjectReader> section = root.OptionalObject("invariants")) {
      auto judge = checks::ParseClientJudgeConfig(*section);
      if (judge.ok()) {
        s.judge = std::move(judge).value();
      } else {
        section->Fail("", judge.error().message);
      }
    }
  }
  if (reader.ok()) ReadExpect(root, s);
  root.Finish();
  if (!reader.ok()) return reader.error();
  return s;
}

}  // namespace

bool IsClientScenario(const nlohmann::json& root) {
  return root.is_object() && root.contains("client");
}

Result<ClientScenario> LoadClientScenario(const std::string& path) {
  Result<JsonDocument> doc = JsonDocument::Load(path);
  if (!doc.ok()) return doc.error();
  return Read(*doc);
}

Result<ClientScenario> ParseClientScenario(const std::string& text, const std::string& name) {
  Result<JsonDocument> doc = JsonDocument::Parse(text, name);
  if (!doc.ok()) return doc.error();
  return Read(*doc);
}

std::string DescribeExpect(const ExpectSpec& e) {
  std::string s = "data source " + (e.data_source.empty() ? std::string("(first)") : e.data_source);
  std::vector<std::string> parts;
  if (e.pages) parts.push_back("holds exactly " + std::to_string(*e.pages) + " pages");
  if (e.distinct_titles) parts.push_back("with distinct titles");
  if (!e.distinct.empty()) parts.push_back("with distinct " + e.distinct + " values");
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i == 0 ? " " : ", ") + parts[i];
  return s;
}

}  // namespace notion_sim::scenarios
