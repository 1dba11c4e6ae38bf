#include "notion_sim/policies/classify.h"

#include <gtest/gtest.h>

#include "responses.h"

namespace notion_sim::policies {
namespace {

using engine::ApiCode;
using engine::Response;
using engine::TransportOutcome;

TEST(Classify, ByBodyCode) {
  EXPECT_EQ(Classify(Http(200)), ErrorClass::kSuccess);
  EXPECT_EQ(Classify(Http(429, ApiCode::kRateLimited)), ErrorClass::kRateLimited);
  EXPECT_EQ(Classify(Http(529, ApiCode::kServiceOverload)), ErrorClass::kRateLimited);
  EXPECT_EQ(Classify(Http(500, ApiCode::kInternalServerError)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(Http(502, ApiCode::kBadGateway)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(Http(503, ApiCode::kServiceUnavailable)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(Http(503, ApiCode::kDatabaseConnectionUnavailable)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(Http(504, ApiCode::kGatewayTimeout)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(Http(401, ApiCode::kUnauthorized)), ErrorClass::kAuth);
  EXPECT_EQ(Classify(Http(400, ApiCode::kInvalidGrant)), ErrorClass::kAuth);
  EXPECT_EQ(Classify(Http(403, ApiCode::kRestrictedResource)), ErrorClass::kAuthz);
  EXPECT_EQ(Classify(Http(404, ApiCode::kObjectNotFound)), ErrorClass::kNotFound);
  EXPECT_EQ(Classify(Http(400, ApiCode::kValidationError)), ErrorClass::kValidation);
  EXPECT_EQ(Classify(Http(400, ApiCode::kMissingVersion)), ErrorClass::kValidation);
  EXPECT_EQ(Classify(Http(400, ApiCode::kInvalidJson)), ErrorClass::kValidation);
  EXPECT_EQ(Classify(Http(409, ApiCode::kConflictError)), ErrorClass::kConflict);
}

TEST(Classify, TheCodeWinsOverTheStatus) {
  // The SDK's EXP: HTTP 500 with code rate_limited is a rate limit.
  EXPECT_EQ(Classify(Http(500, ApiCode::kRateLimited)), ErrorClass::kRateLimited);
  EXPECT_EQ(Classify(Http(200, ApiCode::kNone)), ErrorClass::kSuccess);
}

TEST(Classify, StatusFallbackWhenTheCodeIsUnknownOrAbsent) {
  EXPECT_EQ(Classify(Http(429, ApiCode::kOther)), ErrorClass::kRateLimited);
  EXPECT_EQ(Classify(Http(529)), ErrorClass::kRateLimited);
  EXPECT_EQ(Classify(Http(503)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(Http(408)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(Http(501)), ErrorClass::kPermanentServer);
  EXPECT_EQ(Classify(Http(505)), ErrorClass::kPermanentServer);
  EXPECT_EQ(Classify(Http(413)), ErrorClass::kValidation);
  EXPECT_EQ(Classify(Http(422)), ErrorClass::kValidation);
  EXPECT_EQ(Classify(Http(418)), ErrorClass::kValidation);
  EXPECT_EQ(Classify(Http(401)), ErrorClass::kAuth);
  EXPECT_EQ(Classify(Http(403)), ErrorClass::kAuthz);
  EXPECT_EQ(Classify(Http(404)), ErrorClass::kNotFound);
  EXPECT_EQ(Classify(Http(409)), ErrorClass::kConflict);
  EXPECT_EQ(Classify(Http(302)), ErrorClass::kUnknownEdge);
}

TEST(Classify, EdgeErrors) {
  Response r = Http(502);
  r.edge_error = true;
  r.code_known_to_sdk = false;
  EXPECT_EQ(Classify(r), ErrorClass::kTransient);
  r.status = 522;
  EXPECT_EQ(Classify(r), ErrorClass::kTransient);
  r.status = 403;  // a block page
  EXPECT_EQ(Classify(r), ErrorClass::kUnknownEdge);
  EXPECT_FALSE(IsSdkApiResponseError(r));
}

TEST(Classify, TransportOutcomes) {
  EXPECT_EQ(Classify(NoAnswer(TransportOutcome::kTimeout)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(NoAnswer(TransportOutcome::kConnectionReset)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(NoAnswer(TransportOutcome::kConnectionRefused)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(NoAnswer(TransportOutcome::kDnsFailure)), ErrorClass::kTransient);
  EXPECT_EQ(Classify(NoAnswer(TransportOutcome::kTlsFailure)), ErrorClass::kUnknownEdge);
  EXPECT_EQ(Classify(NoAnswer(TransportOutcome::kMalformed)), ErrorClass::kUnknownEdge);
}

TEST(Classify, SdkViewNeedsACodeInItsEnum) {
  EXPECT_TRUE(IsSdkApiResponseError(Http(429, ApiCode::kRateLimited)));
  EXPECT_TRUE(IsSdkApiResponseError(Http(504, ApiCode::kGatewayTimeout)));
  EXPECT_TRUE(IsSdkApiResponseError(Http(400, ApiCode::kInvalidBeta)));
  // Not in APIErrorCode (docs/sources.md#the-official-sdk): UnknownHTTPResponseError.
  EXPECT_FALSE(IsSdkApiResponseError(Http(502, ApiCode::kBadGateway)));
  EXPECT_FALSE(IsSdkApiResponseError(Http(503, ApiCode::kDatabaseConnectionUnavailable)));
  EXPECT_FALSE(IsSdkApiResponseError(Http(400, ApiCode::kMissingVersion)));
  EXPECT_FALSE(IsSdkApiResponseError(Http(400, ApiCode::kInvalidGrant)));
  EXPECT_FALSE(IsSdkApiResponseError(Http(500, ApiCode::kOther)));
  // A 429 whose body is not JSON.
  Response r = Http(429, ApiCode::kRateLimited);
  r.code_known_to_sdk = false;
  EXPECT_FALSE(IsSdkApiResponseError(r));
  EXPECT_FALSE(IsSdkApiResponseError(Http(200)));
  EXPECT_FALSE(IsSdkApiResponseError(NoAnswer(TransportOutcome::kTimeout)));
  EXPECT_FALSE(InSdkErrorEnum(ApiCode::kNone));
}

TEST(Classify, MayHaveApplied) {
  EXPECT_EQ(MayHaveApplied(Http(200)), Applied::kYes);
  EXPECT_EQ(MayHaveApplied(Http(503, ApiCode::kServiceUnavailable)), Applied::kMaybe);
  EXPECT_EQ(MayHaveApplied(Http(500)), Applied::kMaybe);
  EXPECT_EQ(MayHaveApplied(Http(529, ApiCode::kServiceOverload)), Applied::kNo);
  EXPECT_EQ(MayHaveApplied(Http(429, ApiCode::kRateLimited)), Applied::kNo);
  EXPECT_EQ(MayHaveApplied(Http(409, ApiCode::kConflictError)), Applied::kNo);
  EXPECT_EQ(MayHaveApplied(NoAnswer(TransportOutcome::kTimeout)), Applied::kMaybe);
  EXPECT_EQ(MayHaveApplied(NoAnswer(TransportOutcome::kConnectionReset)), Applied::kMaybe);
  EXPECT_EQ(MayHaveApplied(NoAnswer(TransportOutcome::kMalformed)), Applied::kMaybe);
  EXPECT_EQ(MayHaveApplied(NoAnswer(TransportOutcome::kConnectionRefused)), Applied::kNo);
  EXPECT_EQ(MayHaveApplied(NoAnswer(TransportOutcome::kDnsFailure)), Applied::kNo);
}

TEST(Classify, TimeoutsAndNames) {
  EXPECT_TRUE(IsTimeout(NoAnswer(TransportOutcome::kTimeout)));
  EXPECT_TRUE(IsTimeout(Http(504, ApiCode::kGatewayTimeout)));
  EXPECT_FALSE(IsTimeout(Http(503)));
  EXPECT_EQ(ErrorClassName(ErrorClass::kPermanentServer), "permanent_server");
  EXPECT_EQ(ErrorClassName(ErrorClass::kRateLimited), "rate_limited");
}

}  // namespace
}  // namespace notion_sim::policies
