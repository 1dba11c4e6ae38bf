// The client judge on scripted traffic: each invariant caught on a planted mistake with exact
// counts, and the official SDK's own schedules (jittered backoff, Retry-After) passing.
#include "notion_sim/checks/client_judge.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace notion_sim::checks {
namespace {

constexpr const char* kPage = "/v1/pages/8f4a2c1e-0000-4000-8000-000000000001";
constexpr const char* kCreateBody =
    R"({"parent":{"data_source_id":"ds1"},"properties":{"Name":{"title":[{"text":{"content":"a"}}]}}})";

struct Ex {
  ObservedExchange x;
  std::string body;

  Ex(double at_ms, std::string method, std::string path, int status) {
    x.token = "acme";
    x.connection = "c1";
    x.arrived_us = static_cast<TimeUs>(at_ms * 1000);
    x.answered_us = x.arrived_us + 1000;  // answered 1 ms later
    x.ended_us = x.answered_us;
    x.method = std::move(method);
    x.path = std::move(path);
    x.status = status;
    if (status >= 200 && status < 300 && x.method != "GET") x.committed = true;
  }
  Ex& Body(std::string b) {
    body = std::move(b);
    return *this;
  }
  Ex& Token(std::string t) {
    x.token = std::move(t);
    return *this;
  }
  Ex& Conn(std::string c) {
    x.connection = std::move(c);
    return *this;
  }
  Ex& RetryAfter(double until_ms, std::string header = "2") {
    x.retry_after = std::move(header);
    x.retry_after_until_us = static_cast<TimeUs>(until_ms * 1000);
    return *this;
  }
  Ex& End(ExchangeEnd end, double ended_ms) {
    x.end = end;
    x.ended_us = static_cast<TimeUs>(ended_ms * 1000);
    x.answered_us = x.ended_us;
    if (end != ExchangeEnd::kAnswered) x.status = 0;
    return *this;
  }
  Ex& Committed(bool c = true) {
    x.committed = c;
    return *this;
  }
  Ex& Injected() {
    x.injected = true;
    x.fault = "respond rule=1";
    return *this;
  }
};

ClientVerdict Judge(const std::vector<Ex>& traffic, ClientJudgeConfig config = {},
                    const std::vector<CommandOutcome>& runs = {},
                    const std::vector<ExpectOutcome>& expects = {}) {
  ClientJudge judge(std::move(config));
  for (const Ex& e : traffic) judge.Observe(e.x, e.body);
  return judge.Verdict(runs, expects);
}

const InvariantResult& Get(const ClientVerdict& v, ClientInvariant inv) {
  return v.invariants[static_cast<std::size_t>(inv)];
}

// The names of the violated invariants, in order.
std::vector<std::string> Violated(const ClientVerdict& v) {
  std::vector<std::string> out;
  for (const InvariantResult& i : v.invariants) {
    if (!i.held()) out.push_back(i.name);
  }
  return out;
}

TEST(ClientJudge, NamesAreSharedWithTheSimulatedChecks) {
  EXPECT_EQ(ClientInvariantName(ClientInvariant::kNoDuplicateCreates),
            InvariantName(Invariant::kNoDuplicateCreates));
  EXPECT_EQ(ClientInvariantName(ClientInvariant::kRetryAfterRespected), "retry_after_respected");
  EXPECT_EQ(ClientInvariantName(ClientInvariant::kAttemptsBounded), "attempts_bounded");
  EXPECT_EQ(ClientInvariantName(ClientInvariant::kClientRate), "client_rate");
  const ClientVerdict v = Judge({});
  ASSERT_EQ(v.invariants.size(), static_cast<std::size_t>(kClientInvariantCount));
  EXPECT_EQ(v.invariants[2].name, "no_unsafe_retry");
  EXPECT_EQ(v.invariants[4].name, "backoff");
  EXPECT_EQ(v.invariants[6].name, "finished");
  EXPECT_EQ(ParseClientInvariant("backoff"), ClientInvariant::kBackoff);
  EXPECT_FALSE(ParseClientInvariant("bounded").has_value());
}

// The SDK's defaults (docs/sources.md#the-official-sdk): 3 attempts; gaps of 500-1500 ms then
// 1000-3000 ms, which may shrink from one draw to the next.
TEST(ClientJudge, TheSdksJitteredBackoffPasses) {
  const ClientVerdict v = Judge({Ex(0, "GET", kPage, 500), Ex(1401, "GET", kPage, 503),
                                 Ex(2502, "GET", kPage, 200), Ex(3000, "GET", kPage, 500),
                                 Ex(3501, "GET", kPage, 500), Ex(4502, "GET", kPage, 200)});
  EXPECT_TRUE(v.held()) << Violated(v).size();
  EXPECT_EQ(Get(v, ClientInvariant::kBackoff).checked_count, 4u);          // four repeats judged
  EXPECT_EQ(Get(v, ClientInvariant::kAttemptsBounded).checked_count, 2u);  // two chains
  ASSERT_EQ(v.traffic.tokens.size(), 1u);
  EXPECT_EQ(v.traffic.tokens[0].repeats, 4u);
  EXPECT_EQ(v.traffic.tokens[0].http_5xx, 4u);
  EXPECT_EQ(v.traffic.tokens[0].http_2xx, 2u);
  EXPECT_EQ(v.traffic.bucket_us, Sec(1));
  ASSERT_EQ(v.traffic.series.size(), 5u);
  EXPECT_EQ(v.traffic.series[3].start_us, Sec(3));
  EXPECT_EQ(v.traffic.series[3].requests, 2u);
  EXPECT_EQ(v.traffic.series[3].http_5xx, 2u);
  EXPECT_EQ(v.traffic.series[2].http_5xx, 0u);
}

TEST(ClientJudge, AHotRetryLoopFailsBackoff) {
  const ClientVerdict v = Judge({Ex(0, "GET", kPage, 502), Ex(3, "GET", kPage, 502),
                                 Ex(6, "GET", kPage, 502), Ex(9, "GET", kPage, 200)});
  EXPECT_EQ(Violated(v), std::vector<std::string>{"backoff"});
  const InvariantResult& b = Get(v, ClientInvariant::kBackoff);
  EXPECT_EQ(b.violation_count, 3u);
  EXPECT_EQ(b.checked_count, 3u);
  // 3 ms after arrival, answered 1 ms after it: a 2 ms gap.
  EXPECT_NE(b.first_violation.find("repeated 2.0 ms after its failure ended (at least 100.0 ms"),
            std::string::npos)
      << b.first_violation;
  EXPECT_NE(b.first_violation.find("0.003000 s acme GET " + std::string(kPage) + " -> 502"),
            std::string::npos)
      << b.first_violation;
}

TEST(ClientJudge, AGapAfterRetryAfterIsNotJudgedAsBackoff) {
  // A 429 with Retry-After: the repeat's timing is retry_after_respected's to judge.
  const ClientVerdict v =
      Judge({Ex(0, "GET", kPage, 429).RetryAfter(1001), Ex(1001, "GET", kPage, 200)});
  EXPECT_TRUE(v.held());
  EXPECT_EQ(Get(v, ClientInvariant::kBackoff).checked_count, 0u);
  EXPECT_EQ(Get(v, ClientInvariant::kRetryAfterRespected).checked_count, 1u);
}

TEST(ClientJudge, RepeatsWithoutEndFailAttemptsBoundedOnce) {
  std::vector<Ex> t;
  for (int i = 0; i < 9; ++i) t.push_back(Ex(300.0 * i, "GET", kPage, 500));
  const ClientVerdict v = Judge(t);
  EXPECT_EQ(Violated(v), std::vector<std::string>{"attempts_bounded"});
  const InvariantResult& b = Get(v, ClientInvariant::kAttemptsBounded);
  EXPECT_EQ(b.violation_count, 1u);
  EXPECT_NE(b.first_violation.find("sent 7 times in a row without a success (max_attempts 6)"),
            std::string::npos)
      << b.first_violation;
  ClientJudgeConfig c;
  c.max_attempts = 9;
  EXPECT_TRUE(Judge(t, c).held());
}

TEST(ClientJudge, ASuccessEndsTheChain) {
  // Polling the same page, each poll a success, is not a retry.
  std::vector<Ex> t;
  for (int i = 0; i < 20; ++i) t.push_back(Ex(10.0 * i, "GET", kPage, 200));
  const ClientVerdict v = Judge(t);
  EXPECT_TRUE(v.held());
  EXPECT_EQ(v.traffic.tokens[0].repeats, 0u);
}

TEST(ClientJudge, RetryAfterInSecondsIsRespectedOrNot) {
  // Answered at 1 ms, Retry-After until 2001 ms; clock slack 50 ms.
  auto with_repeat_at = [](double ms) {
    return Judge(
        {Ex(0, "POST", "/v1/search", 429).RetryAfter(2001), Ex(ms, "POST", "/v1/search", 200)});
  };
  EXPECT_TRUE(with_repeat_at(2001).held());
  EXPECT_TRUE(with_repeat_at(1952).held());  // within the slack
  const ClientVerdict early = with_repeat_at(1001);
  EXPECT_EQ(Violated(early), std::vector<std::string>{"retry_after_respected"});
  const InvariantResult& r = Get(early, ClientInvariant::kRetryAfterRespected);
  EXPECT_EQ(r.violation_count, 1u);
  EXPECT_NE(r.first_violation.find("a request 1000.0 ms before the Retry-After"), std::string::npos)
      << r.first_violation;
  EXPECT_NE(r.first_violation.find("-> 429, Retry-After 2"), std::string::npos);
}

TEST(ClientJudge, EveryRequestOfTheTokenWaitsNotOnlyTheRepeat) {
  // After a 429, another request on the same connection is early too; another token is not.
  const ClientVerdict v =
      Judge({Ex(0, "GET", kPage, 429).RetryAfter(2001), Ex(500, "POST", "/v1/search", 200),
             Ex(600, "POST", "/v1/search", 200).Token("globex")});
  EXPECT_EQ(Get(v, ClientInvariant::kRetryAfterRespected).violation_count, 1u);
}

TEST(ClientJudge, RequestsInFlightOnOtherConnectionsAreExcused) {
  // in_flight 20 ms: another connection's different request 5 ms after the answer was already
  // on its way; 30 ms after, or on the same connection, or the same request, it was not.
  auto after = [](double ms, const char* conn, const char* path) {
    return Judge(
        {Ex(0, "GET", kPage, 429).RetryAfter(2001), Ex(1 + ms, "GET", path, 200).Conn(conn)});
  };
  const std::string other = "/v1/users/me";
  EXPECT_TRUE(after(5, "c2", other.c_str()).held());
  EXPECT_FALSE(after(30, "c2", other.c_str()).held());
  EXPECT_FALSE(after(5, "c1", other.c_str()).held());
  EXPECT_FALSE(after(5, "c2", kPage).held());
}

TEST(ClientJudge, AnswersLaterThanTheRequestDoNotCount) {
  // A request that arrived before the 429 went out cannot have known of it.
  const ClientVerdict v =
      Judge({Ex(0, "GET", kPage, 429).RetryAfter(3000).End(ExchangeEnd::kAnswered, 900),
             Ex(500, "POST", "/v1/search", 200)});
  EXPECT_TRUE(v.held());
}

TEST(ClientJudge, ABlindCreateRetryIsUnsafeAndDuplicates) {
  // A create applied, its answer lost (the client timed out at 10 s), then sent again.
  const ClientVerdict v = Judge({Ex(0, "POST", "/v1/pages", 200)
                                     .Body(kCreateBody)
                                     .End(ExchangeEnd::kLost, 10'000)
                                     .Committed(),
                                 Ex(11'000, "POST", "/v1/pages", 200).Body(kCreateBody)});
  EXPECT_EQ(Violated(v), (std::vector<std::string>{"no_duplicate_creates", "no_unsafe_retry"}));
  EXPECT_EQ(Get(v, ClientInvariant::kNoDuplicateCreates).violation_count, 1u);
  EXPECT_EQ(Get(v, ClientInvariant::kNoDuplicateCreates).checked_count, 2u);
  EXPECT_NE(Get(v, ClientInvariant::kNoDuplicateCreates)
                .first_violation.find("no answer: lost after it was applied, committed"),
            std::string::npos)
      << Get(v, ClientInvariant::kNoDuplicateCreates).first_violation;
  EXPECT_EQ(v.traffic.tokens[0].creates_committed, 2u);
}

TEST(ClientJudge, ALookupBeforeTheRepeatMakesItSafe) {
  // Reconcile-before-retry: a 500 on a create (nothing applied), a query, then the create again.
  const ClientVerdict v = Judge({Ex(0, "POST", "/v1/pages", 500).Body(kCreateBody).Committed(false),
                                 Ex(600, "POST", "/v1/data_sources/ds1/query", 200).Body("{}"),
                                 Ex(1200, "POST", "/v1/pages", 200).Body(kCreateBody)});
  EXPECT_TRUE(v.held());
  EXPECT_EQ(Get(v, ClientInvariant::kNoUnsafeRetry).checked_count, 1u);
  // Without the query it is unsafe (though nothing was duplicated).
  const ClientVerdict blind =
      Judge({Ex(0, "POST", "/v1/pages", 500).Body(kCreateBody).Committed(false),
             Ex(1200, "POST", "/v1/pages", 200).Body(kCreateBody)});
  EXPECT_EQ(Violated(blind), std::vector<std::string>{"no_unsafe_retry"});
}

TEST(ClientJudge, RepeatingACreateAfterA429IsSafe) {
  // 429 and 529 say nothing was done: the SDK retries them on every method.
  const ClientVerdict v =
      Judge({Ex(0, "POST", "/v1/pages", 429).Body(kCreateBody).RetryAfter(1001),
             Ex(1001, "POST", "/v1/pages", 529).Body(kCreateBody).RetryAfter(2002),
             Ex(2002, "POST", "/v1/pages", 200).Body(kCreateBody)});
  EXPECT_TRUE(v.held());
}

TEST(ClientJudge, TheIdempotencyPropertyMakesCreatesIdentical) {
  // Same key, different titles: the same record created twice after a 503 that had committed.
  const std::string a =
      R"({"parent":{"data_source_id":"ds1"},"properties":{"Name":{"title":[{"text":{"content":"a"}}]},"idempotency_key":{"rich_text":[{"text":{"content":"k1"}}]}}})";
  const std::string b =
      R"({"properties":{"idempotency_key":{"rich_text":[{"text":{"content":"k1"}}]},"Name":{"title":[{"text":{"content":"b"}}]}},"parent":{"data_source_id":"ds1"}})";
  const ClientVerdict v = Judge({Ex(0, "POST", "/v1/pages", 503).Body(a).Committed(),
                                 Ex(700, "POST", "/v1/search", 200).Body("{}"),
                                 Ex(1400, "POST", "/v1/pages", 200).Body(b)});
  EXPECT_EQ(Violated(v), std::vector<std::string>{"no_duplicate_creates"});
  // With another property named, they are different requests.
  ClientJudgeConfig c;
  c.idempotency_property = "Ref";
  EXPECT_TRUE(Judge({Ex(0, "POST", "/v1/pages", 503).Body(a).Committed(),
                     Ex(700, "POST", "/v1/search", 200).Body("{}"),
                     Ex(1400, "POST", "/v1/pages", 200).Body(b)},
                    c)
                  .held());
}

TEST(ClientJudge, IdenticalCreatesAfterASuccessAreNotDuplicates) {
  // Two tasks with the same title on purpose: the first answer arrived.
  const ClientVerdict v = Judge({Ex(0, "POST", "/v1/pages", 200).Body(kCreateBody),
                                 Ex(500, "POST", "/v1/pages", 200).Body(kCreateBody),
                                 Ex(600, "POST", "/v1/pages", 200).Body(kCreateBody).Token("b")});
  EXPECT_TRUE(v.held());
  EXPECT_EQ(Get(v, ClientInvariant::kNoDuplicateCreates).checked_count, 3u);
}

TEST(ClientJudge, BodiesAreComparedCanonically) {
  const ClientVerdict v =
      Judge({Ex(0, "POST", "/v1/search", 500).Body(R"({"query":"x","page_size":5})"),
             Ex(2, "POST", "/v1/search", 500).Body(R"({ "page_size": 5, "query": "x" })"),
             Ex(4, "POST", "/v1/search", 500).Body(R"({"page_size":5,"query":"y"})")});
  EXPECT_EQ(Get(v, ClientInvariant::kBackoff).violation_count, 1u);
  EXPECT_EQ(v.traffic.tokens[0].repeats, 1u);
}

TEST(ClientJudge, ClientRateCountsExcursionsOverTheBudget) {
  ClientJudgeConfig c;
  c.rate_budget = 3;
  c.rate_window_us = Sec(1);
  std::vector<Ex> t;
  for (int i = 0; i < 5; ++i) t.push_back(Ex(100.0 * i, "GET", "/v1/users/me", 200));
  for (int i = 0; i < 5; ++i) t.push_back(Ex(3000 + 100.0 * i, "GET", "/v1/users/me", 200));
  for (int i = 0; i < 3; ++i) t.push_back(Ex(6000 + 400.0 * i, "GET", "/v1/users/me", 200));
  const ClientVerdict v = Judge(t, c);
  EXPECT_EQ(Violated(v), std::vector<std::string>{"client_rate"});
  const InvariantResult& r = Get(v, ClientInvariant::kClientRate);
  EXPECT_EQ(r.violation_count, 2u);
  EXPECT_EQ(r.checked_count, 13u);
  EXPECT_EQ(v.traffic.tokens[0].busiest_window, 5);
  EXPECT_NE(r.first_violation.find("4 requests within 1000.0 ms (budget 3), from 0.000000 s to "
                                   "0.300000 s"),
            std::string::npos)
      << r.first_violation;
  // Exactly at the budget holds; a window is half-open: [t, t + 1 s).
  std::vector<Ex> paced;
  for (int i = 0; i < 9; ++i) paced.push_back(Ex(1000.0 / 3 * i, "GET", "/v1/users/me", 200));
  EXPECT_TRUE(Judge(paced, c).held());
}

TEST(ClientJudge, ClientRateCountsProvoked429sNotInjectedOnes) {
  ClientJudgeConfig c;
  c.max_provoked_429 = 1;
  const std::vector<Ex> t = {
      Ex(0, "GET", kPage, 429).RetryAfter(1001), Ex(1001, "GET", kPage, 429).RetryAfter(2002),
      Ex(2002, "GET", kPage, 429).RetryAfter(3003).Injected(), Ex(3003, "GET", kPage, 200)};
  const ClientVerdict v = Judge(t, c);
  EXPECT_EQ(v.traffic.tokens[0].provoked_429, 2u);
  EXPECT_EQ(v.traffic.tokens[0].http_429, 3u);
  EXPECT_EQ(v.traffic.tokens[0].injected, 1u);
  EXPECT_EQ(Get(v, ClientInvariant::kClientRate).violation_count, 1u);
  c.max_provoked_429 = 2;
  EXPECT_TRUE(Judge(t, c).held());
  // Neither budget nor max_429: off.
  EXPECT_EQ(Get(Judge(t), ClientInvariant::kClientRate).verdict, Verdict::kOff);
}

TEST(ClientJudge, FinishedJudgesTheRunsAndExpectations) {
  EXPECT_EQ(Get(Judge({}), ClientInvariant::kFinished).verdict, Verdict::kOff);
  const ClientVerdict ok = Judge({}, {}, {{"run 1", 0, false, 0}}, {{"6 pages", true, ""}});
  EXPECT_TRUE(ok.held());
  EXPECT_EQ(Get(ok, ClientInvariant::kFinished).checked_count, 2u);
  const ClientVerdict bad =
      Judge({}, {}, {{"run 1", 0, false, 0}, {"run 2", 3, false, 0}, {"run 3", 137, true, 0}},
            {{"data source Tasks holds 6 pages", false, "found 7"}});
  const InvariantResult& f = Get(bad, ClientInvariant::kFinished);
  EXPECT_EQ(f.violation_count, 3u);
  EXPECT_EQ(f.violations[0].text, "run 2: exited with status 3");
  EXPECT_EQ(f.violations[1].text, "run 3: still running at its time limit (killed)");
  EXPECT_EQ(f.violations[2].text, "expected data source Tasks holds 6 pages: found 7");
}

TEST(ClientJudge, OrderOfObservationDoesNotMatter) {
  std::vector<Ex> t = {Ex(0, "GET", kPage, 502),
                       Ex(3, "GET", kPage, 502),
                       Ex(10, "POST", "/v1/pages", 500).Body(kCreateBody).Committed(false),
                       Ex(20, "POST", "/v1/pages", 200).Body(kCreateBody),
                       Ex(30, "GET", kPage, 429).RetryAfter(1030),
                       Ex(40, "GET", kPage, 200)};
  const ClientVerdict forward = Judge(t);
  std::reverse(t.begin(), t.end());
  const ClientVerdict backward = Judge(t);
  ASSERT_EQ(forward.invariants.size(), backward.invariants.size());
  for (std::size_t i = 0; i < forward.invariants.size(); ++i) {
    EXPECT_EQ(forward.invariants[i].violation_count, backward.invariants[i].violation_count) << i;
    EXPECT_EQ(forward.invariants[i].first_violation, backward.invariants[i].first_violation) << i;
  }
  EXPECT_EQ(Violated(forward),
            (std::vector<std::string>{"retry_after_respected", "no_unsafe_retry", "backoff"}));
}

TEST(ClientJudge, PastMaxRecordsExchangesAreCountedNotJudged) {
  ClientJudgeConfig c;
  c.max_records = 2;
  const ClientVerdict v = Judge({Ex(0, "GET", kPage, 500), Ex(1, "GET", kPage, 500),
                                 Ex(2, "GET", kPage, 500), Ex(3, "GET", kPage, 500)},
                                c);
  EXPECT_EQ(v.traffic.requests, 2u);
  EXPECT_EQ(v.traffic.unjudged, 2u);
  EXPECT_EQ(Get(v, ClientInvariant::kBackoff).violation_count, 1u);
}

Result<ClientJudgeConfig> ParseText(const std::string& text) {
  auto doc = engine::JsonDocument::Parse(text, "s.json");
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  return ParseClientJudgeConfig(root);
}

TEST(ClientJudge, ParsesItsSection) {
  auto c = ParseText(
      R"({"off": ["backoff"], "max_attempts": 4, "min_gap_ms": 250, "clock_slack_ms": 10,
          "in_flight_ms": 5, "client_rate": {"budget": 30, "window_s": 10, "max_429": 0},
          "idempotency_property": "Ref"})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->IsOn(ClientInvariant::kBackoff));
  EXPECT_TRUE(c->IsOn(ClientInvariant::kFinished));
  EXPECT_EQ(c->max_attempts, 4u);
  EXPECT_EQ(c->min_gap_us, Ms(250));
  EXPECT_EQ(c->clock_slack_us, Ms(10));
  EXPECT_EQ(c->in_flight_us, Ms(5));
  EXPECT_EQ(c->rate_budget, 30);
  EXPECT_EQ(c->rate_window_us, Sec(10));
  EXPECT_EQ(c->max_provoked_429, 0u);
  EXPECT_EQ(c->idempotency_property, "Ref");

  auto unknown = ParseText(R"({"max_atempts": 4})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("s.json:1:2: at /max_atempts: unknown field"),
            std::string::npos)
      << unknown.error().message;
  auto bad_off = ParseText(R"({"off": ["bounded_retries"]})");
  ASSERT_FALSE(bad_off.ok());
  EXPECT_NE(bad_off.error().message.find("unknown invariant \"bounded_retries\""),
            std::string::npos)
      << bad_off.error().message;
  auto empty_rate = ParseText(R"({"client_rate": {"window_s": 10}})");
  ASSERT_FALSE(empty_rate.ok());
  EXPECT_NE(empty_rate.error().message.find("at /client_rate: expected \"budget\""),
            std::string::npos)
      << empty_rate.error().message;
}

}  // namespace
}  // namespace notion_sim::checks
