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
  std::string_view prefix;  // path before the id ("/v1/pages/"), or the whole path
  std::string_view suffix;  // path after the id ("/children"); "" when none
  bool has_target;
};

constexpr std::array<OpInfo, kOperationCount> kOps = {{
    {"create_page", Method::kPost, true, true, "/v1/pages", "", false},
    {"retrieve_page", Method::kGet, false, false, "/v1/pages/", "", true},
    {"update_page", Method::kPatch, true, false, "/v1/pages/", "", true},
    {"query_data_source", Method::kPost, false, false, "/v1/data_sources/", "/query", true},
    {"query_database", Method::kPost, false, false, "/v1/databases/", "/query", true},
    {"retrieve_database", Method::kGet, false, false, "/v1/databases/", "", true},
    {"retrieve_data_source", Method::kGet, false, false, "/v1/data_sources/", "", true},
    {"append_blocks", Method::kPatch, true, true, "/v1/blocks/", "/children", true},
    {"list_block_children", Method::kGet, false, false, "/v1/blocks/", "/children", true},
    {"retrieve_block", Method::kGet, false, false, "/v1/blocks/", "", true},
    {"update_block", Method::kPatch, true, false, "/v1/blocks/", "", true},
    {"delete_block", Method::kDelete, true, false, "/v1/blocks/", "", true},
    {"search", Method::kPost, false, false, "/v1/search", "", false},
    {"users_me", Method::kGet, false, false, "/v1/users/me", "", false},
    {"list_users", Method::kGet, false, false, "/v1/users", "", false},
    {"retrieve_user", Method::kGet, false, false, "/v1/users/", "", true},
    {"upstream_complete", Method::kPost, false, false, "/upstream/v1/complete", "", false},
    {"create_database", Method::kPost, true, true, "/v1/databases", "", false},
    {"update_database", Method::kPatch, true, false, "/v1/databases/", "", true},
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
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
  }
  return "?";
}

std::optional<Method> ParseMethod(std::string_view name) {
  for (Method m : {Method::kGet, Method::kPost, Method::kPatch, Method::kDelete}) {
    if (MethodName(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view DependencyName(Dependency dependency) {
  switch (dependency) {
    case Dependency::kNotion:
      return "notion";
    case Dependency::kUpstream:
      return "upstream";
    case Dependency::kCount:
      break;
  }
  return "?";
}

Dependency DependencyOf(Operation op) {
  return op == Operation::kUpstreamComplete ? Dependency::kUpstream : Dependency::kNotion;
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

std::string RenderPath(Operation op, const std::string& target) {
  const OpInfo& info = kOps[static_cast<std::size_t>(op)];
  std::string path(info.prefix);
  if (info.has_target) {
    path += target;
    path += info.suffix;
  }
  return path;
}

std::optional<Route> ParseRoute(Method method, std::string_view path) {
  // Exact routes first: "/v1/users/me" must not match "/v1/users/{id}".
  for (std::size_t i = 0; i < kOps.size(); ++i) {
    const OpInfo& info = kOps[i];
    if (!info.has_target && info.method == method && path == info.prefix) {
      return Route{static_cast<Operation>(i), ""};
    }
  }
  for (std::size_t i = 0; i < kOps.size(); ++i) {
    const OpInfo& info = kOps[i];
    if (!info.has_target || info.method != method) continue;
    if (path.size() <= info.prefix.size() + info.suffix.size()) continue;
    if (path.substr(0, info.prefix.size()) != info.prefix) continue;
    if (path.substr(path.size() - info.suffix.size()) != info.suffix) continue;
    std::string_view id =
        path.substr(info.prefix.size(), path.size() - info.prefix.size() - info.suffix.size());
    if (id.find('/') != std::string_view::npos) continue;
    return Route{static_cast<Operation>(i), std::string(id)};
  }
  return std::nullopt;
}

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
    case ApiCode::kNone:
      return 200;
    case ApiCode::kUnauthorized:
      return 401;
    case ApiCode::kRestrictedResource:
      return 403;
    case ApiCode::kObjectNotFound:
      return 404;
    case ApiCode::kConflictError:
      return 409;
    case ApiCode::kRateLimited:
      return 429;
    case ApiCode::kInternalServerError:
      return 500;
    case ApiCode::kBadGateway:
      return 502;
    case ApiCode::kServiceUnavailable:
    case ApiCode::kDatabaseConnectionUnavailable:
      return 503;
    case ApiCode::kGatewayTimeout:
      return 504;
    case ApiCode::kServiceOverload:
      return 529;
    case ApiCode::kOther:
      return 500;
    default:
      return 400;
  }
}

std::string_view LaneName(Lane lane) {
  switch (lane) {
    case Lane::kCritical:
      return "critical";
    case Lane::kNormal:
      return "normal";
    case Lane::kBulk:
      return "bulk";
  }
  return "?";
}

std::string_view TransportOutcomeName(TransportOutcome outcome) {
  switch (outcome) {
    case TransportOutcome::kResponse:
      return "response";
    case TransportOutcome::kTimeout:
      return "timeout";
    case TransportOutcome::kConnectionReset:
      return "connection_reset";
    case TransportOutcome::kConnectionRefused:
      return "connection_refused";
    case TransportOutcome::kDnsFailure:
      return "dns_failure";
    case TransportOutcome::kTlsFailure:
      return "tls_failure";
    case TransportOutcome::kMalformed:
      return "malformed";
  }
  return "?";
}

std::string_view OpStatusName(OpStatus status) {
  switch (status) {
    case OpStatus::kSucceeded:
      return "succeeded";
    case OpStatus::kServedFallback:
      return "served_fallback";
    case OpStatus::kFailed:
      return "failed";
    case OpStatus::kDeadLettered:
      return "dead_lettered";
  }
  return "?";
}

}  // namespace notion_sim::engine
