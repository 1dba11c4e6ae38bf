// notion-sim shrink as a library: a failing variant of a library scenario shrinks to one stream and
// one fault rule that fails the same way on the same seed; the shrink is deterministic, bounded,
// and refuses a scenario that does not fail.
#include "notion_sim/explore/shrink.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <set>

#include "notion_sim/scenarios/run.h"
#include "notion_sim/scenarios/scenario.h"

namespace notion_sim::explore {
namespace {

using nlohmann::json;

// lost_creates (creates whose responses are lost after they committed, and 503s after commits)
// through the tutorial's fixed-delay wrapper, which retries blindly: creates are made twice.
json BlindBurst() {
  std::ifstream in(NSIM_LIBRARY "/lost_creates.json");
  json doc = json::parse(in);
  doc["name"] = "lost_creates_blind";
  doc["stack"] = {{"profile", "fixed-delay"}};
  return doc;
}

bool FailsWith(const json& doc, const std::string& check) {
  auto spec = scenarios::ParseScenario(doc.dump(), "shrunk");
  if (!spec.ok()) return false;
  auto result = scenarios::RunScenario(*spec);
  if (!result.ok()) return false;
  for (const Failure& f : CheckRun(*spec, *result)) {
    if (f.check == check) return true;
  }
  return false;
}

TEST(Shrink, ALibraryVariantShrinksToOneStreamAndOneFaultRule) {
  const json doc = BlindBurst();
  ASSERT_TRUE(FailsWith(doc, "no_duplicate_creates"));
  ShrinkOptions o;
  o.check = "no_duplicate_creates";
  o.max_runs = 300;
  std::uint64_t progress_calls = 0;
  o.progress = [&](const ShrinkProgress& p) {
    ++progress_calls;
    EXPECT_EQ(p.runs, progress_calls + 1);  // the first run judges the original
  };
  auto r = Shrink(doc, "lost_creates_blind", o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  // Before: lost_creates as the library has it (its gates make it fail in more ways too).
  EXPECT_EQ(r->before.fault_rules, 2u);
  EXPECT_EQ(r->before.streams, 1u);
  EXPECT_EQ(r->before.duration_s, 1500.0);
  // After: one stream of creates, one fault rule, a shorter day; it fails the same way.
  EXPECT_EQ(r->after.streams, 1u);
  EXPECT_EQ(r->after.fault_rules, 1u);
  EXPECT_EQ(r->after.duration_s, 2.0);  // 1 s of safety, 1 s of liveness
  EXPECT_EQ(r->minimal["faults"][0]["action"], "commit_then_503");
  EXPECT_EQ(r->minimal["faults"][0]["trigger"], json({{"first", 1}}));
  EXPECT_EQ(r->minimal["workload"]["streams"][0]["operation"], "create_page");
  EXPECT_EQ(r->failure.check, "no_duplicate_creates");
  EXPECT_FALSE(r->bounded);
  EXPECT_EQ(r->runs, 33u);
  EXPECT_EQ(r->notes.size(), 21u);  // a rule; safety halved 10 times, liveness 8; a trigger; a rate
  EXPECT_NE(r->minimal["purpose"].get<std::string>().find("removed"), std::string::npos);
  EXPECT_TRUE(FailsWith(r->minimal, "no_duplicate_creates"));
  std::cout << "shrink: " << r->before.Text() << " -> " << r->after.Text() << " in " << r->runs
            << " runs\n";
  for (const std::string& n : r->notes) std::cout << "  " << n << "\n";

  // Deterministic: the same document, check and bound give the same file.
  ShrinkOptions again = o;
  again.progress = nullptr;
  auto r2 = Shrink(doc, "lost_creates_blind", again);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->minimal, r->minimal);
  EXPECT_EQ(r2->runs, r->runs);
}

TEST(Shrink, BoundedInRuns) {
  ShrinkOptions o;
  o.check = "no_duplicate_creates";
  o.max_runs = 5;
  auto r = Shrink(BlindBurst(), "lost_creates_blind", o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->bounded);
  EXPECT_EQ(r->runs, 5u);
  EXPECT_TRUE(FailsWith(r->minimal, "no_duplicate_creates"));  // what it kept still fails
  int asked = 0;
  ShrinkOptions stop;
  stop.stop = [&asked] { return ++asked > 3; };  // the caller's time bound, here by count
  auto s = Shrink(BlindBurst(), "lost_creates_blind", stop);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->bounded);
  EXPECT_EQ(s->runs, 4u);
}

TEST(Shrink, RefusesWhatDoesNotFail) {
  std::ifstream in(NSIM_LIBRARY "/burst_5xx.json");
  const json held = json::parse(in);  // the recommended stack holds
  auto r = Shrink(held, "burst_5xx", ShrinkOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not fail"), std::string::npos);
  ShrinkOptions other;
  other.check = "retry_after_respected";
  auto wrong = Shrink(BlindBurst(), "lost_creates_blind", other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("no_duplicate_creates"), std::string::npos);
}

TEST(Shrink, EverySectionHasItsSteps) {
  std::set<std::string> names;
  for (const ShrinkStep& s : ShrinkSteps()) names.insert(s.name);
  for (const char* n : {"fault rules", "streams", "batches", "enrich", "tenants", "safety phase",
                        "windows", "triggers", "rates", "records"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  // A step's candidates leave the input alone and say what they change.
  const json doc = BlindBurst();
  for (const ShrinkStep& s : ShrinkSteps()) {
    for (const Candidate& c : s.candidates(doc)) {
      EXPECT_NE(c.doc, doc) << s.name;
      EXPECT_FALSE(c.note.empty()) << s.name;
    }
  }
}

}  // namespace
}  // namespace notion_sim::explore
