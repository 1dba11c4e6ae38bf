#include "notion_sim/engine/protocol.h"

#include <algorithm>
#include <array>

#include "notion_sim/engine/transport.h"

namespace notion_sim::engine {
namespace {

struct OpInfo {
  std::string_view name;
  Method method;
  bool write;
  bool create;
  std::string_view pattern;  // "/v1/pages/{}/properties/{}": "{}" is a path parameter
};

constexpr std::array<OpInfo, kOperationCount> kOps = {{
    {"create_page", Method::kPost, true, true, "/v1/pages"},
    {"retrieve_page", Method::kGet, false, false, "/v1/pages/{}"},
    {"update_page", Method::kPatch, true, false, "/v1/pages/{}"},
    {"query_data_source", Method::kPost, false, false, "/v1/data_sources/{}/query"},
    {"query_database", Method::kPost, false, false, "/v1/databases/{}/query"},
    {"retrieve_database", Method::kGet, false, false, "/v1/databases/{}"},
    {"retrieve_data_source", Method::kGet, false, false, "/v1/data_sources/{}"},
    {"append_blocks", Method::kPatch, true, true, "/v1/blocks/{}/children"},
    {"list_block_children", Method::kGet, false, false, "/v1/blocks/{}/children"},
    {"retrieve_block", Method::kGet, false, false, "/v1/blocks/{}"},
    {"update_block", Method::kPatch, true, false, "/v1/blocks/{}"},
    {"delete_block", Method::kDelete, true, false, "/v1/blocks/{}"},
    {"search", Method::kPost, false, false, "/v1/search"},
    {"users_me", Method::kGet, false, false, "/v1/users/me"},
    {"list_users", Method::kGet, false, false, "/v1/users"},
    {"retrieve_user", Method::kGet, false, false, "/v1/users/{}"},
    {"upstream_complete", Method::kPost, false, false, "/upstream/v1/complete"},
    {"create_database", Method::kPost, true, true, "/v1/databases"},
    {"update_database", Method::kPatch, true, false, "/v1/databases/{}"},
    {"move_page", Method::kPost, true, false, "/v1/pages/{}/move"},
    {"retrieve_page_property", Method::kGet, false, false, "/v1/pages/{}/properties/{}"},
    {"retrieve_page_markdown", Method::kGet, false, false, "/v1/pages/{}/markdown"},
    {"update_page_markdown", Method::kPatch, true, false, "/v1/pages/{}/markdown"},
    {"create_data_source", Method::kPost, true, true, "/v1/data_sources"},
    {"update_data_source", Method::kPatch, true, false, "/v1/data_sources/{}"},
    {"list_data_source_templates", Method::kGet, false, false, "/v1/data_sources/{}/templates"},
    {"create_comment", Method::kPost, true, true, "/v1/comments"},
    {"list_comments", Method::kGet, false, false, "/v1/comments"},
    {"retrieve_comment", Method::kGet, false, false, "/v1/comments/{}"},
    {"update_comment", Method::kPatch, true, false, "/v1/comments/{}"},
    {"delete_comment", Method::kDelete, true, false, "/v1/comments/{}"},
    {"create_file_upload", Method::kPost, true, true, "/v1/file_uploads"},
    {"list_file_uploads", Method::kGet, false, false, "/v1/file_uploads"},
    {"retrieve_file_upload", Method::kGet, false, false, "/v1/file_uploads/{}"},
    {"send_file_upload", Method::kPost, true, false, "/v1/file_uploads/{}/send"},
    {"complete_file_upload", Method::kPost, true, false, "/v1/file_uploads/{}/complete"},
    {"list_views", Method::kGet, false, false, "/v1/views"},
    {"create_view", Method::kPost, true, true, "/v1/views"},
    {"retrieve_view", Method::kGet, false, false, "/v1/views/{}"},
    {"update_view", Method::kPatch, true, false, "/v1/views/{}"},
    {"delete_view", Method::kDelete, true, false, "/v1/views/{}"},
    {"create_view_query", Method::kPost, false, false, "/v1/views/{}/queries"},
    {"retrieve_view_query_results", Method::kGet, false, false, "/v1/views/{}/queries/{}"},
    {"delete_view_query", Method::kDelete, false, false, "/v1/views/{}/queries/{}"},
    {"list_custom_emojis", Method::kGet, false, false, "/v1/custom_emojis"},
    {"oauth_token", Method::kPost, false, false, "/v1/oauth/token"},
    {"oauth_introspect", Method::kPost, false, false, "/v1/oauth/introspect"},
    {"oauth_revoke", Method::kPost, false, false, "/v1/oauth/revoke"},
    {"retrieve_async_task", Method::kGet, false, false, "/v1/async_tasks/{}"},
    {"create_meeting_note", Method::kPost, true, true, "/v1/blocks/meeting_notes"},
    {"query_meeting_notes", Method::kPost, false, false, "/v1/blocks/meeting_notes/query"},
    {"agents", Method::kGet, false, false, "/v1/agents"},
}};

// The agents group (SDK 5.26: agents, threads, sessions, external agent stubs): every route is
// one operation, kAgents, which the fake answers with Notion's "not available" error.
struct AgentRoute {
  Method method;
  std::string_view pattern;
};
constexpr AgentRoute kAgentRoutes[] = {
    {Method::kGet, "/v1/agents"},
    {Method::kDelete, "/v1/agents/{}"},
    {Method::kGet, "/v1/agents/{}"},
    {Method::kPost, "/v1/agents/{}/chat"},
    {Method::kPatch, "/v1/agents/{}/credit_limit"},
    {Method::kGet, "/v1/agents/{}/insights"},
    {Method::kPatch, "/v1/agents/{}/status"},
    {Method::kGet, "/v1/agents/{}/threads"},
    {Method::kPost, "/v1/agents/{}/threads/query"},
    {Method::kPost, "/v1/agents/batch"},
    {Method::kPost, "/v1/agents/query"},
    {Method::kPost, "/v1/external_agent_stub/{}/sessions"},
    {Method::kGet, "/v1/external_agent_stub/{}/sessions/{}/events"},
    {Method::kPost, "/v1/external_agent_stub/{}/sessions/{}/messages"},
    {Method::kPost, "/v1/external_agent_stub/{}/vaults"},
    {Method::kDelete, "/v1/external_agent_stub/{}/vaults/{}"},
    {Method::kPatch, "/v1/external_agent_stub/{}/vaults/{}"},
    {Method::kPost, "/v1/sessions"},
    {Method::kGet, "/v1/sessions/{}"},
    {Method::kPost, "/v1/sessions/{}/cancel"},
    {Method::kPost, "/v1/sessions/{}/events/query"},
    {Method::kPost, "/v1/sessions/query"},
    {Method::kPost, "/v1/threads/{}/continue"},
    {Method::kGet, "/v1/threads/{}/messages"},
    {Method::kPost, "/v1/threads/{}/messages"},
    {Method::kPost, "/v1/threads/{}/messages/query"},
};

// Matches `path` against `pattern`; fills the parameters and returns the number of literal
// segments matched, or -1.
int MatchPattern(std::string_view pattern, std::string_view path, std::string* p1,
                 std::string* p2) {
  int literals = 0;
  int params = 0;
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return -1;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::size_t pe = std::min(pattern.find('/'), pattern.size());
    const std::size_t se = std::min(path.find('/'), path.size());
    const std::string_view pseg = pattern.substr(0, pe);
    const std::string_view sseg = path.substr(0, se);
    if (pseg == "{}") {
      if (sseg.empty()) return -1;
      std::string* out = params++ == 0 ? p1 : p2;
      if (out != nullptr) *out = std::string(sseg);
    } else if (pseg == sseg) {
      ++literals;
    } else {
      return -1;
    }
    pattern.remove_prefix(pe);
    path.remove_prefix(se);
  }
  return literals;
}

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
bool UsesBasicAuth(Operation op) {
  return op == Operation::kOauthToken || op == Operation::kOauthIntrospect ||
         op == Operation::kOauthRevoke;
}

std::string RenderPath(Operation op, const std::string& target, const std::string& target2) {
  const std::string_view pattern = kOps[static_cast<std::size_t>(op)].pattern;
  std::string path;
  int params = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 2, "{}") == 0) {
      path += params++ == 0 ? target : target2;
      ++i;
    } else {
      path += pattern[i];
    }
  }
  return path;
}

std::optional<Route> ParseRoute(Method method, std::string_view path) {
  std::optional<Route> best;
  int best_literals = -1;
  for (std::size_t i = 0; i < kOps.size(); ++i) {
    const OpInfo& info = kOps[i];
    if (info.method != method || static_cast<Operation>(i) == Operation::kAgents) continue;
    Route r{static_cast<Operation>(i), "", ""};
    const int literals = MatchPattern(info.pattern, path, &r.target, &r.target2);
    if (literals > best_literals) {
      best_literals = literals;
      best = std::move(r);
    }
  }
  for (const AgentRoute& a : kAgentRoutes) {
    if (a.method != method) continue;
    Route r{Operation::kAgents, "", ""};
    const int literals = MatchPattern(a.pattern, path, &r.target, &r.target2);
    if (literals > best_literals) {
      best_literals = literals;
      best = std::move(r);
    }
  }
  return best;
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

bool InSdkErrorEnum(ApiCode code) {
  switch (code) {
    case ApiCode::kUnauthorized:
    case ApiCode::kRestrictedResource:
    case ApiCode::kObjectNotFound:
    case ApiCode::kRateLimited:
    case ApiCode::kInvalidJson:
    case ApiCode::kInvalidRequestUrl:
    case ApiCode::kInvalidRequest:
    case ApiCode::kInvalidBeta:
    case ApiCode::kValidationError:
    case ApiCode::kConflictError:
    case ApiCode::kInternalServerError:
    case ApiCode::kServiceOverload:
    case ApiCode::kServiceUnavailable:
    case ApiCode::kGatewayTimeout:
      return true;
    default:
      return false;
  }
}

}  // namespace notion_sim::engine
