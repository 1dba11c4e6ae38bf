#include "notion_sim/engine/protocol.h"

#include <array>

#include "notion_sim/engine/transport.h"

namespace notion_sim::engine {
namespace {

struct OpInfo {
  std::string_view name;
  Method method;
  bool write;
  bool create;
};

constexpr std::array<OpInfo, kOperationCount> kOps = {{
    {"create_page", Method::kPost, true, true},
    {"retrieve_page", Method::kGet, false, false},
    {"update_page", Method::kPatch, true, false},
    {"query_data_source", Method::kPost, false, false},
    {"query_database", Method::kPost, false, false},
    {"retrieve_database", Method::kGet, false, false},
    {"retrieve_data_source", Method::kGet, false, false},
    {"append_blocks", Method::kPatch, true, true},
    {"list_block_children", Method::kGet, false, false},
    {"retrieve_block", Method::kGet, false, false},
    {"update_block", Method::kPatch, true, false},
    {"delete_block", Method::kDelete, true, false},
    {"search", Method::kPost, false, false},
    {"users_me", Method::kGet, false, false},
    {"list_users", Method::kGet, false, false},
    {"retrieve_user", Method::kGet, false, false},
    {"upstream_complete", Method::kPost, false, false},
}};

constexpr std::array<std::string_view, static_cast<int>(ApiCode::kOther) + 1> kCodes = {
    "",
    "invalid_json",
    "invalid_request_url",
    "invalid_request",
    "invalid_grant",
    "invalid_beta",
    "validation_error",
    "missing_version",
    "unauthorized",
    "restricted_resource",
    "object_not_found",
    "conflict_error",
    "rate_limited",
    "internal_server_error",
    "bad_gateway",
    "service_unavailable",
    "database_connection_unavailable",
    "gateway_timeout",
    "service_overload",
    "other",
};

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kPost: return "POST";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
  }
  return "?";
}

std::optional<Method> ParseMethod(std::string_view name) {
  for (Method m : {Method::kGet, Method::kPost, Method::kPatch, Method::kDelete}) {
    if (MethodName(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view OperationName(Operation op) {
  const auto i = static_cast<std::size_t>(op);
  return i < kOps.size() ? kOps[i].name : "?";
}

std::optional<Operation> ParseOperation(std::string_view name) {
  for (std::size_t i = 0; i < kOps.size(); ++i) {
    if (kOps[i].name == name) return static_cast<Operation>(i);
  }
  return std::nullopt;
}

Method MethodOf(Operation op) { return kOps[static_cast<std::size_t>(op)].method; }
bool IsWrite(Operation op) { return kOps[static_cast<std::size_t>(op)].write; }
bool IsCreate(Operation op) { return kOps[static_cast<std::size_t>(op)].create; }

std::string_view ApiCodeName(ApiCode code) { return kCodes[static_cast<std::size_t>(code)]; }

ApiCode ParseApiCode(std::string_view name) {
  if (name.empty()) return ApiCode::kNone;
  for (std::size_t i = 1; i + 1 < kCodes.size(); ++i) {
    if (kCodes[i] == name) return static_cast<ApiCode>(i);
  }
  return ApiCode::kOther;
}

int DefaultStatusOf(ApiCode code) {
  switch (code) {
    case ApiCode::kNone: return 200;
    case ApiCode::kUnauthorized: return 401;
    case ApiCode::kRestrictedResource: return 403;
    case ApiCode::kObjectNotFound: return 404;
    case ApiCode::kConflictError: return 409;
    case ApiCode::kRateLimited: return 429;
    case ApiCode::kInternalServerError: return 500;
    case ApiCode::kBadGateway: return 502;
    case ApiCode::kServiceUnavailable:
    case ApiCode::kDatabaseConnectionUnavailable: return 503;
    case ApiCode::kGatewayTimeout: return 504;
    case ApiCode::kServiceOverload: return 529;
    case ApiCode::kOther: return 500;
    default: return 400;
  }
}

std::string_view LaneName(Lane lane) {
  switch (lane) {
    case Lane::kCritical: return "critical";
    case Lane::kNormal: return "normal";
    case Lane::kBulk: return "bulk";
  }
  return "?";
}

std::string_view TransportOutcomeName(TransportOutcome outcome) {
  switch (outcome) {
    case TransportOutcome::kResponse: return "response";
    case TransportOutcome::kTimeout: return "timeout";
    case TransportOutcome::kConnectionReset: return "connection_reset";
    case TransportOutcome::kConnectionRefused: return "connection_refused";
    case TransportOutcome::kDnsFailure: return "dns_failure";
    case TransportOutcome::kTlsFailure: return "tls_failure";
    case TransportOutcome::kMalformed: return "malformed";
  }
  return "?";
}

std::string_view OpStatusName(OpStatus status) {
  switch (status) {
    case OpStatus::kSucceeded: return "succeeded";
    case OpStatus::kServedFallback: return "served_fallback";
    case OpStatus::kFailed: return "failed";
    case OpStatus::kDeadLettered: return "dead_lettered";
  }
  return "?";
}

}  // namespace notion_sim::engine
