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

// A logical operation: one call of the public API (or of the second upstream). New operations are
// appended, never inserted: a trace records an operation by its number.
enum class Operation : std::uint8_t {
  kCreatePage,                // POST   /v1/pages
  kRetrievePage,              // GET    /v1/pages/{id}
  kUpdatePage,                // PATCH  /v1/pages/{id}
  kQueryDataSource,           // POST   /v1/data_sources/{id}/query
  kQueryDatabase,             // POST   /v1/databases/{id}/query (2022-06-28)
  kRetrieveDatabase,          // GET    /v1/databases/{id}
  kRetrieveDataSource,        // GET    /v1/data_sources/{id}
  kAppendBlocks,              // PATCH  /v1/blocks/{id}/children
  kListBlockChildren,         // GET    /v1/blocks/{id}/children
  kRetrieveBlock,             // GET    /v1/blocks/{id}
  kUpdateBlock,               // PATCH  /v1/blocks/{id}
  kDeleteBlock,               // DELETE /v1/blocks/{id}
  kSearch,                    // POST   /v1/search
  kUsersMe,                   // GET    /v1/users/me
  kListUsers,                 // GET    /v1/users
  kRetrieveUser,              // GET    /v1/users/{id}
  kUpstreamComplete,          // POST   /upstream/v1/complete (the second upstream)
  kCreateDatabase,            // POST   /v1/databases
  kUpdateDatabase,            // PATCH  /v1/databases/{id}
  kMovePage,                  // POST   /v1/pages/{id}/move
  kRetrievePageProperty,      // GET    /v1/pages/{id}/properties/{property_id}
  kRetrievePageMarkdown,      // GET    /v1/pages/{id}/markdown
  kUpdatePageMarkdown,        // PATCH  /v1/pages/{id}/markdown
  kCreateDataSource,          // POST   /v1/data_sources
  kUpdateDataSource,          // PATCH  /v1/data_sources/{id}
  kListDataSourceTemplates,   // GET    /v1/data_sources/{id}/templates
  kCreateComment,             // POST   /v1/comments
  kListComments,              // GET    /v1/comments?block_id=
  kRetrieveComment,           // GET    /v1/comments/{id}
  kUpdateComment,             // PATCH  /v1/comments/{id}
  kDeleteComment,             // DELETE /v1/comments/{id}
  kCreateFileUpload,          // POST   /v1/file_uploads
  kListFileUploads,           // GET    /v1/file_uploads
  kRetrieveFileUpload,        // GET    /v1/file_uploads/{id}
  kSendFileUpload,            // POST   /v1/file_uploads/{id}/send (multipart/form-data)
  kCompleteFileUpload,        // POST   /v1/file_uploads/{id}/complete
  kListViews,                 // GET    /v1/views?database_id=|data_source_id=
  kCreateView,                // POST   /v1/views
  kRetrieveView,              // GET    /v1/views/{id}
  kUpdateView,                // PATCH  /v1/views/{id}
  kDeleteView,                // DELETE /v1/views/{id}
  kCreateViewQuery,           // POST   /v1/views/{id}/queries
  kRetrieveViewQueryResults,  // GET    /v1/views/{id}/queries/{query_id}
  kDeleteViewQuery,           // DELETE /v1/views/{id}/queries/{query_id}
  kListCustomEmojis,          // GET    /v1/custom_emojis
  kOauthToken,                // POST   /v1/oauth/token (Basic auth)
  kOauthIntrospect,           // POST   /v1/oauth/introspect (Basic auth)
  kOauthRevoke,               // POST   /v1/oauth/revoke (Basic auth)
  kRetrieveAsyncTask,         // GET    /v1/async_tasks/{id}
  kCreateMeetingNote,         // POST   /v1/blocks/meeting_notes
  kQueryMeetingNotes,         // POST   /v1/blocks/meeting_notes/query
  kAgents,                    // any route of the agents group (agents, sessions, threads, ...)
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
// True for the operations of Notion's own API that authenticate with the integration's client id
// and secret (HTTP Basic) rather than a bearer token: oauth token, introspect, revoke.
bool UsesBasicAuth(Operation op);

// The services a run depends on: Notion, and the second upstream an enrich workflow asks
// (seed pattern 2). Each has its own stack, breaker keys, limiter, invariants, health and rows in
// reports; trace events say which one they concern (engine::Event::dependency).
enum class Dependency : std::uint8_t { kNotion, kUpstream, kCount };
inline constexpr int kDependencyCount = static_cast<int>(Dependency::kCount);
std::string_view DependencyName(Dependency dependency);  // "notion", "upstream"
// kUpstream for Operation::kUpstreamComplete, kNotion for the rest.
Dependency DependencyOf(Operation op);

// The route of an operation with its path parameters filled in (dashed ids). `target` is the
// first path parameter, `target2` the second (a property id, a view query id); operations without
// them ignore them.
std::string RenderPath(Operation op, const std::string& target, const std::string& target2 = "");

// An HTTP method + path (without query string) matched to an operation. `target` and `target2`
// hold the raw path parameters (not validated; the fake answers an unparsable id with Notion's
// 400).
struct Route {
  Operation operation;
  std::string target;
  std::string target2;
};
// nullopt when no operation has this method and path (the fake answers 400
// invalid_request_url). A literal segment wins over a parameter ("/v1/users/me" is users_me, not
// retrieve_user). Paths start with "/v1/" ("/upstream/v1/complete" for the upstream).
std::optional<Route> ParseRoute(Method method, std::string_view path);

// Notion's error `code` values (docs/sources.md#notions-status-codes), plus kNone (no error) and
// kOther (a code string we do not know).
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
// True for the codes in the official SDK's `APIErrorCode` enum (v5.26.0,
// docs/sources.md#the-official-sdk): an error answer carrying one becomes an APIResponseError;
// missing_version, invalid_grant, bad_gateway and database_connection_unavailable (and unknown
// codes) become an UnknownHTTPResponseError, which the SDK never retries. The one list the stack's
// classifier, the live transport and the fake read.
bool InSdkErrorEnum(ApiCode code);

}  // namespace notion_sim::engine
