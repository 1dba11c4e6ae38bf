#include "notion_sim/policies/retry.h"

#include <gtest/gtest.h>

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <vector>

#include "notion_sim/engine/retry_after.h"
#include "notion_sim/policies/backoff.h"
#include "responses.h"

namespace notion_sim::policies {
namespace {

using engine::ApiCode;
using engine::Method;
using engine::Response;
using engine::TransportOutcome;

// ---- Backoff formulas (exact values for given draws) ----

TEST(Backoff, SdkBandIsHalfToOneAndAHalfBase) {
  const BackoffConfig sdk{BackoffKind::kSdkBand, Ms(1000), Ms(60000), 2.0};
  EXPECT_EQ(BackoffDelay(sdk, 0, 0, 0.0), Ms(500));
  EXPECT_EQ(BackoffDelay(sdk, 0, 0, 0.5), Ms(1000));
  EXPECT_EQ(BackoffDelay(sdk, 0, 0, 0.908), Ms(1408));  // the EXP's 1408 ms gap
  EXPECT_EQ(BackoffDelay(sdk, 1, 0, 0.25), Ms(1500));
  EXPECT_EQ(BackoffDelay(sdk, 1, 0, 0.999), Ms(2998));
  EXPECT_EQ(BackoffDelay(sdk, 2, 0, 0.0), Ms(2000));
  // base 64 s: 32 s + 0.5 * 64 s = 64 s, capped at 60 s.
  EXPECT_EQ(BackoffDelay(sdk, 6, 0, 0.5), Ms(60000));
  EXPECT_EQ(BackoffDelay(sdk, 60, 0, 0.5), Ms(60000));
}

TEST(Backoff, AwsBlogFormulas) {
  const BackoffConfig full{BackoffKind::kFullJitter, Ms(100), Ms(1000), 2.0};
  EXPECT_EQ(BackoffDelay(full, 3, 0, 0.5), Ms(400));
  EXPECT_EQ(BackoffDelay(full, 4, 0, 0.25), Ms(250));
  EXPECT_EQ(BackoffDelay(full, 0, 0, 0.0), 0);

  const BackoffConfig equal{BackoffKind::kEqualJitter, Ms(100), Ms(1000), 2.0};
  EXPECT_EQ(BackoffDelay(equal, 2, 0, 0.5), Ms(300));
  EXPECT_EQ(BackoffDelay(equal, 2, 0, 0.0), Ms(200));

  const BackoffConfig decorrelated{BackoffKind::kDecorrelatedJitter, Ms(100), Ms(1000), 2.0};
  EXPECT_EQ(BackoffDelay(decorrelated, 0, 0, 0.5), Ms(200));          // uniform(100, 300)
  EXPECT_EQ(BackoffDelay(decorrelated, 1, Ms(200), 0.5), Ms(350));    // uniform(100, 600)
  EXPECT_EQ(BackoffDelay(decorrelated, 2, Ms(1000), 0.9), Ms(1000));  // capped

  const BackoffConfig expo{BackoffKind::kExponential, Ms(100), Ms(1000), 2.0};
  std::vector<TimeUs> got;
  for (std::uint32_t n = 0; n < 6; ++n) got.push_back(BackoffDelay(expo, n, 0, 0.7));
  EXPECT_EQ(got, (std::vector<TimeUs>{Ms(100), Ms(200), Ms(400), Ms(800), Ms(1000), Ms(1000)}));

  const BackoffConfig fixed{BackoffKind::kFixed, Sec(5), Sec(60), 2.0};
  EXPECT_EQ(BackoffDelay(fixed, 0, 0, 0.3), Sec(5));
  EXPECT_EQ(BackoffDelay(fixed, 9, 0, 0.9), Sec(5));

  const BackoffConfig r4j{BackoffKind::kExponential, Ms(500), Sec(60), 1.5};
  EXPECT_EQ(BackoffDelay(r4j, 2, 0, 0.0), Ms(1125));
}

TEST(Backoff, SeededStreamsRepeat) {
  const BackoffConfig sdk{BackoffKind::kSdkBand, Ms(1000), Ms(60000), 2.0};
  Backoff a(sdk, engine::Rng(42).Fork("retry"));
  Backoff b(sdk, engine::Rng(42).Fork("retry"));
  for (std::uint32_t n = 0; n < 5; ++n) {
    const TimeUs d = a.Next(n, 0);
    EXPECT_EQ(d, b.Next(n, 0));
    EXPECT_GE(d, std::min(Ms(500) << n, Ms(60000)));
    EXPECT_LT(d, std::min(Ms(1500) << n, Ms(60000) + 1));
  }
}

TEST(Backoff, Names) {
  for (BackoffKind k :
       {BackoffKind::kSdkBand, BackoffKind::kFullJitter, BackoffKind::kEqualJitter,
        BackoffKind::kDecorrelatedJitter, BackoffKind::kExponential, BackoffKind::kFixed}) {
    EXPECT_EQ(ParseBackoffKind(BackoffKindName(k)), k);
  }
  EXPECT_EQ(ParseBackoffKind("jitter"), std::nullopt);
}

RC_GTEST_PROP(BackoffProp, EveryKindStaysWithinItsBounds, ()) {
  const auto kind = static_cast<BackoffKind>(*rc::gen::inRange(0, 6));
  const TimeUs initial = *rc::gen::inRange<TimeUs>(1, Sec(10));
  const TimeUs cap = *rc::gen::inRange<TimeUs>(initial, Sec(120));
  const auto n = *rc::gen::inRange<std::uint32_t>(0, 40);
  const double u = *rc::gen::inRange(0, 1'000'000) / 1'000'000.0;
  const TimeUs prev = *rc::gen::inRange<TimeUs>(0, Sec(200));
  const BackoffConfig c{kind, initial, cap, 2.0};
  const TimeUs d = BackoffDelay(c, n, prev, u);
  RC_ASSERT(d >= 0);
  RC_ASSERT(d <= cap);
  if (kind == BackoffKind::kSdkBand && n < 20) {
    const TimeUs base = initial << n;
    RC_ASSERT(d == std::min(cap, base / 2 + static_cast<TimeUs>(static_cast<double>(base) * u)));
  }
}

// ---- The retry policy ----

RetryConfig SdkConfig() {
  RetryConfig c;
  c.max_attempts = 3;
  c.rules = RetryRules::kSdk;
  c.backoff = BackoffConfig{BackoffKind::kSdkBand, Ms(1000), Ms(60000), 2.0};
  c.retry_after = RetryAfterMode::kSdk;
  return c;
}

RetryDecision SdkJudge(const Response& r, Method m) {
  RetryPolicy p(SdkConfig(), engine::Rng(1));
  return p.Retryable(r, m, WriteProtection::kNone);
}

TEST(RetryPolicy, SdkCanRetry) {
  EXPECT_EQ(SdkJudge(Http(429, ApiCode::kRateLimited), Method::kPost), RetryDecision::kRetry);
  EXPECT_EQ(SdkJudge(Http(529, ApiCode::kServiceOverload), Method::kPatch), RetryDecision::kRetry);
  EXPECT_EQ(SdkJudge(Http(500, ApiCode::kInternalServerError), Method::kGet),
            RetryDecision::kRetry);
  EXPECT_EQ(SdkJudge(Http(503, ApiCode::kServiceUnavailable), Method::kDelete),
            RetryDecision::kRetry);
  EXPECT_EQ(SdkJudge(Http(500, ApiCode::kInternalServerError), Method::kPost),
            RetryDecision::kUnsafeWrite);
  EXPECT_EQ(SdkJudge(Http(503, ApiCode::kServiceUnavailable), Method::kPatch),
            RetryDecision::kUnsafeWrite);
  // EXP: HTTP 500 with code rate_limited on POST was retried.
  EXPECT_EQ(SdkJudge(Http(500, ApiCode::kRateLimited), Method::kPost), RetryDecision::kRetry);
  EXPECT_EQ(SdkJudge(Http(502, ApiCode::kBadGateway), Method::kGet), RetryDecision::kNoRetry);
  EXPECT_EQ(SdkJudge(Http(503, ApiCode::kDatabaseConnectionUnavailable), Method::kGet),
            RetryDecision::kNoRetry);
  EXPECT_EQ(SdkJudge(Http(504, ApiCode::kGatewayTimeout), Method::kGet), RetryDecision::kNoRetry);
  EXPECT_EQ(SdkJudge(Http(409, ApiCode::kConflictError), Method::kPatch), RetryDecision::kNoRetry);
  EXPECT_EQ(SdkJudge(NoAnswer(TransportOutcome::kTimeout), Method::kGet), RetryDecision::kNoRetry);
  EXPECT_EQ(SdkJudge(NoAnswer(TransportOutcome::kConnectionReset), Method::kGet),
            RetryDecision::kNoRetry);
  Response html = Http(429, ApiCode::kRateLimited);
  html.code_known_to_sdk = false;
  EXPECT_EQ(SdkJudge(html, Method::kGet), RetryDecision::kNoRetry);
}

TEST(RetryPolicy, SdkDelaysUseRetryAfterCappedAtMaxDelay) {
  struct Case {
    std::string header;
    TimeUs delay_us;
  };
  for (const Case& c : {Case{"0.9", 0}, Case{"-5", 0}, Case{"1.5", Sec(1)}, Case{"300", Sec(60)},
                        Case{"10abc", Sec(10)}}) {
    RetryPolicy p(SdkConfig(), engine::Rng(1));
    RetryState s{1, 0, 0, 0};
    const RetryVerdict v = p.Decide(Http(429, ApiCode::kRateLimited, c.header), Method::kPost,
                                    WriteProtection::kNone, s, Sec(1));
    EXPECT_EQ(v.decision, RetryDecision::kRetry) << c.header;
    EXPECT_EQ(v.delay_us, c.delay_us) << c.header;
    EXPECT_TRUE(v.retry_after_used) << c.header;
  }
  // Unparsable: the band.
  RetryPolicy p(SdkConfig(), engine::Rng(1));
  RetryState s{1, 0, 0, 0};
  const RetryVerdict v = p.Decide(Http(429, ApiCode::kRateLimited, "invalid"), Method::kPost,
                                  WriteProtection::kNone, s, 0);
  EXPECT_FALSE(v.retry_after_used);
  EXPECT_EQ(v.delay_us, v.backoff_us);
  EXPECT_GE(v.delay_us, Ms(500));
  EXPECT_LT(v.delay_us, Ms(1500));
}

TEST(RetryPolicy, AttemptsAreBounded) {
  RetryPolicy p(SdkConfig(), engine::Rng(1));
  RetryState s;
  s.attempts = 1;
  EXPECT_EQ(p.Decide(Http(429, ApiCode::kRateLimited), Method::kGet, WriteProtection::kNone, s, 0)
                .decision,
            RetryDecision::kRetry);
  s.attempts = 2;
  EXPECT_EQ(p.Decide(Http(429, ApiCode::kRateLimited), Method::kGet, WriteProtection::kNone, s, 0)
                .decision,
            RetryDecision::kRetry);
  s.attempts = 3;
  EXPECT_EQ(p.Decide(Http(429, ApiCode::kRateLimited), Method::kGet, WriteProtection::kNone, s, 0)
                .decision,
            RetryDecision::kAttemptsExhausted);
}

RetryConfig StrictConfig() {
  RetryConfig c;
  c.max_attempts = 5;
  c.rules = RetryRules::kClassified;
  c.backoff = BackoffConfig{BackoffKind::kExponential, Ms(500), Sec(30), 2.0};
  c.retry_after = RetryAfterMode::kStrict;
  c.max_retry_after_us = Sec(60);
  return c;
}

TEST(RetryPolicy, StrictRetryAfterIsAFloorAndTooLongGivesUp) {
  RetryPolicy p(StrictConfig(), engine::Rng(1));
  RetryState s{1, 0, 0, 0};
  RetryVerdict v =
      p.Decide(Http(429, ApiCode::kRateLimited, "2"), Method::kPost, WriteProtection::kNone, s, 0);
  EXPECT_EQ(v.decision, RetryDecision::kRetry);
  EXPECT_EQ(v.delay_us, Sec(2));
  EXPECT_EQ(v.backoff_us, Ms(500));
  EXPECT_TRUE(v.retry_after_used);

  s = RetryState{3, 0, 0, 0};  // backoff 2 s > header 1.5 s: the backoff stays
  v = p.Decide(Http(429, ApiCode::kRateLimited, "1.5"), Method::kPost, WriteProtection::kNone, s,
               0);
  EXPECT_EQ(v.delay_us, Sec(2));
  EXPECT_FALSE(v.retry_after_used);

  s = RetryState{1, 0, 0, 0};
  v = p.Decide(Http(429, ApiCode::kRateLimited, "300"), Method::kPost, WriteProtection::kNone, s,
               0);
  EXPECT_EQ(v.decision, RetryDecision::kRetryAfterTooLong);

  // "-5" is not a delay in strict mode: backoff.
  s = RetryState{1, 0, 0, 0};
  v = p.Decide(Http(429, ApiCode::kRateLimited, "-5"), Method::kPost, WriteProtection::kNone, s, 0);
  EXPECT_EQ(v.delay_us, Ms(500));
  EXPECT_EQ(v.retry_after.form, RetryAfterForm::kInvalid);
}

TEST(RetryPolicy, StrictJitterGoesAfterTheHeader) {
  RetryConfig c = StrictConfig();
  c.retry_after_jitter_us = Ms(250);
  RetryPolicy p(c, engine::Rng(3));
  for (int i = 0; i < 50; ++i) {
    RetryState s{1, 0, 0, 0};
    const RetryVerdict v =
        p.Decide(Http(429, ApiCode::kRateLimited, "4"), Method::kGet, WriteProtection::kNone, s, 0);
    EXPECT_GE(v.delay_us, Sec(4));
    EXPECT_LT(v.delay_us, Sec(4) + Ms(250));
  }
}

TEST(RetryPolicy, ClassifiedMethodRules) {
  RetryPolicy p(StrictConfig(), engine::Rng(1));
  auto judge = [&](const Response& r, Method m, WriteProtection w = WriteProtection::kNone) {
    return p.Retryable(r, m, w);
  };
  EXPECT_EQ(judge(Http(503, ApiCode::kServiceUnavailable), Method::kPost),
            RetryDecision::kUnsafeWrite);
  EXPECT_EQ(
      judge(Http(503, ApiCode::kServiceUnavailable), Method::kPost, WriteProtection::kProtected),
      RetryDecision::kRetry);
  EXPECT_EQ(judge(Http(502, ApiCode::kBadGateway), Method::kGet), RetryDecision::kRetry);
  EXPECT_EQ(judge(Http(504, ApiCode::kGatewayTimeout), Method::kDelete), RetryDecision::kRetry);
  EXPECT_EQ(judge(NoAnswer(TransportOutcome::kTimeout), Method::kPost),
            RetryDecision::kUnsafeWrite);
  EXPECT_EQ(judge(NoAnswer(TransportOutcome::kTimeout), Method::kGet), RetryDecision::kRetry);
  // The server never saw it: safe for any method.
  EXPECT_EQ(judge(NoAnswer(TransportOutcome::kConnectionRefused), Method::kPost),
            RetryDecision::kRetry);
  EXPECT_EQ(judge(NoAnswer(TransportOutcome::kDnsFailure), Method::kPatch), RetryDecision::kRetry);
  EXPECT_EQ(judge(NoAnswer(TransportOutcome::kTlsFailure), Method::kGet), RetryDecision::kNoRetry);
  EXPECT_EQ(judge(NoAnswer(TransportOutcome::kMalformed), Method::kGet), RetryDecision::kRetry);
  EXPECT_EQ(judge(NoAnswer(TransportOutcome::kMalformed), Method::kPost),
            RetryDecision::kUnsafeWrite);
  EXPECT_EQ(judge(Http(429, ApiCode::kRateLimited), Method::kPost), RetryDecision::kRetry);
  EXPECT_EQ(judge(Http(409, ApiCode::kConflictError), Method::kPatch), RetryDecision::kRetry);
  EXPECT_EQ(judge(Http(404, ApiCode::kObjectNotFound), Method::kGet), RetryDecision::kNoRetry);
  EXPECT_EQ(judge(Http(401, ApiCode::kUnauthorized), Method::kGet), RetryDecision::kNoRetry);
  EXPECT_EQ(judge(Http(400, ApiCode::kValidationError), Method::kGet), RetryDecision::kNoRetry);
  EXPECT_EQ(judge(Http(501), Method::kGet), RetryDecision::kNoRetry);
  Response edge = Http(502);
  edge.edge_error = true;
  EXPECT_EQ(judge(edge, Method::kGet), RetryDecision::kRetry);
  edge.status = 403;
  EXPECT_EQ(judge(edge, Method::kGet), RetryDecision::kNoRetry);
  EXPECT_EQ(judge(Http(200), Method::kGet), RetryDecision::kNoRetry);
}

TEST(RetryPolicy, DeadlineAcrossAttempts) {
  RetryConfig c = StrictConfig();
  c.deadline_us = Sec(10);
  RetryPolicy p(c, engine::Rng(1));
  RetryState s{1, Sec(1), 0, 0};
  // Started at 1 s: the deadline is 11 s. At 10.4 s a 500 ms backoff lands at 10.9 s: fine.
  EXPECT_EQ(p.Decide(Http(503), Method::kGet, WriteProtection::kNone, s, Ms(10400)).decision,
            RetryDecision::kRetry);
  s = RetryState{1, Sec(1), 0, 0};
  EXPECT_EQ(p.Decide(Http(503), Method::kGet, WriteProtection::kNone, s, Ms(10500)).decision,
            RetryDecision::kDeadlineExceeded);
}

TEST(RetryPolicy, BudgetIsAskedLast) {
  RetryBudgetConfig bc = DefaultBudgetConfig(BudgetKind::kAwsStandard);
  bc.quota = 12;
  RetryBudget budget(bc);
  RetryPolicy p(StrictConfig(), engine::Rng(1), &budget);
  RetryState s{1, 0, 0, 0};
  RetryVerdict v = p.Decide(Http(503), Method::kGet, WriteProtection::kNone, s, 0);
  EXPECT_EQ(v.decision, RetryDecision::kRetry);
  EXPECT_EQ(v.budget.cost_milli, 5000);
  EXPECT_EQ(budget.tokens_milli(), 7000);
  s.attempts = 2;
  v = p.Decide(NoAnswer(TransportOutcome::kTimeout), Method::kGet, WriteProtection::kNone, s, 0);
  EXPECT_EQ(v.decision, RetryDecision::kBudgetExhausted);  // a timeout costs 10
  EXPECT_EQ(budget.tokens_milli(), 7000);
  v = p.Decide(Http(429, ApiCode::kRateLimited), Method::kGet, WriteProtection::kNone, s, 0);
  EXPECT_EQ(v.decision, RetryDecision::kRetry);
  EXPECT_EQ(budget.tokens_milli(), 2000);
  // A non-retryable outcome never touches the budget.
  v = p.Decide(Http(400, ApiCode::kValidationError), Method::kGet, WriteProtection::kNone, s, 0);
  EXPECT_EQ(v.decision, RetryDecision::kNoRetry);
  EXPECT_EQ(budget.tokens_milli(), 2000);
  // Success after retries refunds the last retry's cost.
  s.last_retry_cost_milli = 5000;
  p.OnSuccess(s);
  EXPECT_EQ(budget.tokens_milli(), 7000);
}

// A random outcome: statuses and codes the fake can produce, headers of every shape.
rc::Gen<Response> GenResponse() {
  return rc::gen::apply(
      [](int pick, int header_pick, int seconds) {
        static const std::vector<std::pair<int, ApiCode>> kAnswers = {
            {200, ApiCode::kNone},
            {429, ApiCode::kRateLimited},
            {529, ApiCode::kServiceOverload},
            {500, ApiCode::kInternalServerError},
            {502, ApiCode::kBadGateway},
            {503, ApiCode::kServiceUnavailable},
            {503, ApiCode::kDatabaseConnectionUnavailable},
            {504, ApiCode::kGatewayTimeout},
            {409, ApiCode::kConflictError},
            {400, ApiCode::kValidationError},
            {500, ApiCode::kRateLimited},
            {-1, ApiCode::kNone},
            {-2, ApiCode::kNone},
            {-3, ApiCode::kNone}};
        const auto& [status, code] = kAnswers[static_cast<std::size_t>(pick)];
        Response r;
        if (status == -1) {
          r.outcome = TransportOutcome::kTimeout;
        } else if (status == -2) {
          r.outcome = TransportOutcome::kConnectionReset;
        } else if (status == -3) {
          r.outcome = TransportOutcome::kConnectionRefused;
        } else {
          r.status = status;
          r.code = code;
        }
        static const char* kForms[] = {"", "0.9", "-5", "10abc", "x", "1.5"};
        if (header_pick < 6) {
          r.retry_after = kForms[header_pick];
        } else if (header_pick == 6) {
          r.retry_after = std::to_string(seconds);
        } else {
          r.retry_after = engine::FormatHttpDate(kDefaultEpochUnixS + seconds);
        }
        return r;
      },
      rc::gen::inRange(0, 14), rc::gen::inRange(0, 8), rc::gen::inRange(0, 120));
}

RC_GTEST_PROP(RetryPolicyProp, BoundedAttemptsAndNeverBeforeStrictRetryAfter, ()) {
  RetryConfig c = StrictConfig();
  c.max_attempts = *rc::gen::inRange<std::uint32_t>(1, 8);
  c.backoff.kind = static_cast<BackoffKind>(*rc::gen::inRange(0, 6));
  c.deadline_us = *rc::gen::element<TimeUs>(0, Sec(30), Sec(300));
  const auto method = static_cast<Method>(*rc::gen::inRange(0, 4));
  const auto outcomes = *rc::gen::container<std::vector<Response>>(20, GenResponse());
  RetryPolicy p(c, engine::Rng(*rc::gen::arbitrary<std::uint32_t>()));
  RetryState s;
  s.started_us = 0;
  TimeUs now = 0;
  std::uint32_t sent = 0;
  for (const Response& r : outcomes) {
    ++sent;
    s.attempts = sent;
    RC_ASSERT(sent <= c.max_attempts);
    if (r.ok()) break;
    const RetryVerdict v = p.Decide(r, method, WriteProtection::kNone, s, now);
    if (v.decision != RetryDecision::kRetry) break;
    const RetryAfterValue ra = engine::ParseRetryAfter(r.retry_after, RetryAfterMode::kStrict,
                                                       kDefaultEpochUnixS * kUsPerSec + now);
    if (ra.form == RetryAfterForm::kSeconds || ra.form == RetryAfterForm::kDate) {
      RC_ASSERT(v.delay_us >= ra.delay_us);
    }
    now += v.delay_us;
    if (c.deadline_us > 0) RC_ASSERT(now < c.deadline_us);
  }
}

RC_GTEST_PROP(RetryPolicyProp, UnprotectedPostIsNeverRetriedOnA5xx, ()) {
  const auto rules = *rc::gen::element(RetryRules::kSdk, RetryRules::kClassified);
  RetryConfig c = rules == RetryRules::kSdk ? SdkConfig() : StrictConfig();
  RetryPolicy p(c, engine::Rng(1));
  const Response r = *GenResponse();
  RetryState s{1, 0, 0, 0};
  const RetryVerdict v = p.Decide(r, Method::kPost, WriteProtection::kNone, s, 0);
  const bool server_error = r.outcome == TransportOutcome::kResponse && r.status >= 500 &&
                            r.code != ApiCode::kRateLimited && r.code != ApiCode::kServiceOverload;
  const bool lost =
      r.outcome == TransportOutcome::kTimeout || r.outcome == TransportOutcome::kConnectionReset;
  if (server_error || lost) RC_ASSERT(v.decision != RetryDecision::kRetry);
}

}  // namespace
}  // namespace notion_sim::policies
