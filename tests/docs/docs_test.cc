// docs/ against the code's own tables, in both directions, so the reference pages cannot drift:
// - docs/metrics.md lists exactly the metrics of checks::MetricNames() and the invariants of
//   checks::InvariantName();
// - docs/profiles.md has a section for exactly the profiles of policies::ProfileNames();
// - docs/scenarios.md lists exactly the fields the scenario loader reads (recorded with
//   engine::FieldRecorder while every scenario of the repository and the test's own
//   all-fields scenarios load);
// - docs/results.md lists exactly the fields of a result file (from runs that fill every part);
// - every relative link in docs/ and README.md resolves to a file of the repository, and no file
//   of the tree points at files outside it (a user's clone has only the repository).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "notion_sim/checks/gates.h"
#include "notion_sim/checks/invariants.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/policies/profiles.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim {
namespace {

namespace fs = std::filesystem;

fs::path Root() {
  const char* dir = std::getenv("NSIM_SOURCE_DIR");
  return dir != nullptr ? fs::path(dir) : fs::current_path();
}

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text of the section under "## `heading`" (up to the next "## ").
std::string Section(const std::string& doc, const std::string& heading) {
  const std::size_t at = doc.find("\n## " + heading + "\n");
  if (at == std::string::npos) return "";
  const std::size_t start = at + heading.size() + 5;
  const std::size_t end = doc.find("\n## ", start);
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The backquoted names that start table rows: "| `name` | ..." (several per cell allowed:
// "| `a`, `b` |").
std::set<std::string> RowNames(const std::string& text) {
  std::set<std::string> out;
  std::istringstream lines(text);
  std::string line;
  const std::regex name("`([^`]+)`");
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string cell = line.substr(1, line.find('|', 1) - 1);
    for (auto it = std::sregex_iterator(cell.begin(), cell.end(), name);
         it != std::sregex_iterator(); ++it) {
      out.insert((*it)[1]);
    }
  }
  return out;
}

std::string Diff(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string out;
  for (const std::string& x : a) {
    if (b.count(x) == 0) out += "  " + x + "\n";
  }
  return out;
}

void ExpectSame(const std::set<std::string>& code, const std::set<std::string>& docs,
                const std::string& what, const std::string& doc) {
  EXPECT_EQ(Diff(code, docs), "") << what << " the code has that " << doc << " does not list";
  EXPECT_EQ(Diff(docs, code), "") << what << " " << doc << " lists that the code does not have";
}

TEST(Docs, MetricCatalogueMatchesTheCode) {
  const std::string doc = Read(Root() / "docs/metrics.md");
  ASSERT_FALSE(doc.empty());
  std::set<std::string> code;
  for (const checks::MetricInfo& m : checks::MetricNames()) {
    if (m.name.rfind("op.", 0) != 0) code.insert(m.name);
  }
  // Per-operation metrics are documented once, for every operation.
  const std::string first_op(engine::OperationName(static_cast<engine::Operation>(0)));
  const std::string prefix = "op." + first_op + ".";
  for (const checks::MetricInfo& m : checks::MetricNames()) {
    if (m.name.rfind(prefix, 0) == 0) code.insert("op.<operation>." + m.name.substr(prefix.size()));
  }
  // Workflow and step metrics are documented once, for every workflow and step.
  for (const checks::MetricInfo& m : checks::WorkflowMetricTemplates()) code.insert(m.name);
  ASSERT_GT(code.size(), 40u);
  ExpectSame(code, RowNames(Section(doc, "Metrics")), "metrics", "docs/metrics.md");
}

TEST(Docs, InvariantsMatchTheCode) {
  const std::string doc = Read(Root() / "docs/metrics.md");
  std::set<std::string> code;
  for (int i = 0; i < checks::kInvariantCount; ++i) {
    code.insert(std::string(checks::InvariantName(static_cast<checks::Invariant>(i))));
  }
  ExpectSame(code, RowNames(Section(doc, "Invariants")), "invariants", "docs/metrics.md");
}

TEST(Docs, ProfilesMatchTheCode) {
  const std::string doc = Read(Root() / "docs/profiles.md");
  std::set<std::string> code;
  for (std::string_view p : policies::ProfileNames()) code.insert(std::string(p));
  std::set<std::string> docs;
  const std::regex heading("\n## `([^`]+)`");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), heading);
       it != std::sregex_iterator(); ++it) {
    docs.insert((*it)[1]);
  }
  ExpectSame(code, docs, "profiles", "docs/profiles.md");
}

TEST(Docs, ScenarioReferenceListsEveryFieldTheLoaderReads) {
  std::vector<std::string> files;
  for (const char* dir : {"scenarios", "tests/docs/scenarios"}) {
    for (const auto& entry : fs::recursive_directory_iterator(Root() / dir)) {
      // Client scenarios (`notion-sim test`) have their own loader and JSON Schema.
      if (entry.path().parent_path().filename() == "client") continue;
      if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    }
  }
  ASSERT_GT(files.size(), 10u);
  engine::FieldRecorder recorder;
  for (const std::string& f : files) {
    auto spec = scenarios::LoadScenario(f);
    EXPECT_TRUE(spec.ok()) << f << ": " << (spec.ok() ? "" : spec.error().message);
  }
  // Keys that are names the user chooses are documented once: an operation name as
  // <operation>, a property name (the key after "properties") as <property>.
  std::set<std::string> operations;
  for (int i = 0; i < engine::kOperationCount; ++i) {
    operations.insert(std::string(engine::OperationName(static_cast<engine::Operation>(i))));
  }
  std::set<std::string> read;
  for (const std::string& field : recorder.fields()) {
    std::string pattern;
    std::string previous;
    std::size_t at = 0;
    while (at < field.size()) {
      const std::size_t next = std::min(field.find('/', at + 1), field.size());
      std::string segment = field.substr(at + 1, next - at - 1);
      if (operations.count(segment) > 0) segment = "<operation>";
      if (previous == "properties") segment = "<property>";
      pattern += "/" + segment;
      previous = segment;
      at = next;
    }
    read.insert(pattern);
  }
  const std::string doc = Read(Root() / "docs/scenarios.md");
  std::set<std::string> docs;
  for (const std::string& name : RowNames(doc)) {
    if (!name.empty() && name[0] == '/') docs.insert(name);
  }
  ASSERT_GT(read.size(), 100u);
  ExpectSame(read, docs, "scenario fields", "docs/scenarios.md");
}

TEST(Docs, OperationsMatchTheCode) {
  std::set<std::string> code;
  for (int i = 0; i < engine::kOperationCount; ++i) {
    code.insert(std::string(engine::OperationName(static_cast<engine::Operation>(i))));
  }
  ExpectSame(code, RowNames(Section(Read(Root() / "docs/scenarios.md"), "Operations")),
             "operations", "docs/scenarios.md");
}

// Every path of `v` whose value is not an object or an array of objects ("*" for array elements).
void LeafPaths(const nlohmann::json& v, const std::string& path, std::set<std::string>& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      LeafPaths(it.value(), path + "/" + it.key(), out);
  } else if (v.is_array() && !v.empty() && v.front().is_object()) {
    for (const nlohmann::json& e : v) LeafPaths(e, path + "/*", out);
  } else {
    out.insert(path);
  }
}

TEST(Docs, ResultReferenceListsEveryField) {
  // A failing run (violations with events), one with checkpoints, one with gates, breakers,
  // alerts and a recovery, one with workflows: together they fill every part of a result.
  auto blind = scenarios::LoadScenario((Root() / "scenarios/library/lost_creates.json").string());
  ASSERT_TRUE(blind.ok());
  nlohmann::json doc = blind->source;
  doc["name"] = "blind";
  doc["stack"] = {{"profile", "fixed-delay"}};
  std::vector<std::string> texts = {doc.dump()};
  for (const char* name : {"sync_checkpoints", "outage_10min", "ai_enrich_pipeline"}) {
    texts.push_back(Read(Root() / "scenarios/library" / (std::string(name) + ".json")));
  }
  std::set<std::string> leaves;
  for (const std::string& text : texts) {
    auto spec = scenarios::ParseScenario(text, "scenario");
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    auto result = scenarios::RunScenario(*spec);
    ASSERT_TRUE(result.ok()) << result.error().message;
    LeafPaths(reports::ResultToJson(*result), "", leaves);
  }
  // A path that is a leaf in one result (an empty array) and holds fields in another is not one.
  std::set<std::string> fields;
  for (const std::string& p : leaves) {
    const auto inside = leaves.lower_bound(p + "/");
    if (inside == leaves.end() || inside->rfind(p + "/", 0) != 0) fields.insert(p);
  }
  ASSERT_GT(fields.size(), 150u);
  std::set<std::string> documented;
  for (const std::string& name : RowNames(Read(Root() / "docs/results.md"))) {
    if (!name.empty() && name[0] == '/') documented.insert(name);
  }
  ExpectSame(fields, documented, "result fields", "docs/results.md");
}

// Every file of the tree that a clone has, minus build output.
std::vector<fs::path> TreeFiles() {
  std::vector<fs::path> out;
  const fs::path root = Root();
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name == "build" || name == ".git" || name == "node_modules" ||
                               name == "corpus" || name == "out")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(it->path());
  }
  return out;
}

TEST(Docs, NothingPointsOutsideTheRepository) {
  // Split so that this file does not match itself.
  const std::vector<std::string> outside = {std::string("../sha") + "red/",
                                            std::string("DESI") + "GN.md",
                                            std::string("notion-api") + ".md",
                                            std::string("resilience-libraries") + ".md",
                                            std::string("seed-patterns") + ".md",
                                            std::string("sdk-endpoints") + ".md",
                                            std::string("simulation-and-fault-injection") + ".md",
                                            std::string("/work/sha") + "red"};
  std::string found;
  std::size_t scanned = 0;
  for (const fs::path& p : TreeFiles()) {
    const std::string ext = p.extension().string();
    if (ext != ".h" && ext != ".cc" && ext != ".md" && ext != ".txt" && ext != ".cmake" &&
        ext != ".sh" && ext != ".json" && ext != ".yml" && ext != ".js" && p.filename() != "run") {
      continue;
    }
    ++scanned;
    const std::string text = Read(p);
    for (const std::string& o : outside) {
      if (text.find(o) != std::string::npos) {
        found += "  " + fs::relative(p, Root()).string() + ": " + o + "\n";
      }
    }
  }
  EXPECT_GT(scanned, 100u);
  EXPECT_EQ(found, "") << "references to files a user's clone does not have";
}

TEST(Docs, RelativeLinksResolve) {
  std::vector<fs::path> docs = {Root() / "README.md"};
  for (const auto& entry : fs::directory_iterator(Root() / "docs")) {
    if (entry.path().extension() == ".md") docs.push_back(entry.path());
  }
  ASSERT_GT(docs.size(), 5u);
  const std::regex link("\\]\\(([^)\\s]+)\\)");
  std::string broken;
  for (const fs::path& d : docs) {
    const std::string text = Read(d);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), link);
         it != std::sregex_iterator(); ++it) {
      std::string target = (*it)[1];
      if (target.rfind("http", 0) == 0 || target[0] == '#' || target.rfind("mailto:", 0) == 0) {
        continue;
      }
      target = target.substr(0, target.find('#'));
      if (!fs::exists(d.parent_path() / target)) {
        broken += "  " + fs::relative(d, Root()).string() + ": " + target + "\n";
      }
    }
  }
  EXPECT_EQ(broken, "");
}

}  // namespace
}  // namespace notion_sim
