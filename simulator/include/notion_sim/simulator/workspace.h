// Workspace: the fake's initial world and who may use it — tokens (bearer values, the tenant and
// workspace they belong to, their plan, what they may not see), databases with their data
// sources and seeded pages, users, and how the model behaves (search indexing delay, time
// epoch, what an unknown parent means). Thread-safe as a value.
//
//   "workspace": {
//     "epoch": "2026-01-01T00:00:00Z",          // virtual time 0 renders as this instant
//     "tokens": [{"token": "secret_acme", "name": "acme", "tenant": 0, "workspace": 0,
//                 "capabilities": ["read", "update", "insert"],
//                 "hidden": ["<id>"], "forbidden": ["<id>"]}],
//     "databases": [{"id": "<id>", "title": "Tasks",
//                    "data_sources": [{"id": "<id>", "title": "Tasks", "pages": 250,
//                                      "properties": {"Name": "title", "Done": "checkbox"}}]}],
//     "users": 3,
//     "search_indexing_delay_ms": 0,
//     "unknown_parent": "not_found",            // 404 as Notion; "create": lenient
//     "oauth": {"client_id": "notion-sim", "client_secret": "notion-sim-secret"},
//     "custom_emojis": ["party-parrot"],
//     "conflict_window_ms": 0,                  // 409 when two ops edit a page this close
//     "query_result_limit": 10000,
//     "rate_limits": {...},                     // see rate_limit.h
//     "notion_version": "2025-09-03"            // what in-process requests speak
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/simulator/rate_limit.h"

namespace notion_sim::sim {

// The Notion-Version values the fake speaks (docs/sources.md#protocol-headers-versions-pagination).
enum class ApiVersion : std::uint8_t {
  k20220628,  // databases/{id}/query, list type page_or_database, search value "database"
  k20250903,  // data_sources/{id}/query, page_or_data_source; pages carry archived and in_trash
  k20260311,  // as 2025-09-03, but in_trash only (archived is gone)
};
std::string_view ApiVersionName(ApiVersion version);  // "2022-06-28", ...
std::optional<ApiVersion> ParseApiVersion(std::string_view text);

// What a token may do (Notion's integration capabilities); a missing one answers 403
// restricted_resource.
enum Capability : std::uint8_t {
  kCapRead = 1,
  kCapUpdate = 2,
  kCapInsert = 4,
  kCapAll = 7,
};

struct TokenSpec {
  std::string token;            // the bearer value (HTTP door); never journaled or logged
  std::string name;             // what the journal and metrics call it
  std::uint16_t tenant = 0;     // engine::Request::tenant that stands for this token in-process
  std::uint16_t workspace = 0;  // the workspace budget it spends
  std::uint8_t capabilities = kCapAll;
  // Objects the token was not shared: 404 object_not_found, as Notion does.
  std::vector<engine::ObjectId> hidden;
  // Objects the token may see but not use: 403 restricted_resource.
  std::vector<engine::ObjectId> forbidden;
};

// A property of a data source's schema: name -> Notion property type ("title", "rich_text",
// "number", "checkbox", "select", "status", "date", "url", "email", "phone_number",
// "multi_select", "people", "files", "created_time", "last_edited_time", "created_by",
// "last_edited_by", "unique_id", "formula").
struct PropertySpec {
  std::string name;
  std::string type;
};

struct DataSourceSpec {
  engine::ObjectId id;  // empty: drawn from the Rng
  std::string title;
  // Empty: any property is accepted (as an auto-created parent does). Otherwise pages may only
  // carry these properties. "idempotency_key" (rich_text) is always accepted.
  std::vector<PropertySpec> properties;
  std::uint32_t pages = 0;  // pages seeded at time 0, titled "Seed N"
};

struct DatabaseSpec {
  engine::ObjectId id;  // empty: drawn from the Rng
  std::string title;
  std::vector<DataSourceSpec> data_sources;  // at least one
};

enum class UnknownParent : std::uint8_t {
  kCreate,    // a create under an unknown id makes a data source with that id (simulation ease)
  kNotFound,  // 404 object_not_found, as Notion does
};

struct Workspace {
  // Seconds since the Unix epoch that virtual time 0 renders as (ISO 8601 timestamps, HTTP-dates).
  std::int64_t epoch_unix_s = kDefaultEpochUnixS;  // 2026-01-01T00:00:00Z
  // No tokens: every in-process tenant is its own token in workspace 0, and HTTP accepts any
  // bearer token (named by its last 4 characters).
  std::vector<TokenSpec> tokens;
  std::vector<DatabaseSpec> databases;
  std::uint32_t users = 3;  // people, plus one bot per token
  TimeUs search_indexing_delay_us = 0;
  UnknownParent unknown_parent = UnknownParent::kNotFound;
  TimeUs conflict_window_us = 0;  // 0 = never 409
  std::uint32_t query_result_limit = 10'000;
  RateLimitConfig rate_limits;
  // The public integration's credentials for /v1/oauth/* (HTTP Basic).
  std::string oauth_client_id = "notion-sim";
  std::string oauth_client_secret = "notion-sim-secret";
  // Custom emoji names (GET /v1/custom_emojis).
  std::vector<std::string> custom_emojis;
  // The version in-process requests speak (they carry no header).
  ApiVersion in_process_version = ApiVersion::k20250903;
};

// The workspace `notion-sim serve` starts with when given none: one database "Tasks" holding one
// data source "Tasks" (properties Name: title, Done: checkbox, Notes: rich_text, Count: number,
// Status: rich_text, idempotency_key: rich_text) with `seeded_pages` pages, ids drawn from `seed`,
// no tokens (the caller adds them).
Workspace DefaultServeWorkspace(std::uint64_t seed, std::uint32_t seeded_pages = 0);

// Parses the "workspace" object shown above. Unknown fields are errors.
Result<Workspace> ParseWorkspace(engine::ObjectReader& reader);
// "2026-01-01T00:00:00Z" (or with milliseconds / an offset of Z only) -> Unix seconds.
Result<std::int64_t> ParseIsoSeconds(std::string_view text);

}  // namespace notion_sim::sim
