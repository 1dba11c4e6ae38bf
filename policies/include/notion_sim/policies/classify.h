// Error classification: what an attempt's outcome means for the caller, in one table.
//
// Two views of the same response:
//  - `Classify` is ours: keyed on the body `code` (engine::ApiCode) with the HTTP status as the
//    fallback, transport outcomes included (docs/sources.md: Notion's status codes, the sync
//    principles);
//  - `IsSdkApiResponseError` is the official JS SDK's: only a non-2xx response whose JSON body
//    carries a `code` in the SDK's `APIErrorCode` enum is an APIResponseError, everything else
//    (unknown codes, HTML edge pages, timeouts, resets) is never retried
//    (docs/sources.md#the-official-sdk).
//
// `MayHaveApplied` says whether a failed attempt may still have changed the server (the
// duplicate-create risk), which the retry rules and reconcile-before-retry need.
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

enum class ErrorClass : std::uint8_t {
  kSuccess,          // 2xx
  kTransient,        // 500/502/503/504, timeouts, resets, refused, DNS: may pass on retry
  kRateLimited,      // 429 rate_limited, 529 service_overload: wait (Retry-After) and retry
  kAuth,             // 401 unauthorized, 400 invalid_grant: stop, surface
  kAuthz,            // 403 restricted_resource: stop, a scope is missing
  kNotFound,         // 404 object_not_found (or not shared with the integration)
  kValidation,       // 400/413/422: the request is wrong, never retry
  kConflict,         // 409 conflict_error: the transaction failed, fetch and retry
  kPermanentServer,  // other 5xx (501, 505...): retrying will not help
  kUnknownEdge,      // HTML edge pages, TLS failures, unreadable bodies, odd statuses
  kCount,
};
inline constexpr int kErrorClassCount = static_cast<int>(ErrorClass::kCount);
std::string_view ErrorClassName(ErrorClass cls);  // "transient", ...

// The class of a body `code`; kCount when the code alone does not decide (kNone, kOther).
ErrorClass ClassOfCode(engine::ApiCode code);
// The class of an HTTP status alone (the fallback when the body has no known code).
ErrorClass ClassOfStatus(int status);
// The class of a transport outcome other than kResponse.
ErrorClass ClassOfTransport(engine::TransportOutcome outcome);
// Our classification of an attempt's outcome.
ErrorClass Classify(const engine::Response& response);

// The SDK's `APIErrorCode` enum is a protocol fact: engine::InSdkErrorEnum.
using engine::InSdkErrorEnum;
// The SDK's view: a non-2xx HTTP response whose JSON body has a code the SDK knows.
bool IsSdkApiResponseError(const engine::Response& response);

// Whether a failed attempt may still have been applied by the server.
enum class Applied : std::uint8_t {
  kNo,     // the server did not act (refused, DNS, TLS, or it said so: 4xx, 429)
  kMaybe,  // the response was lost or is ambiguous (timeout, reset, 5xx, unreadable 2xx)
  kYes,    // a 2xx arrived
};
Applied MayHaveApplied(const engine::Response& response);

// True when the outcome is a timeout of the attempt (AWS charges timeouts more).
bool IsTimeout(const engine::Response& response);

}  // namespace notion_sim::policies
