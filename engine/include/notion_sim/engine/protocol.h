// The Notion protocol as data: HTTP methods, the logical operations the stack performs, and the
// API's error codes. Shared by the stack (policies/) and the fake (simulator/), so neither needs
// strings on the simulated hot path. Thread-safe: constants and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace notion_sim::engine {

enum class Method : std::uint8_t { kGet, kPost, kPatch, kDelete };

std::string_view MethodName(Method method);  // "GET", ...
std::optional<Method> ParseMethod(std::string_view name);

// A logical operation: one call of the public API (or of the second upstream).
enum class Operation : std::uint8_t {
  kCreatePage,          // POST   /v1/pages
  kRetrievePage,        // GET    /v1/pages/{id}
  kUpdatePage,          // PATCH  /v1/pages/{id}
  kQueryDataSource,     // POST   /v1/data_sources/{id}/query
  kQueryDatabase,       // POST   /v1/databases/{id}/query (2022-06-28)
  kRetrieveDatabase,    // GET    /v1/databases/{id}
  kRetrieveDataSource,  // GET    /v1/data_sources/{id}
  kAppendBlocks,        // PATCH  /v1/blocks/{id}/children
  kListBlockChildren,   // GET    /v1/blocks/{id}/children
  kRetrieveBlock,       // GET    /v1/blocks/{id}
  kUpdateBlock,         // PATCH  /v1/blocks/{id}
  kDeleteBlock,         // DELETE /v1/blocks/{id}
  kSearch,              // POST   /v1/search
  kUsersMe,             // GET    /v1/users/me
  kListUsers,           // GET    /v1/users
  kRetrieveUser,        // GET    /v1/users/{id}
  kUpstreamComplete,    // POST   /upstream/v1/complete (the second upstream)
  kCreateDatabase,      // POST   /v1/databases (live runs make their sandbox with it)
  kUpdateDatabase,      // PATCH  /v1/databases/{id} (title, in_trash)
  kCount,
};
inline constexpr int kOperationCount = static_cast<int>(Operation::kCount);

std::string_view OperationName(Operation op);  // "create_page", ...
std::optional<Operation> ParseOperation(std::string_view name);
Method MethodOf(Operation op);
// True for operations that create or change state on the server.
bool IsWrite(Operation op);
// True for operations that create a new object (the duplicate-create risk).
bool IsCreate(Operation op);

// The services a run depends on: Notion, and the second upstream an enrich workflow asks
// (seed pattern 2). Each has its own stack, breaker keys, limiter, invariants, health and rows in
// reports; trace events say which one they concern (engine::Event::dependency).
enum class Dependency : std::uint8_t { kNotion, kUpstream, kCount };
inline constexpr int kDependencyCount = static_cast<int>(Dependency::kCount);
std::string_view DependencyName(Dependency dependency);  // "notion", "upstream"
// kUpstream for Operation::kUpstreamComplete, kNotion for the rest.
Dependency DependencyOf(Operation op);

// The route of an operation: "/v1/pages/{id}" with the target id filled in (dashed form).
// `target` is ignored by operations without one (create_page, search, users_me, list_users).
std::string RenderPath(Operation op, const std::string& target);

// An HTTP method + path (without query string) matched to an operation. `target` holds the raw
// path parameter (not validated; the fake answers an unparsable id with Notion's 400/404).
struct Route {
  Operation operation;
  std::string target;
};
// nullopt when no operation has this method and path (the fake answers 400
// invalid_request_url). Paths must start with "/v1/" ("/upstream/v1/complete" for the upstream).
std::optional<Route> ParseRoute(Method method, std::string_view path);

// Notion's error `code` values (notion-api.md §2.2), plus kNone (no error) and kOther (a code
// string we do not know).
enum class ApiCode : std::uint8_t {
  kNone,
  kInvalidJson,
  kInvalidRequestUrl,
  kInvalidRequest,
  kInvalidGrant,
  kInvalidBeta,
  kValidationError,
  kMissingVersion,
  kUnauthorized,
  kRestrictedResource,
  kObjectNotFound,
  kConflictError,
  kRateLimited,
  kInternalServerError,
  kBadGateway,
  kServiceUnavailable,
  kDatabaseConnectionUnavailable,
  kGatewayTimeout,
  kServiceOverload,
  kOther,
};

std::string_view ApiCodeName(ApiCode code);   // "rate_limited", ...
ApiCode ParseApiCode(std::string_view name);  // kOther if unknown, kNone if empty
// The HTTP status Notion answers with for a code (429 for rate_limited, ...).
int DefaultStatusOf(ApiCode code);

}  // namespace notion_sim::engine
