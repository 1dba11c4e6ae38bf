#include "notion_sim/policies/retry.h"

#include <algorithm>
#include "policy_check.h"

namespace notion_sim::policies {
namespace {

using engine::ApiCode;
using engine::Method;

bool IsIdempotentMethod(Method method) {
  return method == Method::kGet || method == Method::kDelete;
}

}  // namespace

std::string_view RetryRulesName(RetryRules rules) {
  switch (rules) {
    case RetryRules::kSdk:
      return "sdk";
    case RetryRules::kClassified:
      return "classified";
    case RetryRules::kAnyFailure:
      return "any_failure";
  }
  return "?";
}

std::optional<RetryRules> ParseRetryRules(std::string_view name) {
  for (RetryRules r : {RetryRules::kSdk, RetryRules::kClassified, RetryRules::kAnyFailure}) {
    if (RetryRulesName(r) == name) return r;
  }
  return std::nullopt;
}

std::string_view RetryDecisionName(RetryDecision decision) {
  switch (decision) {
    case RetryDecision::kRetry:
      return "retry";
    case RetryDecision::kNoRetry:
      return "no_retry";
    case RetryDecision::kUnsafeWrite:
      return "unsafe_write";
    case RetryDecision::kAttemptsExhausted:
      return "attempts_exhausted";
    case RetryDecision::kRetryAfterTooLong:
      return "retry_after_too_long";
    case RetryDecision::kDeadlineExceeded:
      return "deadline_exceeded";
    case RetryDecision::kBudgetExhausted:
      return "budget_exhausted";
    case RetryDecision::kCount:
      break;
  }
  return "?";
}

RetryPolicy::RetryPolicy(const RetryConfig& config, engine::Rng rng, RetryBudget* budget,
                         std::int64_t epoch_unix_us)
    : config_(config),
      backoff_(config.backoff, rng.Fork("backoff")),
      jitter_rng_(rng.Fork("retry_after_jitter")),
      budget_(budget),
      epoch_unix_us_(epoch_unix_us) {
  NSIM_POLICY_CHECK(config_.max_attempts >= 1);
}

RetryDecision RetryPolicy::Retryable(const engine::Response& response, Method method,
                                     WriteProtection protection) const {
  if (response.ok()) return RetryDecision::kNoRetry;
  if (config_.rules == RetryRules::kAnyFailure) return RetryDecision::kRetry;
  if (config_.rules == RetryRules::kSdk) {
    // canRetry (SDK src/Client.ts L708): APIResponseError only, decided by the body code.
    if (!IsSdkApiResponseError(response)) return RetryDecision::kNoRetry;
    switch (response.code) {
      case ApiCode::kRateLimited:
      case ApiCode::kServiceOverload:
        return RetryDecision::kRetry;
      case ApiCode::kInternalServerError:
      case ApiCode::kServiceUnavailable:
        return IsIdempotentMethod(method) ? RetryDecision::kRetry : RetryDecision::kUnsafeWrite;
      default:
        return RetryDecision::kNoRetry;
    }
  }
  const ErrorClass cls = policies::Classify(response);
  const bool safe = IsIdempotentMethod(method) || protection == WriteProtection::kProtected ||
                    MayHaveApplied(response) == Applied::kNo;
  switch (cls) {
    case ErrorClass::kRateLimited:
      return RetryDecision::kRetry;
    case ErrorClass::kTransient:
      return safe ? RetryDecision::kRetry : RetryDecision::kUnsafeWrite;
    case ErrorClass::kUnknownEdge:
      // An unreadable answer is worth another try; a TLS failure or an edge block page is not.
      if (response.outcome != engine::TransportOutcome::kMalformed) return RetryDecision::kNoRetry;
      return safe ? RetryDecision::kRetry : RetryDecision::kUnsafeWrite;
    case ErrorClass::kConflict:
      return config_.retry_conflicts ? RetryDecision::kRetry : RetryDecision::kNoRetry;
    case ErrorClass::kNotFound:
      return config_.retry_not_found ? RetryDecision::kRetry : RetryDecision::kNoRetry;
    default:
      return RetryDecision::kNoRetry;
  }
}

RetryVerdict RetryPolicy::Decide(const engine::Response& response, Method method,
                                 WriteProtection protection, RetryState& state, TimeUs now_us) {
  RetryVerdict v;
  v.error_class = policies::Classify(response);
  v.decision = Retryable(response, method, protection);
  if (v.decision != RetryDecision::kRetry) return v;
  if (budget_ != nullptr) budget_->OnRetryableFailure();
  if (state.attempts >= config_.max_attempts) {
    v.decision = RetryDecision::kAttemptsExhausted;
    return v;
  }
  const std::uint32_t retry_index = state.attempts - 1;  // 0 for the first retry
  v.backoff_us = backoff_.Next(retry_index, state.previous_delay_us);
  v.delay_us = v.backoff_us;
  v.retry_after =
      engine::ParseRetryAfter(response.retry_after, config_.retry_after, epoch_unix_us_ + now_us);
  const bool has_header =
      v.retry_after.form == RetryAfterForm::kSeconds || v.retry_after.form == RetryAfterForm::kDate;
  if (has_header && config_.retry_after == RetryAfterMode::kSdk) {
    // calculateRetryDelay: the header replaces the backoff, capped by maxRetryDelayMs.
    v.delay_us = std::min(v.retry_after.delay_us, config_.backoff.max_delay_us);
    v.retry_after_used = true;
  } else if (has_header && config_.retry_after == RetryAfterMode::kStrict) {
    if (v.retry_after.delay_us > config_.max_retry_after_us) {
      v.decision = RetryDecision::kRetryAfterTooLong;
      return v;
    }
    if (v.retry_after.delay_us >= v.backoff_us) {
      v.delay_us = v.retry_after.delay_us;
      v.retry_after_used = true;
    }
    if (config_.retry_after_jitter_us > 0) {
      v.delay_us += static_cast<TimeUs>(
          jitter_rng_.Below(static_cast<std::uint64_t>(config_.retry_after_jitter_us)));
    }
  }
  if (config_.deadline_us > 0 && now_us + v.delay_us >= state.started_us + config_.deadline_us) {
    v.decision = RetryDecision::kDeadlineExceeded;
    return v;
  }
  if (budget_ != nullptr) {
    v.budget = budget_->TryAcquireRetry(v.error_class, IsTimeout(response));
    if (v.budget.decision == BudgetDecision::kExhausted) {
      v.decision = RetryDecision::kBudgetExhausted;
      return v;
    }
  }
  state.previous_delay_us = v.backoff_us;
  state.last_retry_cost_milli = v.budget.cost_milli;
  return v;
}

void RetryPolicy::OnSuccess(const RetryState& state) {
  if (budget_ != nullptr) budget_->OnSuccess(state.attempts, state.last_retry_cost_milli);
}

}  // namespace notion_sim::policies
