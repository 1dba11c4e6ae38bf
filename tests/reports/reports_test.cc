#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "fixture.h"
#include "notion_sim/reports/baseline.h"
#include "notion_sim/reports/html.h"
#include "notion_sim/reports/junit.h"
#include "notion_sim/reports/markdown.h"
#include "notion_sim/reports/render.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/reports/text.h"

namespace notion_sim::reports {
namespace {

using testing::SampleOptions;
using testing::SampleResult;

// --- A small strict XML reader, enough to check that JUnit output is well formed -------------

struct XmlNode {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::vector<std::unique_ptr<XmlNode>> children;
  std::string text;
  std::vector<const XmlNode*> All(const std::string& n) const {
    std::vector<const XmlNode*> out;
    for (const auto& c : children) {
      if (c->name == n) out.push_back(c.get());
      for (const XmlNode* d : c->All(n)) out.push_back(d);
    }
    return out;
  }
};

class XmlParser {
 public:
  explicit XmlParser(std::string s) : s_(std::move(s)) {}
  // nullptr and error() on malformed input.
  std::unique_ptr<XmlNode> Parse() {
    Skip();
    if (s_.compare(i_, 5, "<?xml") == 0) {
      const std::size_t end = s_.find("?>", i_);
      if (end == std::string::npos) return Fail("unterminated declaration");
      i_ = end + 2;
    }
    Skip();
    auto root = Element();
    Skip();
    if (root && i_ != s_.size()) return Fail("content after the root element");
    return root;
  }
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<XmlNode> Fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at byte " + std::to_string(i_);
    return nullptr;
  }
  void Skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  std::string Name() {
    const std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                              s_[i_] == '-' || s_[i_] == '.' || s_[i_] == ':')) {
      ++i_;
    }
    return s_.substr(start, i_ - start);
  }
  std::optional<std::string> Text(char stop) {
    std::string out;
    while (i_ < s_.size() && s_[i_] != stop) {
      if (s_[i_] == '<' && stop == '"') return std::nullopt;
      if (s_[i_] == '&') {
        const std::size_t semi = s_.find(';', i_);
        if (semi == std::string::npos) return std::nullopt;
        const std::string ent = s_.substr(i_ + 1, semi - i_ - 1);
        static const std::map<std::string, char> kEntities = {
            {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"#39", '\''}};
        auto it = kEntities.find(ent);
        if (it == kEntities.end()) return std::nullopt;
        out += it->second;
        i_ = semi + 1;
      } else {
        out += s_[i_++];
      }
    }
    return out;
  }
  std::unique_ptr<XmlNode> Element() {
    if (i_ >= s_.size() || s_[i_] != '<') return Fail("expected '<'");
    ++i_;
    auto node = std::make_unique<XmlNode>();
    node->name = Name();
    if (node->name.empty()) return Fail("empty element name");
    while (true) {
      Skip();
      if (i_ >= s_.size()) return Fail("unterminated tag");
      if (s_.compare(i_, 2, "/>") == 0) {
        i_ += 2;
        return node;
      }
      if (s_[i_] == '>') {
        ++i_;
        break;
      }
      const std::string attr = Name();
      if (attr.empty() || i_ + 1 >= s_.size() || s_[i_] != '=' || s_[i_ + 1] != '"') {
        return Fail("bad attribute");
      }
      i_ += 2;
      std::optional<std::string> value = Text('"');
      if (!value || i_ >= s_.size()) return Fail("bad attribute value");
      ++i_;
      if (!node->attrs.emplace(attr, *value).second) return Fail("duplicate attribute " + attr);
    }
    while (true) {
      std::optional<std::string> text = Text('<');
      if (!text) return Fail("bad character data");
      node->text += *text;
      if (i_ >= s_.size()) return Fail("unterminated element " + node->name);
      if (s_.compare(i_, 2, "</") == 0) {
        i_ += 2;
        if (Name() != node->name) return Fail("mismatched end tag for " + node->name);
        Skip();
        if (i_ >= s_.size() || s_[i_] != '>') return Fail("bad end tag");
        ++i_;
        return node;
      }
      auto child = Element();
      if (!child) return nullptr;
      node->children.push_back(std::move(child));
    }
  }

  const std::string s_;
  std::size_t i_ = 0;
  std::string error_;
};

SampleOptions Failing() {
  SampleOptions o;
  o.name = "storm_broken";
  o.break_attempts = true;
  o.min_success = 0.999;
  return o;
}

// --- The fixture itself ------------------------------------------------------------------------

TEST(Fixture, IsTheRunWeThinkItIs) {
  const scenarios::RunResult r = SampleResult();
  const checks::MetricsReport& m = r.checks.metrics;
  EXPECT_EQ(r.verdict, checks::RunVerdict::kPass);
  EXPECT_EQ(m.ops.started, 600u);
  EXPECT_EQ(m.ops.dead_lettered, 11u);
  EXPECT_EQ(m.recovery, checks::Recovery::kRecovered);
  ASSERT_EQ(m.breakers.size(), 1u);
  EXPECT_EQ(m.breakers[0].opens, 2u);
  for (const auto& i : r.checks.invariants) EXPECT_TRUE(i.held()) << i.first_violation;
  const scenarios::RunResult bad = SampleResult(Failing());
  EXPECT_EQ(bad.verdict, checks::RunVerdict::kFail);
}

// --- JSON --------------------------------------------------------------------------------------

TEST(ResultJson, RoundTripsExactly) {
  for (const SampleOptions& o : {SampleOptions{}, Failing()}) {
    const nlohmann::json j = ResultToJson(SampleResult(o));
    Result<scenarios::RunResult> back = ResultFromJson(j, "x.json");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(ResultToJson(*back), j);
  }
}

TEST(ResultJson, HasAVersionStableNamesAndUnitsLast) {
  const scenarios::RunResult r = SampleResult();
  const nlohmann::json j = ResultToJson(r);
  EXPECT_EQ(j.at("schema_version"), kResultSchemaVersion);
  EXPECT_EQ(j.at("scenario"), "storm_creates");
  EXPECT_EQ(j.at("seed"), 7);
  EXPECT_EQ(j.at("reproduce"), "notion-sim run scenarios/library/storm_creates.json --seed 7");
  EXPECT_EQ(j.at("verdict"), "pass");
  EXPECT_EQ(j.at("digest"), r.summary.digest);
  EXPECT_EQ(j.at("metrics").at("latency").at("p99_us"), r.checks.metrics.latency.p99_us);
  EXPECT_EQ(j.at("metrics").at("recovery").at("state"), "recovered");
  EXPECT_EQ(j.at("metrics").at("breakers").at(0).at("changes").at(0).at("to"), "open");
  EXPECT_EQ(j.at("metrics").at("operations").at(0).at("operation"), "create_page");
  EXPECT_EQ(j.at("invariants").size(), static_cast<std::size_t>(checks::kInvariantCount));
  EXPECT_EQ(j.at("invariants").at(0).at("name"), "no_duplicate_creates");
  EXPECT_EQ(j.at("gates").at(1).at("metric"), "latency_ms.p99");
  EXPECT_EQ(j.at("gates").at(1).at("max"), 2000.0);
  EXPECT_TRUE(j.at("gates").at(1).at("min").is_null());
  EXPECT_EQ(j.at("headline").at("capacity"), CapacityLine(r));
}

TEST(ResultJson, ErrorsNameTheFileAndPointer) {
  nlohmann::json j = ResultToJson(SampleResult());
  j["metrics"]["latency"].erase("p99_us");
  Result<scenarios::RunResult> r = ResultFromJson(j, "out/a.result.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "out/a.result.json: at /metrics/latency/p99_us: missing field (an integer)");
  j = ResultToJson(SampleResult());
  j["invariants"][2]["verdict"] = "maybe";
  r = ResultFromJson(j, "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "f: at /invariants/2/verdict: unknown value \"maybe\" (expected one of held, "
            "violated, off)");
  j = ResultToJson(SampleResult());
  j["ops"]["started"] = "many";
  r = ResultFromJson(j, "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "f: at /ops/started: expected a non-negative integer");
  j["schema_version"] = 1;
  r = ResultFromJson(j, "old.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("old.json: at /schema_version: version 1 is not supported"),
            std::string::npos);
}

// A stored baseline outlives an upgrade: results of versions 2 and 3 read as this version, with
// what those versions did not record left empty (when and where) or zero (retry delays).
TEST(ResultJson, OlderVersionsAreMigratedOnReading) {
  const scenarios::RunResult now = SampleResult();
  nlohmann::json v3 = ResultToJson(now);
  v3["schema_version"] = 3;
  v3.erase("started_at");
  v3.erase("host");
  Result<scenarios::RunResult> r = ResultFromJson(v3, "v3.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->started_at, "");
  EXPECT_EQ(r->host, "");
  EXPECT_EQ(r->checks.metrics.latency.p99_us, now.checks.metrics.latency.p99_us);
  EXPECT_EQ(r->summary.digest, now.summary.digest);

  nlohmann::json v2 = v3;
  v2["schema_version"] = 2;
  v2.erase("mode");
  v2.erase("base_url");
  v2["ops"].erase("resumed");
  v2["metrics"]["requests"].erase("retry_delay_total_us");
  v2["metrics"]["requests"].erase("retry_delay_max_us");
  r = ResultFromJson(v2, "v2.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->mode, "sim");
  EXPECT_EQ(r->checks.metrics.retry_delay_max_us, 0);
  EXPECT_EQ(r->checks.metrics.ops.started, now.checks.metrics.ops.started);

  v2["schema_version"] = kResultSchemaVersion + 1;
  r = ResultFromJson(v2, "new.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("new.json: at /schema_version: version " +
                                   std::to_string(kResultSchemaVersion + 1) +
                                   " is not supported (this notion-sim reads versions 2 to " +
                                   std::to_string(kResultSchemaVersion)),
            std::string::npos);
}

// Version 4 results (before issue 14's figures) read with what they could not record: the answered
// ratio follows from their counts, their breakers were Notion's, health was not measured.
TEST(ResultJson, Version4ResultsGainTheAnsweredRatioAndDependencies) {
  const scenarios::RunResult now = SampleResult();
  nlohmann::json v4 = ResultToJson(now);
  v4["schema_version"] = 4;
  nlohmann::json& m = v4["metrics"];
  m["slo"].erase("answered_ratio");
  m["recovery"].erase("fault_end_source");
  m["recovery"].erase("last_fault_us");
  m["recovery"].erase("fault_windows");
  m.erase("health");
  m.erase("dependencies");
  for (nlohmann::json& b : m["breakers"]) b.erase("dependency");
  Result<scenarios::RunResult> r = ResultFromJson(v4, "v4.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const checks::MetricsReport& got = r->checks.metrics;
  EXPECT_DOUBLE_EQ(got.answered_ratio, 589.0 / 600.0);  // 11 dead-lettered, no fallback
  EXPECT_EQ(got.fault_end_source, checks::FaultEnd::kWindow);
  EXPECT_TRUE(got.fault_windows.empty());
  EXPECT_TRUE(got.health.empty());
  ASSERT_EQ(got.breakers.size(), 1u);
  EXPECT_EQ(got.breakers[0].dependency, engine::Dependency::kNotion);
}

// Version 5 results (before issue 17) had no workflows: they read with none; a result written now
// holds the list, required by the schema.
TEST(ResultJson, Version5ResultsReadWithoutWorkflows) {
  scenarios::RunResult now = SampleResult();
  checks::WorkflowMetrics w;
  w.name = "enrich";
  w.items_started = 3;
  w.items = {2, 0, 1, 0, 0};
  w.steps.push_back(checks::StepMetrics{});
  w.steps.back().name = "ask";
  w.steps.back().runs = 3;
  w.done_per_bucket = {1, 2};
  now.checks.metrics.workflows = {w};
  const nlohmann::json j = ResultToJson(now);
  ASSERT_EQ(j.at("metrics").at("workflows").size(), 1u);
  Result<scenarios::RunResult> back = ResultFromJson(j, "now.json");
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->checks.metrics.workflows.size(), 1u);
  EXPECT_EQ(back->checks.metrics.workflows[0].items[2], 1u);
  EXPECT_EQ(back->checks.metrics.workflows[0].steps.at(0).name, "ask");
  EXPECT_EQ(back->checks.metrics.workflows[0].done_per_bucket, (std::vector<std::uint64_t>{1, 2}));

  nlohmann::json v5 = j;
  v5["schema_version"] = 5;
  v5["metrics"].erase("workflows");
  back = ResultFromJson(v5, "v5.json");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->checks.metrics.workflows.empty());
  EXPECT_EQ(back->summary.digest, now.summary.digest);

  nlohmann::json missing = j;
  missing["metrics"].erase("workflows");
  back = ResultFromJson(missing, "v6.json");
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("v6.json: at /metrics/workflows"), std::string::npos)
      << back.error().message;
}

// Issue 14: storm_429 printed "7148 ok" (succeeded + served from the fallback) beside a success
// ratio of 36.2 %. The two figures have two names, the same on the terminal, in Markdown, HTML
// and JSON: succeeded, and answered = succeeded + served from the fallback.
TEST(Text, SucceededAndAnsweredAreNamedApartEverywhere) {
  scenarios::RunResult r = SampleResult();
  r.summary.ops_started = 10;
  r.summary.ops_succeeded = 4;
  r.summary.ops_fallback = 3;
  r.summary.ops_failed = 3;
  r.summary.ops_dead_lettered = 0;
  r.summary.ops_unfinished = 0;
  checks::MetricsReport& m = r.checks.metrics;
  m.ops = {};
  m.ops.started = 10;
  m.ops.succeeded = 4;
  m.ops.served_fallback = 3;
  m.ops.failed = 3;
  m.success_ratio = 0.4;
  m.answered_ratio = 0.7;
  const std::string line = SummaryLine(r);
  EXPECT_NE(line.find("10 ops (4 succeeded, 7 answered, 3 failed, 0 dlq, 0 unfinished)"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find(" ok"), std::string::npos) << line;
  const std::string md = MarkdownSummary({r});
  EXPECT_NE(md.find("| succeeded | answered |"), std::string::npos) << md;
  EXPECT_NE(md.find("| " + PercentText(0.4) + " | " + PercentText(0.7) + " |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("*answered*: succeeded or served from the fallback"), std::string::npos);
  EXPECT_NE(
      CapacityLine(r).find(PercentText(0.4) + " succeeded, " + PercentText(0.7) + " answered"),
      std::string::npos)
      << CapacityLine(r);
  const std::string html = HtmlReport(r);
  EXPECT_NE(html.find(">answered<"), std::string::npos);
  EXPECT_NE(html.find(PercentText(0.7)), std::string::npos);
  const nlohmann::json j = ResultToJson(r);
  EXPECT_EQ(j.at("metrics").at("slo").at("success_ratio"), 0.4);
  EXPECT_EQ(j.at("metrics").at("slo").at("answered_ratio"), 0.7);
  EXPECT_EQ(checks::MetricValue(m, "ops.answered"), 7.0);
  EXPECT_EQ(checks::MetricValue(m, "ops.answered_ratio"), 0.7);
  EXPECT_EQ(checks::MetricValue(m, "ops.success_ratio"), 0.4);
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nsim_reports_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

using LoadResultsTest = TempDir;

TEST_F(LoadResultsTest, ReadsFilesIndexesAndDirectories) {
  const nlohmann::json a = ResultToJson(SampleResult());
  const nlohmann::json b = ResultToJson(SampleResult(Failing()));
  ASSERT_TRUE(WriteJsonFile(Path("one/a.result.json"), a).ok());
  ASSERT_TRUE(WriteJsonFile(Path("one/b.result.json"), b).ok());
  ASSERT_TRUE(WriteJsonFile(Path("two/results.json"), IndexToJson({b, a})).ok());
  ASSERT_TRUE(WriteJsonFile(Path("two/ignored.result.json"), a).ok());

  auto file = LoadResults(Path("one/a.result.json"));
  ASSERT_TRUE(file.ok()) << file.error().message;
  ASSERT_EQ(file->size(), 1u);
  auto dir = LoadResults(Path("one"));
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  ASSERT_EQ(dir->size(), 2u);
  EXPECT_EQ((*dir)[0].scenario, "storm_creates");  // sorted by file name
  auto index = LoadResults(Path("two"));
  ASSERT_TRUE(index.ok()) << index.error().message;
  ASSERT_EQ(index->size(), 2u);  // the index wins over loose files
  EXPECT_EQ((*index)[0].scenario, "storm_broken");

  nlohmann::json broken = IndexToJson({a, b});
  broken["results"][1]["metrics"]["dlq"]["depth_max"] = -1.5;
  ASSERT_TRUE(WriteJsonFile(Path("bad/results.json"), broken).ok());
  auto bad = LoadResults(Path("bad"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, Path("bad/results.json") +
                                     ": in /results/1: at /metrics/dlq/depth_max: expected an "
                                     "integer");
  EXPECT_EQ(LoadResults(Path("nope")).error().code, ErrorCode::kNotFound);
  std::ofstream(Path("junk.json")) << "{not json";
  // engine::LoadJson names the place: "junk.json:1:3: not valid JSON: ...".
  EXPECT_NE(LoadResults(Path("junk.json")).error().message.find("junk.json:1:3: not valid JSON"),
            std::string::npos)
      << LoadResults(Path("junk.json")).error().message;
}

// --- Text --------------------------------------------------------------------------------------

TEST(Text, FiguresReadLikeAPersonWroteThem) {
  EXPECT_EQ(DurationText(850), "850 us");
  EXPECT_EQ(DurationText(Ms(12) + 340), "12.3 ms");
  EXPECT_EQ(DurationText(Ms(1900)), "1.9 s");
  EXPECT_EQ(DurationText(Min(58)), "58 min");
  EXPECT_EQ(DurationText(kUsPerHour * 3 + Min(12)), "3.2 h");
  EXPECT_EQ(CountText(10000), "10,000");
  EXPECT_EQ(CountText(999), "999");
  EXPECT_EQ(CountText(1234567), "1,234,567");
  EXPECT_EQ(PercentText(0.03), "3 %");
  EXPECT_EQ(PercentText(0.999), "99.9 %");
  EXPECT_EQ(PercentText(0.99999), "99.99 %");
  EXPECT_EQ(PercentText(1.0), "100 %");
  EXPECT_EQ(PercentText(0.0042), "0.42 %");
  EXPECT_EQ(XmlEscape("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
}

TEST(Text, CapacityLineStatesThePlanningFigures) {
  scenarios::RunResult r;
  checks::MetricsReport& m = r.checks.metrics;
  m.ops.started = 10000;
  m.ops.succeeded = 10000;
  m.span_us = Min(58);
  m.requests_per_min = 180.2;
  m.retry_ratio = 0.03;
  m.latency.p99_us = Ms(1900);
  m.success_ratio = 1;
  m.operations.resize(1);
  EXPECT_EQ(CapacityLine(r),
            "10,000 create_page in 58 min at 180 req/min; 3 % retries; p99 1.9 s; 100 % "
            "succeeded");
  const scenarios::RunResult s = SampleResult();
  EXPECT_EQ(CapacityLine(s).substr(0, 50), "600 ops (480 create_page, 120 query_data_source) i");
}

// --- Markdown ----------------------------------------------------------------------------------

TEST(Markdown, TableOfVerdictsThenFailuresWithReproduceCommands) {
  const scenarios::RunResult good = SampleResult();
  const scenarios::RunResult bad = SampleResult(Failing());
  const std::string md = MarkdownSummary({good, bad});
  EXPECT_EQ(md.rfind("# notion-sim results\n\n2 scenario(s): 1 passed, 1 failed.\n\n", 0), 0u)
      << md;
  EXPECT_NE(md.find("| scenario | verdict | ops | succeeded | answered | p99 | API calls/op | "
                    "invariants | gates | seed | digest |"),
            std::string::npos);
  EXPECT_NE(md.find("| storm_creates | ✅ pass | 600 | 98.2 % | 98.2 % | 1.17 s | 1.15 | 10 held | "
                    "3/3 passed | 7 "
                    "| `"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| storm_broken | ❌ **FAIL** | 600 | "), std::string::npos);
  EXPECT_NE(
      md.find("| **1 violated**, 9 held | **2/3 passed** | 7 | `" + bad.summary.digest + "` |"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("- **storm_creates**: " + CapacityLine(good) + "\n"), std::string::npos);
  const std::size_t failures = md.find("## Failures");
  ASSERT_NE(failures, std::string::npos);
  EXPECT_EQ(md.find("### storm_creates", failures), std::string::npos);
  EXPECT_NE(md.find("### storm_broken\n\nReproduce: `notion-sim run "
                    "scenarios/library/storm_broken.json --seed 7`\n",
                    failures),
            std::string::npos);
  EXPECT_NE(
      md.find("- invariant **attempts_bounded** violated (1 violation(s), 600 checked):\n\n"
              "  ```\n  op 43: attempt 4 sent at 42.088004 s, more than max_attempts 3\n"
              "      42.000000 s op=43 #0 key=0 op_started operation=create_page lane=normal\n"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("- gate **ops.success_ratio**: ops.success_ratio = 0.981667 (min 0.999): "
                    "fail\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(MarkdownSummary({good}).find("## Failures"), std::string::npos);
}

// --- JUnit -------------------------------------------------------------------------------------

TEST(Junit, ParsesAsXmlWithACasePerInvariantAndGate) {
  const std::string xml = JunitXml({SampleResult(), SampleResult(Failing())});
  XmlParser parser(xml);
  std::unique_ptr<XmlNode> root = parser.Parse();
  ASSERT_NE(root, nullptr) << parser.error() << "\n" << xml;
  EXPECT_EQ(root->name, "testsuites");
  const std::size_t per_suite = static_cast<std::size_t>(checks::kInvariantCount) + 3;
  EXPECT_EQ(root->attrs.at("tests"), std::to_string(2 * per_suite));
  EXPECT_EQ(root->attrs.at("failures"), "2");
  // junit-10.xsd has no `skipped` on <testsuites> (the suites carry it).
  EXPECT_EQ(root->attrs.count("skipped"), 0u);
  EXPECT_EQ(root->attrs.at("time"), "0.025");  // the sum of the suites' wall times
  const auto suites = root->All("testsuite");
  ASSERT_EQ(suites.size(), 2u);
  EXPECT_EQ(suites[0]->attrs.at("name"), "storm_creates");
  EXPECT_EQ(suites[0]->attrs.at("failures"), "0");
  EXPECT_EQ(suites[0]->attrs.at("time"), "0.013");
  EXPECT_EQ(suites[0]->attrs.at("skipped"), "0");
  EXPECT_EQ(suites[0]->attrs.at("timestamp"), "2026-12-06T02:49:07Z");
  EXPECT_EQ(suites[0]->attrs.at("hostname"), "ci-runner-3");
  EXPECT_EQ(suites[0]->attrs.at("file"), "scenarios/library/storm_creates.json");
  EXPECT_EQ(suites[0]->All("testcase").size(), per_suite);
  EXPECT_EQ(suites[1]->attrs.at("failures"), "2");
  const auto cases = suites[1]->All("testcase");
  const auto attempts = std::find_if(cases.begin(), cases.end(), [](const XmlNode* c) {
    return c->attrs.at("name") == "attempts_bounded";
  });
  ASSERT_NE(attempts, cases.end());
  EXPECT_EQ((*attempts)->attrs.at("classname"), "storm_broken.invariants");
  const auto failure = (*attempts)->All("failure");
  ASSERT_EQ(failure.size(), 1u);
  EXPECT_EQ(failure[0]->attrs.at("message").rfind("op 43: attempt 4 sent at", 0), 0u);
  EXPECT_NE(failure[0]->text.find("attempt_sent operation=create_page"), std::string::npos);
  EXPECT_NE(failure[0]->text.find(
                "reproduce: notion-sim run scenarios/library/storm_broken.json --seed 7"),
            std::string::npos);
  const auto gate = std::find_if(cases.begin(), cases.end(), [](const XmlNode* c) {
    return c->attrs.at("name") == "ops.success_ratio min 0.999";
  });
  ASSERT_NE(gate, cases.end());
  EXPECT_EQ((*gate)->attrs.at("classname"), "storm_broken.gates");
  EXPECT_EQ((*gate)->All("failure").size(), 1u);
  const auto props = suites[0]->All("property");
  ASSERT_EQ(props.size(), 6u);
  EXPECT_EQ(props[5]->attrs.at("name"), "reproduce");
  EXPECT_EQ(props[5]->attrs.at("value"),
            "notion-sim run scenarios/library/storm_creates.json --seed 7");
}

TEST(Junit, EscapesWhatWouldBreakTheXml) {
  scenarios::RunResult r = SampleResult(Failing());
  r.scenario = "a<b>&\"c\"";
  r.checks.invariants[1].first_violation = "op 1: <evil> & \"quotes\"\nline two";
  XmlParser parser(JunitXml({r}));
  auto root = parser.Parse();
  ASSERT_NE(root, nullptr) << parser.error();
  EXPECT_EQ(root->All("testsuite")[0]->attrs.at("name"), "a<b>&\"c\"");
  EXPECT_EQ(root->All("failure")[0]->attrs.at("message"), "op 1: <evil> & \"quotes\"");
}

// --- HTML --------------------------------------------------------------------------------------

std::size_t Count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(Html, SelfContainedWithAnSvgPerChart) {
  const scenarios::RunResult r = SampleResult();
  const std::string html = HtmlReport(r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(Count(html, "<svg "), 5u);  // outcomes, requests, breakers, DLQ, latency
  EXPECT_EQ(Count(html, "</svg>"), 5u);
  for (const char* chart : {"outcomes", "requests", "breakers", "dlq", "latency"}) {
    EXPECT_NE(html.find("<figure data-chart=\"" + std::string(chart) + "\">"), std::string::npos)
        << chart;
  }
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_NE(html.find(XmlEscape(CapacityLine(r))), std::string::npos);
  EXPECT_NE(html.find("<code>notion-sim run scenarios/library/storm_creates.json --seed 7</code>"),
            std::string::npos);
  EXPECT_NE(html.find(">faults end (window)</text>"), std::string::npos);
  EXPECT_NE(html.find(">recovered</text>"), std::string::npos);
  // Fault windows shaded on each of the five charts.
  EXPECT_EQ(Count(html, "<rect class=\"fault\""), 5u);
  // Breakers are named by tenant (key 1 is the second tenant), not by key.
  EXPECT_NE(html.find("<title>tenant globex: open 2.17 min"), std::string::npos);
  EXPECT_EQ(html.find("key 1"), std::string::npos);
  // The request budget: 400 per 60 s per tenant, 3 tenants, per 5 s bucket = 100.
  EXPECT_EQ(r.checks.metrics.bucket_us, Sec(5));
  EXPECT_NE(html.find(">budget 100 per 5 s (client_rate: 400 per 1 min per tenant × 3)</text>"),
            std::string::npos);
  // Tooltips carry the bucket and the rate per minute.
  EXPECT_NE(html.find("0 us – 5 s (5 s bucket): "), std::string::npos);
  EXPECT_NE(html.find("/min)</title>"), std::string::npos);
  // Latency on a log axis, decades labelled.
  EXPECT_NE(html.find("latency (log scale)"), std::string::npos);
  EXPECT_NE(html.find(">100 ms</text>"), std::string::npos);
  EXPECT_NE(html.find(">1 s</text>"), std::string::npos);
  // Cards carry their figure and what it means.
  EXPECT_NE(html.find("data-card=\"operations\" data-value=\"600\""), std::string::npos);
  EXPECT_NE(html.find("<dt>time to recover</dt><dd>From the end of the faults"), std::string::npos);
  EXPECT_NE(html.find("<dt>error budget burn</dt><dd>(1 − success ratio)"), std::string::npos);
  EXPECT_EQ(html.find("id=\"why\""), std::string::npos);  // it passed
  EXPECT_EQ(Count(html, "<path d="), 2u);                 // p50 and p99
  EXPECT_EQ(Count(html, "<html"), 1u);
  EXPECT_EQ(Count(html, "</html>"), 1u);
}

TEST(Html, TheAxisEndsWhereTheWorkEnds) {
  scenarios::RunResult r = SampleResult();
  // The fixture's work ends at 11 min; a run that idles on to 4 h still charts 11 min.
  ASSERT_EQ(r.checks.metrics.end_us, Min(11));
  r.checks.metrics.end_us = Min(240);
  const std::string html = HtmlReport(r);
  EXPECT_NE(html.find("The charts end where the work ended (" +
                      DurationText(r.checks.metrics.work_end_us + Sec(5) -
                                   r.checks.metrics.work_end_us % Sec(5)) +
                      "); the run went on idle to 4 h."),
            std::string::npos);
  EXPECT_NE(html.find(">10 min</text>"), std::string::npos);
  EXPECT_EQ(html.find(">1 h</text>"), std::string::npos);
}

// A workflow of 1,000 items, 10 ended per 5 s bucket from 0 to 500 s, at 3 Notion calls per item
// against a budget of 180 requests per minute (60 items per minute).
checks::WorkflowMetrics EnrichWorkflow() {
  checks::WorkflowMetrics w;
  w.name = "enrich";
  w.items_started = 1000;
  w.items[0] = 1000;
  w.first_release_us = 0;
  w.last_finish_us = Sec(500);
  w.makespan_us = Sec(500);
  w.latency.p99_us = Sec(30);
  w.notion_calls_per_item = 3;
  w.budget_requests_per_min = 180;
  w.done_per_bucket.assign(100, 10);
  return w;
}

TEST(Html, TheWorkflowChartIsATimeChartWithTheBudgetLine) {
  scenarios::RunResult r = SampleResult();
  ASSERT_EQ(r.checks.metrics.bucket_us, Sec(5));
  r.checks.metrics.workflows.push_back(EnrichWorkflow());
  const std::string html = HtmlReport(r);
  const std::size_t at = html.find("<figure data-chart=\"workflow-enrich\">");
  ASSERT_NE(at, std::string::npos);
  const std::string fig = html.substr(at, html.find("</figure>", at) - at);
  EXPECT_EQ(Count(html, "<svg "), 6u);  // the five run charts and this one
  EXPECT_EQ(Count(fig, "<svg "), 1u);
  EXPECT_NE(fig.find("<figcaption>Items of enrich done over time (cumulative)</figcaption>"),
            std::string::npos);
  // Round ticks on the shared axes: 0, 500 and 1,000 items; time in minutes like the others.
  for (const char* tick : {">0</text>", ">500</text>", ">1000</text>", ">10 min</text>"}) {
    EXPECT_NE(fig.find(tick), std::string::npos) << tick;
  }
  // A tooltip per bucket; the budget line (dashed, 180 / 3 = 60 items per minute) with its own.
  EXPECT_EQ(Count(fig, "fill=\"transparent\""), 100u);
  EXPECT_NE(fig.find("<title>0 us – 5 s: 10 items ended, 10 of 1,000 done (1 %)</title>"),
            std::string::npos);
  EXPECT_NE(fig.find("<title>8.25 min – 8.33 min: 10 items ended, 1,000 of 1,000 done (100 %)"),
            std::string::npos);
  EXPECT_NE(fig.find("stroke-dasharray=\"6 4\"><title>at the budget: 60 items/min (180 Notion "
                     "req/min over 3 Notion calls per item)</title>"),
            std::string::npos);
  EXPECT_NE(fig.find("<title>items done: 1,000 of 1,000</title>"), std::string::npos);
  EXPECT_NE(fig.find(">all done: 8 min 20 s</text>"), std::string::npos);
  // The run's fault window is shaded here too, as on the five other charts.
  EXPECT_EQ(Count(fig, "<rect class=\"fault\""), 1u);
  EXPECT_NE(fig.find("<p class=\"note\">The dashed line is the fastest pace the Notion budget"),
            std::string::npos);
  // Without a known budget there is no budget line, and the note says so.
  r.checks.metrics.workflows[0].budget_requests_per_min = 0;
  EXPECT_NE(HtmlReport(r).find("No budget line: the Notion budget of its tokens is not known."),
            std::string::npos);
}

TEST(Text, TheSummaryCountsAWorkflowsItemsNotItsRun) {
  scenarios::RunResult r = SampleResult();
  const std::string plain = WorkText(r);
  EXPECT_EQ(plain.rfind("600 ops (", 0), 0u) << plain;
  EXPECT_NE(plain.find(", p99 "), std::string::npos) << plain;
  r.checks.metrics.workflows.push_back(EnrichWorkflow());
  EXPECT_EQ(WorkText(r),
            "1,000 items of enrich (1,000 succeeded, 0 degraded, 0 failed, 0 dead-lettered, 0 "
            "aborted, 0 unfinished; item p99 30 s); " +
                plain.substr(0, plain.find(", p99 ")));
  EXPECT_NE(SummaryLine(r).find(": pass, 1,000 items of enrich (1,000 succeeded"),
            std::string::npos)
      << SummaryLine(r);
}

TEST(Html, EscapesScenarioTextAndShowsWhyItFailed) {
  scenarios::RunResult r = SampleResult(Failing());
  r.purpose = "<script>alert(1)</script>";
  const std::string html = HtmlReport(r);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("class=\"verdict fail\">FAIL"), std::string::npos);
  EXPECT_NE(html.find("<pre>op 43: attempt 4 sent at"), std::string::npos);
  // The box at the top, before the charts, says what broke and when.
  const std::size_t why = html.find("<div class=\"why\" id=\"why\"><h2>Why it failed</h2>");
  ASSERT_NE(why, std::string::npos);
  EXPECT_LT(why, html.find("<figure"));
  const checks::InvariantResult& attempts = r.checks.invariants[1];
  ASSERT_EQ(attempts.name, "attempts_bounded");
  ASSERT_FALSE(attempts.violations.empty());
  EXPECT_NE(html.find("<li><b>invariant attempts_bounded</b> violated at " +
                      DurationText(attempts.violations.front().at_us) +
                      " (1 violation): op 43: attempt 4 sent at"),
            std::string::npos);
  EXPECT_NE(html.find("<li><b>gate</b> ops.success_ratio"), std::string::npos);
  // And each chart marks the violation's time.
  EXPECT_EQ(Count(html, "<g class=\"violation\">"), 5u);
  EXPECT_NE(html.find(">✗ attempts_bounded</text>"), std::string::npos);
}

TEST(Html, EmptyChartsAreLeftOutAndSaidSo) {
  scenarios::RunResult r;
  r.scenario = "empty";
  std::string html = HtmlReport(r);
  EXPECT_EQ(Count(html, "<svg "), 0u);
  EXPECT_NE(html.find("Not drawn — outcomes: no operation finished; requests: no request was "
                      "sent; breakers: no breaker changed state (all stayed closed); DLQ: "
                      "nothing entered the dead-letter queue; latency: no operation finished."),
            std::string::npos);
  // A run with traffic but no breaker or DLQ activity draws the other three.
  r = SampleResult();
  r.checks.metrics.breakers.clear();
  r.checks.metrics.dlq_depth_max = 0;
  html = HtmlReport(r);
  EXPECT_EQ(Count(html, "<svg "), 3u);
  EXPECT_NE(html.find("breakers: no breaker changed state"), std::string::npos);
}

TEST(Html, IndexListsEveryScenarioWithVerdictFiguresAndLinks) {
  const scenarios::RunResult good = SampleResult();
  const scenarios::RunResult bad = SampleResult(Failing());
  const std::string html = IndexHtml({good, bad}, {"storm_creates.html", "storm_broken.html"});
  EXPECT_NE(html.find("<title>notion-sim run — notion-sim</title>"), std::string::npos);
  EXPECT_NE(html.find("2 scenarios <span class=\"verdict fail\">1 FAILED</span>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr data-scenario=\"storm_creates\" data-verdict=\"pass\"><td><a "
                      "href=\"storm_creates.html\">storm_creates</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr data-scenario=\"storm_broken\" data-verdict=\"fail\"><td><a "
                      "href=\"storm_broken.html\">storm_broken</a>"),
            std::string::npos);
  EXPECT_NE(html.find("data-ops=\"600\">600</td>"), std::string::npos);
  EXPECT_NE(html.find("<div class=\"violated\">invariant attempts_bounded: op 43: attempt 4"),
            std::string::npos);
  EXPECT_NE(html.find("href=\"junit.xml\""), std::string::npos);
  EXPECT_NE(html.find("Run at 2026-12-06T02:49:07Z on ci-runner-3."), std::string::npos);
}

using RenderTest = TempDir;

TEST_F(RenderTest, WritesMarkdownJunitOneHtmlPerResultAndTheIndex) {
  scenarios::RunResult again = SampleResult();
  again.seed = 8;
  auto written = WriteReports({SampleResult(), again, SampleResult(Failing())}, Path("r"));
  ASSERT_TRUE(written.ok()) << written.error().message;
  const std::vector<std::string> expected = {Path("r/summary.md"),
                                             Path("r/junit.xml"),
                                             Path("r/storm_creates-seed7.html"),
                                             Path("r/storm_creates-seed8.html"),
                                             Path("r/storm_broken.html"),
                                             Path("r/index.html")};
  EXPECT_EQ(*written, expected);
  for (const std::string& f : expected) EXPECT_TRUE(std::filesystem::exists(f)) << f;
  std::ifstream in(Path("r/index.html"));
  const std::string index((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(index.find("href=\"storm_creates-seed8.html\""), std::string::npos);
}

// --- Baseline ----------------------------------------------------------------------------------

TEST(Baseline, FlagsMetricsThatGotWorseBeyondTolerance) {
  SampleOptions slower;
  slower.extra_latency_us = Ms(300);
  const scenarios::RunResult base = SampleResult();
  const scenarios::RunResult now = SampleResult(slower);
  ASSERT_EQ(now.verdict, checks::RunVerdict::kPass);  // absolute gates still pass
  Tolerances t;
  const Comparison c = CompareToBaseline({base}, {now}, t);
  EXPECT_GT(c.regressions, 0u);
  const auto p99 = std::find_if(c.deltas.begin(), c.deltas.end(),
                                [](const MetricDelta& d) { return d.metric == "latency_ms.p99"; });
  ASSERT_NE(p99, c.deltas.end());
  EXPECT_EQ(p99->change, Change::kRegressed);
  EXPECT_EQ(p99->text, "latency_ms.p99 " + checks::FormatNumber(*p99->baseline) + " -> " +
                           checks::FormatNumber(*p99->current) + " (+" +
                           p99->text.substr(p99->text.find('(') + 2, 4) + " %, tolerance 5 %)");
  const auto ok = std::find_if(c.deltas.begin(), c.deltas.end(),
                               [](const MetricDelta& d) { return d.metric == "http_5xx"; });
  ASSERT_NE(ok, c.deltas.end());
  EXPECT_EQ(ok->change, Change::kWithin);
  // The same run is never a regression; a generous tolerance forgives the slowdown.
  EXPECT_EQ(CompareToBaseline({base}, {base}, t).regressions, 0u);
  Tolerances loose;
  ASSERT_TRUE(ParseTolerance("400%", loose).ok());
  EXPECT_EQ(CompareToBaseline({base}, {now}, loose).regressions, 0u);
  // Improvements are reported as such.
  const Comparison back = CompareToBaseline({now}, {base}, t, {"latency_ms.p99"});
  ASSERT_EQ(back.deltas.size(), 1u);
  EXPECT_EQ(back.deltas[0].change, Change::kImproved);
}

// Without --metric, a run's workflow and step metrics are compared too: a makespan 10 % longer is
// a regression, a step that got faster an improvement, a workflow gone is lost data.
TEST(Baseline, ComparesWorkflowMetricsByDefault) {
  scenarios::RunResult base = SampleResult();
  base.checks.metrics.workflows.push_back(EnrichWorkflow());
  checks::StepMetrics read;
  read.name = "read";
  read.runs = 1000;
  read.latency.p99_us = Ms(800);
  base.checks.metrics.workflows[0].steps.push_back(read);
  scenarios::RunResult now = base;
  now.checks.metrics.workflows[0].makespan_us = Sec(550);
  now.checks.metrics.workflows[0].steps[0].latency.p99_us = Ms(400);
  const Comparison c = CompareToBaseline({base}, {now}, Tolerances{});
  EXPECT_EQ(c.regressions, 1u);
  auto delta = [&](const std::string& name) {
    const auto it = std::find_if(c.deltas.begin(), c.deltas.end(),
                                 [&](const MetricDelta& d) { return d.metric == name; });
    return it == c.deltas.end() ? MetricDelta{} : *it;
  };
  EXPECT_EQ(delta("workflow.enrich.makespan_s").change, Change::kRegressed);
  EXPECT_EQ(delta("workflow.enrich.makespan_s").text,
            "workflow.enrich.makespan_s 500 -> 550 (+10.0 %, tolerance 5 %)");
  EXPECT_EQ(delta("workflow.enrich.step.read.latency_ms.p99").change, Change::kImproved);
  EXPECT_EQ(delta("workflow.enrich.items_per_min").change, Change::kWithin);
  // The baseline's workflow is gone from the current run: its metrics lost their data.
  scenarios::RunResult gone = base;
  gone.checks.metrics.workflows.clear();
  const Comparison lost = CompareToBaseline({base}, {gone}, Tolerances{});
  EXPECT_NE(std::find_if(lost.deltas.begin(), lost.deltas.end(),
                         [](const MetricDelta& d) {
                           return d.metric == "workflow.enrich.makespan_s" &&
                                  d.change == Change::kLostData;
                         }),
            lost.deltas.end());
}

TEST(Baseline, MatchesByNameAndReportsScenariosWithoutBaseline) {
  scenarios::RunResult other = SampleResult();
  other.scenario = "new_one";
  const Comparison c = CompareToBaseline({SampleResult(Failing())}, {SampleResult(), other},
                                         Tolerances{}, {"ops.failed"});
  EXPECT_EQ(c.without_baseline, std::vector<std::string>({"storm_creates", "new_one"}));
  EXPECT_EQ(c.missing, std::vector<std::string>({"storm_broken"}));
  EXPECT_TRUE(c.deltas.empty());
}

TEST(Baseline, ToleranceSyntax) {
  Tolerances t;
  ASSERT_TRUE(ParseTolerance("0.1", t).ok());
  EXPECT_EQ(t.global, 0.1);
  ASSERT_TRUE(ParseTolerance("latency_ms.p99=20%", t).ok());
  EXPECT_DOUBLE_EQ(t.For("latency_ms.p99"), 0.2);
  EXPECT_EQ(t.For("http_429"), 0.1);
  EXPECT_FALSE(ParseTolerance("latency.p99=0.1", t).ok());
  EXPECT_NE(ParseTolerance("latency.p99=0.1", t).error().message.find("unknown metric"),
            std::string::npos);
  EXPECT_FALSE(ParseTolerance("ten", t).ok());
  EXPECT_FALSE(ParseTolerance("-1", t).ok());
}

// Issue 14: `--tolerance 5` was read as 5 (500 %): a gate that forgave anything. A bare number is a
// fraction at most 1; "5%" and "0.05" are the two ways to say five percent.
TEST(Baseline, ABareToleranceAboveOneIsRefusedNamingTheFlag) {
  Tolerances t;
  ASSERT_TRUE(ParseTolerance("5%", t).ok());
  EXPECT_DOUBLE_EQ(t.global, 0.05);
  ASSERT_TRUE(ParseTolerance("0.05", t).ok());
  EXPECT_DOUBLE_EQ(t.global, 0.05);
  ASSERT_TRUE(ParseTolerance("1", t).ok());
  EXPECT_DOUBLE_EQ(t.global, 1.0);
  const Status five = ParseTolerance("5", t);
  ASSERT_FALSE(five.ok());
  EXPECT_EQ(five.error().message,
            "--tolerance 5: a bare number is a fraction, so 5 would allow 500 %; write 5% for 5 "
            "percent (or 0.05)");
  EXPECT_DOUBLE_EQ(t.global, 1.0);  // unchanged
  const Status per = ParseTolerance("latency_ms.p99=20", t);
  ASSERT_FALSE(per.ok());
  EXPECT_NE(per.error().message.find("--tolerance latency_ms.p99=20: a bare number"),
            std::string::npos);
  const Result<double> compare = ParseFractionFlag("--tolerance", "25");
  ASSERT_FALSE(compare.ok());
  EXPECT_DOUBLE_EQ(*ParseFractionFlag("--tolerance", "25%"), 0.25);
}

}  // namespace
}  // namespace notion_sim::reports
