// Whole-stack property tests: generated fault plans, stacks and workloads, every invariant checked
// on each run in virtual time. A failing case is shrunk by rapidcheck and the minimal one is
// written as a scenario file that `notion-sim run` reproduces.
//
// The planted bugs prove the checks can fail: each stack below is broken on purpose (a retry of
// creates after 5xx/lost responses without reconcile, a half-open breaker that lets every call
// through, a retry that ignores Retry-After, a limiter that leaks) and each must be caught and
// shrunk to a small case, which `notion-sim run` must then fail on.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/detail/TestListener.h>
#include <rapidcheck/detail/TestMetadata.h>
#include <rapidcheck/detail/TestParams.h>

#include "generators.h"
#include "notion_sim/explore/case.h"
#include "notion_sim/explore/properties.h"
#include "notion_sim/explore/shrink.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::explore {
namespace {

using testing::GenCase;
using testing::GenFault;
using testing::GenStack;
using testing::GenStream;

std::string OutDir() { return NSIM_TEST_OUT; }

// The planted bugs fail on purpose: keep them out of rapidcheck's global "reproduce with
// RC_PARAMS" note at exit, which would read like a real failure.
class QuietListener final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription& /*description*/) override {}
  void onShrinkTried(const rc::detail::CaseDescription& /*shrink*/, bool /*accepted*/) override {}
  void onTestFinished(const rc::detail::TestMetadata& /*metadata*/,
                      const rc::detail::TestResult& /*result*/) override {}
};

struct Hunt {
  bool failed = false;
  std::string message;  // rapidcheck's description of the minimal failure
  std::string path;     // the minimal case's scenario file
  CaseModel minimal;    // the last failing case (rapidcheck runs the minimal one last)
  std::vector<Failure> failures;
  int cases = 0;  // property evaluations (generated + shrinking)
};

// Checks "every property holds" on cases from `gen` with a fixed rapidcheck seed (so the test is
// the same on every run), writing each failing case to OUT/<name>.json.
Hunt Check(const std::string& name, const rc::Gen<CaseModel>& gen, int max_success) {
  Hunt hunt;
  std::error_code ec;
  std::filesystem::remove(OutDir() + "/" + name + ".json", ec);  // no stale case from a past run
  const auto property = [&] {
    const CaseModel c = *gen;
    ++hunt.cases;
    const nlohmann::json doc = CaseToScenario(c, name);
    auto spec = scenarios::ParseScenario(doc.dump(2), name);
    RC_ASSERT(spec.ok());
    auto result = scenarios::RunScenario(*spec);
    RC_ASSERT(result.ok());
    const std::vector<Failure> failures = CheckRun(*spec, *result, CheckOptions{.gates = false});
    if (failures.empty()) return;
    auto path = WriteCase(doc, OutDir(), name);
    RC_ASSERT(path.ok());
    hunt.path = *path;
    hunt.minimal = c;
    hunt.failures = failures;
    RC_FAIL(failures.front().Title() + ": " + failures.front().detail +
            "\n  case: " + DescribeCase(c) + "\n  scenario: " + *path +
            "\n  reproduce: " + failures.front().Reproduce(*path));
  };
  rc::detail::TestMetadata metadata;
  metadata.id = name;
  metadata.description = name;
  rc::detail::TestParams params;
  params.seed = 20260101;
  params.maxSuccess = max_success;
  params.maxSize = 100;
  QuietListener listener;
  const rc::detail::TestResult result =
      rc::detail::checkTestable(property, metadata, params, listener);
  rc::detail::FailureResult failure;
  if (result.match(failure)) {
    hunt.failed = true;
    hunt.message = failure.description;
  }
  return hunt;
}

bool Has(const std::vector<Failure>& failures, const std::string& check) {
  for (const Failure& f : failures) {
    if (f.check == check) return true;
  }
  return false;
}

// The failure's reproduce command on the minimal case (`notion-sim run FILE`, or `notion-sim
// explore FILE --seeds 1` for explore's own checks): exit 1 and the check named in its output.
void ExpectCliReproduces(const Hunt& hunt, const std::string& check) {
  // Per test (CTest may run the tests of this binary in parallel).
  const std::string stem = std::filesystem::path(hunt.path).stem().string();
  const std::string log = OutDir() + "/" + stem + ".rerun.log";
  Failure failure;
  for (const Failure& f : hunt.failures) {
    if (f.check == check) failure = f;
  }
  ASSERT_EQ(failure.check, check);
  const std::string reproduce = failure.Reproduce(hunt.path);
  const std::string out = " --out " + OutDir() + "/rerun-" + stem;
  const std::string cmd = std::string(NSIM_CLI) + reproduce.substr(reproduce.find(' ')) + out +
                          " --quiet > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << cmd;
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  if (failure.SeenByRun()) {
    EXPECT_NE(text.str().find("invariant " + check), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("reproduce: notion-sim run " + hunt.path), std::string::npos)
        << text.str();
  } else {
    EXPECT_NE(text.str().find("safety: " + check), std::string::npos) << text.str();
  }
}

// The written file, loaded as `notion-sim run` loads it, fails the same check again.
void ExpectFileReproduces(const Hunt& hunt, const std::string& check) {
  auto spec = scenarios::LoadScenario(hunt.path);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  auto result = scenarios::RunScenario(*spec);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(Has(CheckRun(*spec, *result, CheckOptions{.gates = false}), check));
}

void Report(const std::string& name, const Hunt& hunt) {
  std::cout << name << ": " << hunt.cases << " case(s) run; minimal: " << DescribeCase(hunt.minimal)
            << "\n  " << hunt.message << "\n";
}

const std::vector<std::string> kReadWrite = {"create_page", "retrieve_page", "update_page",
                                             "query_data_source"};

// ---- The planted bugs -------------------------------------------------------------------------

TEST(PlantedBugs, RetryingCreatesWithoutReconcileIsCaughtAndShrunk) {
  // Retries every failure, creates included, and never looks for the page first.
  const auto stack = rc::gen::map(GenStack({"recommended"}, false, false), [](StackModel s) {
    s.retry_rules = "any_failure";
    s.reconcile = "off";
    s.max_attempts = std::max(2, s.max_attempts);
    return s;
  });
  const auto gen = GenCase(
      stack, GenFault({"respond", "commit_then_503", "lose_after_commit"}, {"", "create_page"}),
      GenStream(kReadWrite), 3);
  const Hunt hunt = Check("planted_blind_create_retry", gen, 100);
  Report("blind create retry", hunt);
  ASSERT_TRUE(hunt.failed) << "the planted bug was not caught";
  EXPECT_TRUE(Has(hunt.failures, "no_duplicate_creates"));
  EXPECT_EQ(hunt.minimal.faults.size(), 1u);
  EXPECT_EQ(hunt.minimal.streams.size(), 1u);
  EXPECT_EQ(hunt.minimal.streams[0].operation, "create_page");
  EXPECT_NE(hunt.minimal.faults[0].action, "respond");  // a write that committed, then failed
  ExpectFileReproduces(hunt, "no_duplicate_creates");
  ExpectCliReproduces(hunt, "no_duplicate_creates");
}

TEST(PlantedBugs, HalfOpenAdmittingEveryCallIsCaughtAndShrunk) {
  const auto stack =
      GenStack({"notionhq-client-v5"}, /*breaker=*/true, false, "half_open_admits_all");
  const auto gen = GenCase(stack, GenFault({"respond"}), GenStream(kReadWrite, 500), 3, 1);
  const Hunt hunt = Check("planted_half_open_admits_all", gen, 100);
  Report("half-open admits all", hunt);
  ASSERT_TRUE(hunt.failed) << "the planted bug was not caught";
  EXPECT_TRUE(Has(hunt.failures, "half_open_probes"));
  EXPECT_EQ(hunt.minimal.faults.size(), 1u);
  EXPECT_EQ(hunt.minimal.streams.size(), 1u);
  ExpectFileReproduces(hunt, "half_open_probes");
  // The half-open bound is explore's check: its command is `notion-sim explore FILE --seeds 1`.
  ExpectCliReproduces(hunt, "half_open_probes");
}

TEST(PlantedBugs, IgnoringRetryAfterIsCaughtAndShrunk) {
  const auto stack = rc::gen::map(GenStack({"notionhq-client-v5"}, false, false), [](StackModel s) {
    s.retry_after = "ignore";
    return s;
  });
  const auto gen = GenCase(stack, GenFault({"respond"}), GenStream(kReadWrite), 3);
  const Hunt hunt = Check("planted_ignore_retry_after", gen, 100);
  Report("ignores Retry-After", hunt);
  ASSERT_TRUE(hunt.failed) << "the planted bug was not caught";
  EXPECT_TRUE(Has(hunt.failures, "retry_after_respected"));
  // Small: the fake's own rate limit (429 with Retry-After) is enough, or one 429 rule.
  EXPECT_LE(hunt.minimal.faults.size(), 1u);
  EXPECT_LE(hunt.minimal.streams.size(), 2u);
  for (const FaultModel& f : hunt.minimal.faults) EXPECT_GT(f.retry_after_s, 0);
  ExpectFileReproduces(hunt, "retry_after_respected");
  ExpectCliReproduces(hunt, "retry_after_respected");
}

TEST(PlantedBugs, LeakingLimiterIsCaughtAndShrunk) {
  const auto stack = GenStack({"notionhq-client-v5"}, false, /*limiter=*/true, "limiter_leaks");
  const auto gen = GenCase(stack, GenFault({"respond"}), GenStream(kReadWrite, 200), 2);
  const Hunt hunt = Check("planted_limiter_leaks", gen, 100);
  Report("leaking limiter", hunt);
  ASSERT_TRUE(hunt.failed) << "the planted bug was not caught";
  EXPECT_TRUE(Has(hunt.failures, "client_rate"));
  EXPECT_EQ(hunt.minimal.faults.size(), 0u);  // no fault needed: the limiter alone leaks
  EXPECT_EQ(hunt.minimal.streams.size(), 1u);
  ExpectFileReproduces(hunt, "client_rate");
  ExpectCliReproduces(hunt, "client_rate");
}

// ---- The same stacks without the bugs hold ----------------------------------------------------

TEST(WholeStack, CorrectBreakerAndLimiterHoldEveryInvariant) {
  const auto stack = GenStack({"notionhq-client-v5"}, true, true);
  const auto gen =
      GenCase(stack, GenFault({"respond", "delay", "reset"}), GenStream(kReadWrite, 300), 3);
  const Hunt hunt = Check("healthy_breaker_limiter", gen, 40);
  EXPECT_FALSE(hunt.failed) << hunt.message;
}

TEST(WholeStack, RecommendedStackHoldsEveryInvariant) {
  const auto stack = GenStack({"recommended"}, false, false);
  const auto gen = GenCase(
      stack,
      GenFault({"respond", "lose_after_commit", "commit_then_503", "delay", "hang", "reset"},
               {"", "create_page", "update_page"}),
      GenStream(kReadWrite), 3);
  const Hunt hunt = Check("healthy_recommended", gen, 40);
  EXPECT_FALSE(hunt.failed) << hunt.message;
}

// Workflows over a bad day: every item ends exactly once (items_end_once) and every call keeps
// the stack's invariants, whatever the steps, their policies, the listing and the workers.
TEST(WholeStack, WorkflowsEndEveryItemOnce) {
  const auto stack = GenStack({"recommended", "notionhq-client-v5"}, false, false);
  const auto workflow = testing::GenWorkflow(
      {"retrieve_page", "update_page", "upstream_complete", "append_blocks", "create_page",
       "list_block_children"},
      {"", "skip", "dead_letter", "retry_later", "continue", "abort", "goto_last"});
  const auto gen = testing::WithWorkflows(
      GenCase(stack,
              GenFault({"respond", "delay", "reset", "lose_after_commit"},
                       {"", "upstream_complete", "update_page", "retrieve_page"}),
              GenStream(kReadWrite, 20), 3),
      workflow);
  const Hunt hunt = Check("healthy_workflows", gen, 40);
  EXPECT_FALSE(hunt.failed) << hunt.message;
}

// ---- explore --shrink -------------------------------------------------------------------------

// Each distinct failure a run shows gets a shrunk file beside its reproducing file, and each shrunk
// file, run again, still fails the same check (lost_creates through the blindly retrying
// fixed-delay wrapper: on seed 105 it fails no_duplicate_creates, ops_end_once, liveness and a
// gate).
TEST(ExploreShrink, EachDistinctFailureIsShrunkAndStillFailsTheSameWay) {
  const std::string dir = OutDir() + "/explore-shrink";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ifstream library(NSIM_LIBRARY "/lost_creates.json");
  nlohmann::json doc = nlohmann::json::parse(library);
  doc["name"] = "lost_creates_blind";
  doc["stack"] = {{"profile", "fixed-delay"}};
  std::ofstream(dir + "/blind.json") << doc.dump(2);
  const std::string cmd = std::string(NSIM_CLI) + " explore " + dir + "/blind.json --seeds 1 " +
                          "--shrink --shrink-runs 60 --out " + dir + "/out --quiet > " + dir +
                          "/explore.txt 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << cmd;
  std::ifstream summary_file(dir + "/out/explore.json");
  const nlohmann::json failures = nlohmann::json::parse(summary_file)["summary"]["failures"];
  ASSERT_EQ(failures.size(), 4u) << failures.dump(1);
  for (const nlohmann::json& f : failures) {
    std::string file = dir + "/out/" + f["file"].get<std::string>();
    file.replace(file.size() - 5, 5, ".shrunk.json");
    auto spec = scenarios::LoadScenario(file);
    ASSERT_TRUE(spec.ok()) << file << ": " << spec.error().message;
    auto result = scenarios::RunScenario(*spec);
    ASSERT_TRUE(result.ok());
    EXPECT_TRUE(Has(CheckRun(*spec, *result), f["check"].get<std::string>())) << file;
    const ScenarioSize size = SizeOf(spec->source);
    std::cout << f["check"].get<std::string>() << ": shrunk to " << size.Text() << "\n";
    if (f["check"] == "no_duplicate_creates") {
      EXPECT_EQ(size.streams, 1u);
      EXPECT_EQ(size.fault_rules, 1u);
      EXPECT_EQ(size.duration_s, 2.0);
    }
  }
}

}  // namespace
}  // namespace notion_sim::explore
