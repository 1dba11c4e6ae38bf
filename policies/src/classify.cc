#include "notion_sim/policies/classify.h"

namespace notion_sim::policies {

using engine::ApiCode;
using engine::TransportOutcome;

std::string_view ErrorClassName(ErrorClass cls) {
  switch (cls) {
    case ErrorClass::kSuccess:
      return "success";
    case ErrorClass::kTransient:
      return "transient";
    case ErrorClass::kRateLimited:
      return "rate_limited";
    case ErrorClass::kAuth:
      return "auth";
    case ErrorClass::kAuthz:
      return "authz";
    case ErrorClass::kNotFound:
      return "not_found";
    case ErrorClass::kValidation:
      return "validation";
    case ErrorClass::kConflict:
      return "conflict";
    case ErrorClass::kPermanentServer:
      return "permanent_server";
    case ErrorClass::kUnknownEdge:
      return "unknown_edge";
    case ErrorClass::kCount:
      break;
  }
  return "?";
}

ErrorClass ClassOfCode(ApiCode code) {
  switch (code) {
    case ApiCode::kInvalidJson:
    case ApiCode::kInvalidRequestUrl:
    case ApiCode::kInvalidRequest:
    case ApiCode::kInvalidBeta:
    case ApiCode::kValidationError:
    case ApiCode::kMissingVersion:
      return ErrorClass::kValidation;
    case ApiCode::kInvalidGrant:
    case ApiCode::kUnauthorized:
      return ErrorClass::kAuth;
    case ApiCode::kRestrictedResource:
      return ErrorClass::kAuthz;
    case ApiCode::kObjectNotFound:
      return ErrorClass::kNotFound;
    case ApiCode::kConflictError:
      return ErrorClass::kConflict;
    case ApiCode::kRateLimited:
    case ApiCode::kServiceOverload:  // 529: "handle like 429" (request-limits R-mid/R-new)
      return ErrorClass::kRateLimited;
    case ApiCode::kInternalServerError:
    case ApiCode::kBadGateway:
    case ApiCode::kServiceUnavailable:
    case ApiCode::kDatabaseConnectionUnavailable:
    case ApiCode::kGatewayTimeout:
      return ErrorClass::kTransient;
    case ApiCode::kNone:
    case ApiCode::kOther:
      break;
  }
  return ErrorClass::kCount;
}

ErrorClass ClassOfStatus(int status) {
  if (status >= 200 && status < 300) return ErrorClass::kSuccess;
  switch (status) {
    case 400:
    case 405:
    case 413:  // very large rich-text arrays once got 413 instead of 400 (docs/sources.md)
    case 414:
    case 415:
    case 422:
      return ErrorClass::kValidation;
    case 401:
      return ErrorClass::kAuth;
    case 403:
      return ErrorClass::kAuthz;
    case 404:
    case 410:
      return ErrorClass::kNotFound;
    case 409:
      return ErrorClass::kConflict;
    case 429:
    case 529:
      return ErrorClass::kRateLimited;
    case 408:
    case 500:
    case 502:
    case 503:
    case 504:
      return ErrorClass::kTransient;
    default:
      break;
  }
  if (status >= 400 && status < 500) return ErrorClass::kValidation;
  if (status >= 500 && status < 600) return ErrorClass::kPermanentServer;
  return ErrorClass::kUnknownEdge;  // 1xx, 3xx, nonsense
}

ErrorClass ClassOfTransport(TransportOutcome outcome) {
  switch (outcome) {
    case TransportOutcome::kResponse:
      break;
    case TransportOutcome::kTimeout:
    case TransportOutcome::kConnectionReset:
    case TransportOutcome::kConnectionRefused:
    case TransportOutcome::kDnsFailure:
      return ErrorClass::kTransient;
    case TransportOutcome::kTlsFailure:  // usually a certificate or proxy problem, not load
    case TransportOutcome::kMalformed:
      return ErrorClass::kUnknownEdge;
  }
  return ErrorClass::kUnknownEdge;
}

ErrorClass Classify(const engine::Response& response) {
  if (response.outcome != TransportOutcome::kResponse) return ClassOfTransport(response.outcome);
  if (response.ok()) return ErrorClass::kSuccess;
  if (response.edge_error) {
    // The edge proxy answered, not Notion: 5xx pages (502, 520-527) are load or origin trouble and
    // pass on retry; other edge pages (a 403 block page) will not.
    return response.status >= 500 && response.status < 600 ? ErrorClass::kTransient
                                                           : ErrorClass::kUnknownEdge;
  }
  const ErrorClass by_code = ClassOfCode(response.code);
  if (by_code != ErrorClass::kCount) return by_code;
  return ClassOfStatus(response.status);
}

bool IsSdkApiResponseError(const engine::Response& response) {
  return response.outcome == TransportOutcome::kResponse && !response.ok() &&
         !response.edge_error && response.code_known_to_sdk && InSdkErrorEnum(response.code);
}

Applied MayHaveApplied(const engine::Response& response) {
  switch (response.outcome) {
    case TransportOutcome::kConnectionRefused:
    case TransportOutcome::kDnsFailure:
    case TransportOutcome::kTlsFailure:
      return Applied::kNo;
    case TransportOutcome::kTimeout:
    case TransportOutcome::kConnectionReset:
    case TransportOutcome::kMalformed:
      return Applied::kMaybe;
    case TransportOutcome::kResponse:
      break;
  }
  if (response.ok()) return Applied::kYes;
  // Notion documents writes that committed and still answered 503 (docs/sources.md); any 5xx
  // (and any edge 5xx page) leaves the write's fate unknown. 4xx and 429/529 were refused.
  if (response.status >= 500 && response.status < 600 && response.status != 529) {
    return Applied::kMaybe;
  }
  return Applied::kNo;
}

bool IsTimeout(const engine::Response& response) {
  return response.outcome == TransportOutcome::kTimeout ||
         (response.outcome == TransportOutcome::kResponse &&
          (response.status == 408 || response.status == 504));
}

}  // namespace notion_sim::policies
