// The fault plan: matching, every trigger (exact counts from a fixed seed), every action as the
// core applies it, marking and journaling, parsing and replay.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ApiCode;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

FakeConfig Open() {
  FakeConfig c;
  c.workspace.rate_limits.mode = RateLimitMode::kOff;
  // Creates name parents they never made: the lenient creation a workspace can ask for.
  c.workspace.unknown_parent = UnknownParent::kCreate;
  return c;
}

engine::Request Me(std::uint64_t op_id = 0, std::uint32_t attempt = 1) {
  engine::Request r;
  r.operation = Operation::kUsersMe;
  r.op_id = op_id;
  r.attempt = attempt;
  return r;
}

engine::Request Create(std::uint64_t op_id = 1) {
  engine::Request r;
  r.operation = Operation::kCreatePage;
  r.parent = ObjectId{0xABC, 0xDEF};
  r.op_id = op_id;
  return r;
}

FaultRule Rule(FaultAction action, Trigger trigger = {}) {
  FaultRule r;
  r.action = action;
  r.trigger = trigger;
  return r;
}

// Which of `n` users_me requests the plan hit (1-based request numbers).
std::vector<int> Fired(FakeNotion& fake, int n) {
  std::vector<int> out;
  for (int i = 1; i <= n; ++i) {
    if (fake.Handle(Me()).injected) out.push_back(i);
  }
  return out;
}

Trigger Probability(double p) {
  Trigger t;
  t.kind = TriggerKind::kProbability;
  t.probability_ppb = ProbabilityToPpb(p);
  return t;
}

TEST(FaultTriggerTest, ProbabilityWithAFixedSeedGivesAnExactCount) {
  engine::ManualClock clock;
  FakeNotion a(clock, engine::Rng(2024), nullptr, Open());
  ASSERT_TRUE(a.faults().Add(Rule(FaultAction::kRespond, Probability(0.1))).ok());
  FakeNotion b(clock, engine::Rng(2024), nullptr, Open());
  ASSERT_TRUE(b.faults().Add(Rule(FaultAction::kRespond, Probability(0.1))).ok());
  const std::vector<int> fa = Fired(a, 1000);
  EXPECT_EQ(fa.size(), 92u);
  EXPECT_EQ(fa, Fired(b, 1000));  // same seed, same requests hit
  EXPECT_EQ(a.faults().Fired(1), 92u);
  EXPECT_EQ(a.faults().Matched(1), 1000u);
  EXPECT_EQ(a.stats().faults_injected, 92u);
  FakeNotion c(clock, engine::Rng(2025), nullptr, Open());
  ASSERT_TRUE(c.faults().Add(Rule(FaultAction::kRespond, Probability(0.1))).ok());
  EXPECT_NE(Fired(c, 1000), fa);
}

TEST(FaultTriggerTest, FirstNAndEveryNth) {
  engine::ManualClock clock;
  FakeNotion first(clock, engine::Rng(1), nullptr, Open());
  Trigger t;
  t.kind = TriggerKind::kFirstN;
  t.n = 3;
  ASSERT_TRUE(first.faults().Add(Rule(FaultAction::kRespond, t)).ok());
  EXPECT_EQ(Fired(first, 10), (std::vector<int>{1, 2, 3}));
  FakeNotion every(clock, engine::Rng(1), nullptr, Open());
  t.kind = TriggerKind::kEveryNth;
  ASSERT_TRUE(every.faults().Add(Rule(FaultAction::kRespond, t)).ok());
  EXPECT_EQ(Fired(every, 10), (std::vector<int>{3, 6, 9}));
  Trigger zero;
  zero.kind = TriggerKind::kFirstN;
  EXPECT_FALSE(every.faults().Add(Rule(FaultAction::kRespond, zero)).ok());
}

TEST(FaultTriggerTest, BurstsAreRunsOfTheirLength) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(77), nullptr, Open());
  Trigger t;
  t.kind = TriggerKind::kBurst;
  t.probability_ppb = ProbabilityToPpb(0.02);
  t.length = 4;
  ASSERT_TRUE(fake.faults().Add(Rule(FaultAction::kRespond, t)).ok());
  const std::vector<int> fired = Fired(fake, 1000);
  EXPECT_EQ(fired.size(), 72u);
  // Split into runs of consecutive requests; each is a whole number of bursts.
  std::size_t run = 1;
  for (std::size_t i = 1; i <= fired.size(); ++i) {
    if (i < fired.size() && fired[i] == fired[i - 1] + 1) {
      ++run;
    } else {
      EXPECT_EQ(run % 4, 0u) << "a run ending at request " << fired[i - 1];
      run = 1;
    }
  }
}

TEST(FaultTriggerTest, GilbertElliottHasBadSpells) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(5), nullptr, Open());
  Trigger t;
  t.kind = TriggerKind::kGilbertElliott;
  t.good_to_bad_ppb = ProbabilityToPpb(0.01);
  t.bad_to_good_ppb = ProbabilityToPpb(0.25);
  t.fire_good_ppb = 0;
  t.fire_bad_ppb = ProbabilityToPpb(1.0);
  ASSERT_TRUE(fake.faults().Add(Rule(FaultAction::kRespond, t)).ok());
  const std::vector<int> fired = Fired(fake, 2000);
  EXPECT_EQ(fired.size(), 69u);
  std::size_t longest = 1, run = 1;
  for (std::size_t i = 1; i < fired.size(); ++i) {
    run = fired[i] == fired[i - 1] + 1 ? run + 1 : 1;
    longest = std::max(longest, run);
  }
  EXPECT_GE(longest, 5u);  // bursty: consecutive failures, not scattered ones
}

TEST(FaultTriggerTest, TimeWindowAndMaxFires) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, Open());
  FaultRule r = Rule(FaultAction::kRespond);
  r.match.from_us = Sec(10);
  r.match.until_us = Sec(20);
  ASSERT_TRUE(fake.faults().Add(r).ok());
  std::vector<int> at_s;
  for (int s = 0; s < 30; ++s) {
    clock.Set(Sec(s));
    if (fake.Handle(Me()).injected) at_s.push_back(s);
  }
  EXPECT_EQ(at_s, (std::vector<int>{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
  FakeNotion capped(clock, engine::Rng(1), nullptr, Open());
  FaultRule m = Rule(FaultAction::kRespond);
  m.max_fires = 2;
  ASSERT_TRUE(capped.faults().Add(m).ok());
  EXPECT_EQ(Fired(capped, 5), (std::vector<int>{1, 2}));
}

TEST(FaultMatchTest, MethodPathOperationTenantToken) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, Open());
  FaultRule by_path = Rule(FaultAction::kRespond);
  by_path.match.path_glob = "/v1/pages/*";
  by_path.status = 502;
  ASSERT_TRUE(fake.faults().Add(by_path).ok());
  FaultRule by_token = Rule(FaultAction::kRespond);
  by_token.match.token = "tok_b";
  by_token.match.method = engine::Method::kGet;
  by_token.status = 504;
  ASSERT_TRUE(fake.faults().Add(by_token).ok());
  FaultRule by_tenant = Rule(FaultAction::kRespond);
  by_tenant.match.tenant = 3;
  by_tenant.match.operation = Operation::kUsersMe;
  by_tenant.status = 500;
  ASSERT_TRUE(fake.faults().Add(by_tenant).ok());

  const ObjectId page = HttpCall::Notion("POST", "/v1/pages", "tok_a")
                            .Body(R"({"parent":{"workspace":true}})")
                            .SendTo(fake)
                            .response.object_id;  // "/v1/pages" does not match "/v1/pages/*"
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(
      HttpCall::Notion("GET", "/v1/pages/" + page.ToString(), "tok_a").SendTo(fake).response.status,
      502);
  EXPECT_EQ(HttpCall::Notion("GET", "/v1/users/me", "tok_b").SendTo(fake).response.status, 504);
  EXPECT_EQ(HttpCall::Notion("POST", "/v1/search", "tok_b").SendTo(fake).response.status, 200);
  engine::Request me = Me();
  me.tenant = 3;
  EXPECT_EQ(fake.Handle(me).response.status, 500);
  me.tenant = 2;
  EXPECT_EQ(fake.Handle(me).response.status, 200);
  // In-process requests match path rules too (the path is rendered only when a rule needs it).
  engine::Request get;
  get.operation = Operation::kRetrievePage;
  get.target = page;
  EXPECT_EQ(fake.Handle(get).response.status, 502);
  EXPECT_TRUE(GlobMatch("/v1/*/query", "/v1/data_sources/abc/query"));
  EXPECT_FALSE(GlobMatch("/v1/*/query", "/v1/data_sources/abc/query/x"));
  EXPECT_TRUE(GlobMatch("*", ""));
}

TEST(FaultActionTest, RespondScriptsStatusCodeAndRetryAfter) {
  engine::ManualClock clock(Sec(10) + Ms(200));
  FakeNotion fake(clock, engine::Rng(1), nullptr, Open());
  FaultRule r = Rule(FaultAction::kRespond);
  r.status = 429;
  r.retry_after_s = 7;
  ASSERT_TRUE(fake.faults().Add(r).ok());
  Answer a = HttpCall::Notion("POST", "/v1/pages", "t")
                 .Body(R"({"parent":{"workspace":true}})")
                 .SendTo(fake);
  EXPECT_EQ(a.response.status, 429);
  EXPECT_EQ(a.response.code, ApiCode::kRateLimited);
  EXPECT_TRUE(a.response.injected);
  EXPECT_TRUE(a.injected);
  EXPECT_EQ(a.fault_rule_id, 1u);
  EXPECT_EQ(AnswerHeader(a, "retry-after"), "7");
  const json body = json::parse(a.body);
  EXPECT_EQ(body["additional_data"]["rate_limit_reason"], "public_api_request_rate_limit");
  EXPECT_EQ(body["additional_data"]["retry_after"], "7");
  EXPECT_EQ(fake.ledger().size(), 0u);  // nothing applied

  fake.faults().Clear();
  r.retry_after_form = RetryAfterForm::kHttpDate;
  ASSERT_TRUE(fake.faults().Add(r).ok());
  Answer date = fake.Handle(Me());
  // Now is 10.2 s after the epoch 2026-01-01T00:00:00Z; rounded up to 11 s, plus 7.
  EXPECT_EQ(date.response.retry_after, "Thu, 01 Jan 2026 00:00:18 GMT");

  fake.faults().Clear();
  r.retry_after_form = RetryAfterForm::kAbsent;
  r.status = 503;
  ASSERT_TRUE(fake.faults().Add(r).ok());
  Answer absent = HttpCall::Notion("GET", "/v1/users/me", "t").SendTo(fake);
  EXPECT_EQ(absent.response.code, ApiCode::kServiceUnavailable);
  EXPECT_EQ(AnswerHeader(absent, "retry-after"), "");
  EXPECT_EQ(json::parse(absent.body)["message"], "Notion is unavailable, please try again later.");

  fake.faults().Clear();
  FaultRule custom = Rule(FaultAction::kRespond);
  custom.status = 500;
  custom.code = ApiCode::kRateLimited;  // the SDK branches on the body code, not the status
  custom.message = "custom words";
  ASSERT_TRUE(fake.faults().Add(custom).ok());
  Answer odd = HttpCall::Notion("GET", "/v1/users/me", "t").SendTo(fake);
  EXPECT_EQ(odd.response.status, 500);
  EXPECT_EQ(json::parse(odd.body)["code"], "rate_limited");
  EXPECT_EQ(json::parse(odd.body)["message"], "custom words");
}

TEST(FaultActionTest, LoseAfterCommitAppliesTheWrite) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, Open());
  ASSERT_TRUE(fake.faults().Add(Rule(FaultAction::kLoseAfterCommit)).ok());
  Answer a = fake.Handle(Create(9));
  EXPECT_EQ(a.action, FaultAction::kLoseAfterCommit);
  EXPECT_EQ(a.loss, LossMode::kTimeout);
  EXPECT_TRUE(a.injected);
  ASSERT_EQ(fake.ledger().size(), 1u);
  EXPECT_EQ(fake.ledger()[0].op_id, 9u);
  EXPECT_EQ(fake.page_count(), 1u);
  EXPECT_TRUE(fake.journal().Entries()[0].committed);
}

TEST(FaultActionTest, CommitThen503NamesTheCommittedResource) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, Open());
  ASSERT_TRUE(fake.faults().Add(Rule(FaultAction::kCommitThen503)).ok());
  Answer a = HttpCall::Notion("POST", "/v1/pages", "t")
                 .Body(R"({"parent":{"workspace":true}})")
                 .SendTo(fake);
  EXPECT_EQ(a.response.status, 503);
  EXPECT_EQ(a.response.code, ApiCode::kServiceUnavailable);
  ASSERT_EQ(fake.ledger().size(), 1u);
  const json body = json::parse(a.body);
  EXPECT_EQ(body["additional_data"]["committed_resource_id"], fake.ledger()[0].object.ToString());
  EXPECT_EQ(a.response.object_id, fake.ledger()[0].object);
  // A read has nothing to commit: it answers normally.
  EXPECT_EQ(fake.Handle(Me()).response.status, 200);
}

TEST(FaultActionTest, DelayHangStallResetMalformedEdge) {
  engine::ManualClock clock;
  FakeNotion fake(clock, engine::Rng(1), nullptr, Open());
  FaultRule delay = Rule(FaultAction::kDelay);
  delay.delay = LatencyDist::Fixed(Ms(250));
  delay.max_fires = 1;
  ASSERT_TRUE(fake.faults().Add(delay).ok());
  Answer d = fake.Handle(Me());
  EXPECT_EQ(d.action, FaultAction::kDelay);
  EXPECT_EQ(d.delay_us, Ms(250));
  EXPECT_EQ(d.response.status, 200);

  auto one = [&](FaultAction action) {
    fake.faults().Clear();
    FaultRule r = Rule(action);
    if (action == FaultAction::kHtmlEdge) r.status = 502;
    EXPECT_TRUE(fake.faults().Add(r).ok());
    const std::size_t before = fake.ledger().size();
    Answer a = HttpCall::Notion("POST", "/v1/pages", "t")
                   .Body(R"({"parent":{"workspace":true}})")
                   .SendTo(fake);
    EXPECT_EQ(a.action, action);
    return std::make_pair(a, fake.ledger().size() - before);
  };
  EXPECT_EQ(one(FaultAction::kHang).second, 0u);
  EXPECT_EQ(one(FaultAction::kStallBody).second, 1u);  // headers went out: it was applied
  EXPECT_EQ(one(FaultAction::kReset).second, 0u);
  auto [malformed, applied] = one(FaultAction::kMalformedJson);
  EXPECT_EQ(applied, 0u);
  EXPECT_EQ(malformed.response.status, 200);
  EXPECT_TRUE(json::parse(malformed.body, nullptr, false).is_discarded());
  auto [edge, edge_applied] = one(FaultAction::kHtmlEdge);
  EXPECT_EQ(edge_applied, 0u);
  EXPECT_EQ(edge.response.status, 502);
  EXPECT_TRUE(edge.response.edge_error);
  EXPECT_FALSE(edge.response.code_known_to_sdk);
  EXPECT_EQ(AnswerHeader(edge, "content-type"), "text/html");
  EXPECT_NE(AnswerHeader(edge, "cf-ray"), "");
  EXPECT_EQ(AnswerHeader(edge, "x-notion-request-id"), "");
  EXPECT_NE(edge.body.find("<title>502 Bad Gateway</title>"), std::string::npos);
}

TEST(FaultPlanTest, InjectedFaultsAreTracedAndJournaled) {
  engine::ManualClock clock;
  engine::Trace trace;
  FakeNotion fake(clock, engine::Rng(3), &trace, Open());
  Trigger t;
  t.kind = TriggerKind::kEveryNth;
  t.n = 2;
  FaultRule r = Rule(FaultAction::kRespond, t);
  r.status = 500;
  ASSERT_TRUE(fake.faults().Add(r).ok());
  trace.Record(100);
  for (int i = 0; i < 6; ++i) fake.Handle(Me(static_cast<std::uint64_t>(i) + 1));
  EXPECT_EQ(trace.CountOf(engine::EventKind::kFaultInjected), 3u);
  EXPECT_EQ(trace.CountOf(engine::EventKind::kRequestReceived), 6u);
  for (const engine::Event& e : trace.recorded()) {
    if (e.kind != engine::EventKind::kFaultInjected) continue;
    EXPECT_EQ(e.a, static_cast<std::int64_t>(FaultAction::kRespond));
    EXPECT_EQ(e.b, 500);
    EXPECT_EQ(e.op_id % 2, 0u);
  }
  const std::vector<JournalEntry> entries = fake.journal().Entries();
  EXPECT_FALSE(entries[0].fault.fired());
  EXPECT_EQ(entries[1].fault.action, FaultAction::kRespond);
  EXPECT_EQ(entries[1].fault.rule_id, 1u);
  EXPECT_EQ(entries[1].op_id, 2u);
}

TEST(FaultPlanTest, AddingARuleDoesNotShiftAnotherRulesDraws) {
  engine::ManualClock clock;
  FaultRule creates = Rule(FaultAction::kRespond, Probability(0.3));
  creates.id = 10;
  creates.match.operation = Operation::kUsersMe;
  FakeNotion alone(clock, engine::Rng(9), nullptr, Open());
  ASSERT_TRUE(alone.faults().Add(creates).ok());
  FakeNotion with_other(clock, engine::Rng(9), nullptr, Open());
  FaultRule other = Rule(FaultAction::kRespond, Probability(0.5));
  other.id = 11;
  other.match.operation = Operation::kSearch;
  ASSERT_TRUE(with_other.faults().Add(other).ok());
  ASSERT_TRUE(with_other.faults().Add(creates).ok());
  std::vector<int> a, b;
  for (int i = 0; i < 200; ++i) {
    engine::Request s;
    s.operation = Operation::kSearch;
    with_other.Handle(s);  // draws from rule 11's stream only
    if (alone.Handle(Me()).injected) a.push_back(i);
    if (with_other.Handle(Me()).injected) b.push_back(i);
  }
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a.empty());
}

TEST(FaultPlanTest, ParseRulesAndRoundTrip) {
  auto doc = engine::JsonDocument::Parse(R"({"faults": [
    {"name": "storm", "match": {"method": "POST", "path": "/v1/pages", "from_s": 60,
     "until_s": 120.5}, "trigger": {"probability": 0.25}, "action": "respond", "status": 503,
     "code": "service_unavailable"},
    {"match": {"operation": "create_page", "tenant": 2}, "trigger": {"first": 2},
     "action": "lose_after_commit", "loss": "reset"},
    {"trigger": {"every": 10}, "action": "respond", "status": 429, "retry_after_s": 2,
     "retry_after_form": "http_date", "rate_limit_reason": "public_api_space_request_rate_limit"},
    {"trigger": {"burst": {"onset_probability": 0.01, "length": 5}}, "action": "delay",
     "delay": {"dist": "lognormal", "median_ms": 800, "sigma": 0.6, "max_ms": 20000}},
    {"trigger": {"gilbert_elliott": {"p_good_to_bad": 0.01, "p_bad_to_good": 0.2}},
     "action": "html_edge", "max_fires": 3},
    {"action": "hang", "match": {"token": "secret_abcd1234"}}
  ]})",
                                         "plan.json");
  ASSERT_TRUE(doc.ok());
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Result<FaultPlan> plan = ParseFaultPlan(root);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const std::vector<FaultRule>& rules = plan->rules();
  ASSERT_EQ(rules.size(), 6u);
  EXPECT_EQ(rules[0].match.from_us, Sec(60));
  EXPECT_EQ(rules[0].match.until_us, Sec(120) + Ms(500));
  EXPECT_EQ(rules[0].trigger.probability_ppb, 250'000'000u);
  EXPECT_EQ(rules[1].loss, LossMode::kReset);
  EXPECT_EQ(*rules[1].match.tenant, 2);
  EXPECT_EQ(*rules[2].retry_after_form, RetryAfterForm::kHttpDate);
  EXPECT_EQ(rules[3].delay->kind, LatencyKind::kLognormal);
  EXPECT_EQ(rules[3].delay->median_us, Ms(800));
  EXPECT_EQ(rules[4].status, 502);  // html_edge defaults to a 502 page
  EXPECT_EQ(rules[5].match.token, "secret_abcd1234");
  EXPECT_EQ(rules[5].id, 6u);
  // The admin list shows rules in the form the parser reads (minus the secret token).
  for (std::size_t i = 0; i + 1 < rules.size(); ++i) {
    const json j = FaultRuleToJson(rules[i]);
    auto again_doc = engine::JsonDocument::Parse(j.dump(), "again.json");
    engine::JsonReader again_reader(*again_doc);
    engine::ObjectReader again_root = again_reader.Root();
    Result<FaultRule> again = ParseFaultRule(again_root);
    ASSERT_TRUE(again.ok()) << again.error().message << " in " << j.dump();
    EXPECT_EQ(FaultRuleToJson(*again), j);
  }
  EXPECT_EQ(FaultRuleToJson(rules[5])["match"]["token"], "…1234");
}

TEST(FaultPlanTest, ParseErrorsNameFileLineColumnAndPath) {
  auto parse = [](const std::string& text) {
    auto doc = engine::JsonDocument::Parse(text, "f.json");
    engine::JsonReader reader(*doc);
    engine::ObjectReader root = reader.Root();
    Result<FaultPlan> plan = ParseFaultPlan(root);
    return plan.ok() ? std::string("ok") : plan.error().message;
  };
  EXPECT_EQ(parse("{\"faults\": [\n  {\"action\": \"explode\"}]}"),
            "f.json:2:14: at /faults/0/action: expected one of \"respond\", \"lose_after_commit\", "
            "\"commit_then_503\", \"delay\", \"hang\", \"stall_body\", \"reset\", "
            "\"malformed_json\", \"html_edge\", found \"explode\"");
  EXPECT_NE(parse(R"({"faults": [{"action": "respond", "trigger": {"first": 1, "every": 2}}]})")
                .find("expected exactly one of"),
            std::string::npos);
  EXPECT_NE(parse(R"({"faults": [{"action": "delay"}]})").find("needs \"delay_ms\" or \"delay\""),
            std::string::npos);
  EXPECT_NE(parse(R"({"faults": [{"action": "respond", "code": "nope"}]})")
                .find("unknown Notion error code \"nope\""),
            std::string::npos);
  EXPECT_NE(parse(R"({"faults": [{"action": "respond", "match": {"from_s": 5, "until_s": 5}}]})")
                .find("until_s > from_s"),
            std::string::npos);
  EXPECT_NE(
      parse(R"({"faults": [{"action": "respond", "typo": 1}]})").find("unknown field \"typo\""),
      std::string::npos);
  EXPECT_EQ(parse(R"({"faults": [{"id": 4, "action": "reset"}, {"id": 4, "action": "reset"}]})"),
            "f.json:1:43: at /faults/1: fault rule: id 4 is already in use");
}

TEST(FaultPlanTest, JournaledDecisionsReplayInAnotherRun) {
  engine::ManualClock clock;
  FakeNotion live(clock, engine::Rng(31), nullptr, Open());
  FaultRule flaky = Rule(FaultAction::kRespond, Probability(0.2));
  flaky.status = 503;
  ASSERT_TRUE(live.faults().Add(flaky).ok());
  FaultRule slow = Rule(FaultAction::kDelay, Probability(0.1));
  slow.delay = LatencyDist::Uniform(Ms(10), Ms(900));
  ASSERT_TRUE(live.faults().Add(slow).ok());
  std::vector<std::pair<int, TimeUs>> seen;
  for (int i = 0; i < 300; ++i) {
    Answer a = live.Handle(
        Me(static_cast<std::uint64_t>(i / 2) + 1, static_cast<std::uint32_t>(i % 2 + 1)));
    seen.emplace_back(a.response.status, a.delay_us);
  }
  const std::string exported = live.journal().DecisionsJson().dump();
  auto doc = engine::JsonDocument::Parse(exported, "decisions.json");
  ASSERT_TRUE(doc.ok());
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  Result<std::vector<RecordedDecision>> decisions = ParseRecordedDecisions(root);
  ASSERT_TRUE(decisions.ok()) << decisions.error().message;
  EXPECT_EQ(decisions->size(), live.stats().faults_injected);

  // A different seed and no rules: the replay alone decides.
  FakeNotion replay(clock, engine::Rng(999), nullptr, Open());
  replay.faults().SetReplay(*decisions, ReplayKey::kSequence);
  for (int i = 0; i < 300; ++i) {
    Answer a = replay.Handle(
        Me(static_cast<std::uint64_t>(i / 2) + 1, static_cast<std::uint32_t>(i % 2 + 1)));
    ASSERT_EQ(std::make_pair(a.response.status, a.delay_us), seen[static_cast<std::size_t>(i)])
        << i;
  }
  // Keyed by (op, attempt), the order of arrival may differ.
  FakeNotion by_op(clock, engine::Rng(999), nullptr, Open());
  by_op.faults().SetReplay(*decisions, ReplayKey::kOpAttempt);
  for (int i = 299; i >= 0; --i) {  // backwards: the sequence numbers no longer line up
    Answer a = by_op.Handle(
        Me(static_cast<std::uint64_t>(i / 2) + 1, static_cast<std::uint32_t>(i % 2 + 1)));
    ASSERT_EQ(std::make_pair(a.response.status, a.delay_us), seen[static_cast<std::size_t>(i)])
        << i;
  }
  EXPECT_TRUE(by_op.faults().replaying());
}

}  // namespace
}  // namespace notion_sim::sim
