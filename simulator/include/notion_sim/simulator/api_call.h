// ApiCall: one request to the fake, decoded — what both doors hand to the one request pipeline.
//
// The HTTP door (FakeNotion::HandleHttp) decodes method, path, query string, headers and body text
// into an ApiCall; the in-process door (FakeNotion::Handle(engine::Request)) fills one from the
// typed request the simulated stack sends. Decoding never judges: a missing Notion-Version, an
// unknown route, an id that is not a UUID or a body that is not JSON are recorded here as what
// the request said, and the pipeline answers them in its one order (route, version, authenticate,
// fault decision, limits, validate, execute), the same for both doors. FakeNotion::Call takes an
// ApiCall directly (tests and tools that want the typed door with HTTP's expressiveness).
//
//   ApiCall call;
//   call.method = engine::Method::kGet;
//   call.operation = engine::Operation::kRetrievePage;
//   call.target = page_id;
//   call.tenant = 0;                     // or call.bearer = "secret_…"
//   Answer a = fake.Call(call);
//
// Thread-safe as a value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/simulator/workspace.h"

namespace notion_sim::sim {

// One part of a multipart/form-data body (file uploads).
struct FormPart {
  std::string name;          // the form field: "file", "part_number"
  std::string filename;      // empty when the part is not a file
  std::string content_type;  // the part's own Content-Type, may be empty
  std::string content;       // the part's bytes
};

// What the request said about Notion-Version.
enum class VersionGiven : std::uint8_t {
  kDefault,  // nothing to say: the workspace's in-process version (the typed door)
  kGiven,    // a header value, in `version_text`
  kMissing,  // no header (HTTP): 400 missing_version
};

// What the request's body is.
enum class BodyGiven : std::uint8_t {
  kNone,         // no body (or only white space): an empty object for methods that take one
  kJson,         // parsed JSON in `body` (any JSON value; the pipeline wants an object)
  kInvalidJson,  // not JSON, or nested deeper than any Notion shape: 400 invalid_json
  kForm,         // multipart/form-data, in `form`
};

struct ApiCall {
  engine::Method method = engine::Method::kGet;
  std::optional<engine::Operation> operation;  // nullopt: no route has this method and path
  // HTTP: the path as received (journal, fault matching); typed: empty (rendered when needed).
  std::string path;
  // Path parameters: the first (page, block, data source, ... id) and the second (a property id,
  // a view query id). `target_text` is the raw text (HTTP), kept for messages; an id that did not
  // parse leaves `target` empty and `target_valid` false.
  engine::ObjectId target;
  std::string target_text;
  bool target_valid = true;
  engine::ObjectId target2;
  std::string target2_text;
  bool target2_valid = true;

  VersionGiven version_given = VersionGiven::kDefault;
  std::string version_text;

  // Who calls: a tenant (typed door), a bearer token or Basic credentials (HTTP), or nobody.
  std::optional<std::uint16_t> tenant;
  std::string bearer;
  std::string basic;  // decoded "client_id:client_secret" of an Authorization: Basic header

  std::uint64_t op_id = 0;
  std::uint32_t attempt = 0;

  BodyGiven body_given = BodyGiven::kNone;
  engine::Payload body;  // kJson: the parsed body (kept alive by this pointer)
  std::size_t body_bytes = 0;
  std::vector<FormPart> form;  // kForm
  // The query string's parameters, decoded, in order (a name may repeat: filter_properties).
  std::vector<std::pair<std::string, std::string>> query;

  // Typed-door extras (the simulated stack's vocabulary).
  engine::ObjectId parent;  // create_page: the page or data source to create under
  std::optional<std::array<std::uint8_t, 32>> idempotency_key;
  bool reconcile_lookup = false;        // query: "is there a page with this key?"
  std::optional<std::uint64_t> cursor;  // list endpoints: Response::next_cursor of the last page
  std::optional<std::uint32_t> page_size;

  // serve's own set-up calls (the root page): no fault rule and no rate budget applies to them,
  // so a client's budget starts full.
  bool setup = false;
};

}  // namespace notion_sim::sim
