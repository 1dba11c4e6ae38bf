// Private to the simulator: the state behind FakeNotion and the call on its way through the one
// request pipeline.
//
//   doors        http_door.cc (HTTP text -> ApiCall; Reply -> Notion's JSON), the typed door in
//                pipeline.cc (engine::Request -> ApiCall)
//   pipeline     pipeline.cc: route, version, authenticate, fault decision, limits, validate,
//                execute, then the journal; Core::Commit is the one point every committed change
//                passes through
//   operations   one unit per resource (ops.h): pages.cc, blocks.cc, databases.cc (databases and
//                data sources), query.cc (filters, sorts, queries), search.cc, users.cc,
//                comments.cc, file_uploads.cc, views.cc, oauth.cc, misc.cc (custom emojis, async
//                tasks, meeting notes, agents); validate.cc (Notion's body limits and messages);
//                model.cc (lookups, access, records)
//   rendering    render.cc, only reached from the HTTP door
//   services     the Notion API (the above) and the completion upstream (upstream.cc), which
//                share the fault plan and the journal
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/retry_after.h"
#include "notion_sim/simulator/api_call.h"
#include "notion_sim/simulator/fake_notion.h"

namespace notion_sim::sim {

// What an id in the index names.
enum class Kind : std::uint8_t {
  kPage,
  kBlock,
  kDataSource,
  kDatabase,
  kUser,
  kComment,
  kFileUpload,
  kView,
  kViewQuery,
  kAsyncTask,
};

struct Ref {
  Kind kind = Kind::kPage;
  std::uint32_t index = 0;
  friend bool operator==(const Ref&, const Ref&) = default;
};

// Every id of the workspace -> what it names. Open addressing with linear probing: one probe
// sequence in one array, so a lookup among a million pages is about one cache miss (a node-based
// map costs two or three, and more memory). Ids are never removed (trash is a flag). Pointers
// returned by Find are invalidated by the next Insert. Never iterated.
class IdIndex {
 public:
  const Ref* Find(const engine::ObjectId& id) const {
    if (slots_.empty() || id.empty()) return nullptr;
    for (std::size_t i = Home(id);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == id) return &s.ref;
      if (s.id.empty()) return nullptr;
    }
  }
  // Inserts or overwrites. The empty id names nothing and is ignored.
  void Insert(const engine::ObjectId& id, Ref ref) {
    if (id.empty()) return;
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    for (std::size_t i = Home(id);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id == id) {
        s.ref = ref;
        return;
      }
      if (s.id.empty()) {
        s = Slot{id, ref};
        ++size_;
        return;
      }
    }
  }
  void Clear() {
    slots_.clear();
    size_ = 0;
    mask_ = 0;
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    engine::ObjectId id;
    Ref ref;
  };
  std::size_t Home(const engine::ObjectId& id) const {
    return static_cast<std::size_t>(engine::Mix64(id.hi ^ engine::Mix64(id.lo))) & mask_;
  }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& s : old) {
      if (!s.id.empty()) Insert(s.id, s.ref);
    }
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

// A growable array that never moves its elements: fixed-size chunks, so growing to a million
// pages copies nothing (a std::vector would move every page at each doubling and briefly hold
// both copies). References stay valid across push_back. Not iterated by pointer.
template <typename T, std::size_t kChunk = 16384>
class Chunked {
 public:
  T& operator[](std::size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void push_back(T value) {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<T[]>(kChunk));
    (*this)[size_++] = std::move(value);
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

enum class ParentKind : std::uint8_t { kWorkspace, kPage, kDataSource, kBlock, kDatabase };

// A child in a page's or block's content: a block, or a page / database shown as a child_page /
// child_database block (its id is the page's or database's own, as in Notion).
using Child = Ref;

struct PageRec {
  engine::ObjectId id;
  engine::ObjectId parent;  // data source, page or block; empty for the workspace
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  std::uint64_t created_op = 0;
  std::uint64_t edited_op = 0;
  // The page's properties object (a view into a shared, immutable payload: in-process creates
  // share the workload's template, so a million pages cost no copies). May be null.
  engine::Payload properties;
  engine::Payload icon;         // as sent; null: none
  engine::Payload cover;        // as sent; null: none
  std::vector<Child> children;  // content, in order
  std::uint32_t number = 0;     // unique_id within its data source (1-based)
  std::uint16_t creator = 0;    // token index (created_by)
  std::uint16_t editor = 0;     // token index (last_edited_by)
  ParentKind parent_kind = ParentKind::kWorkspace;
  bool in_trash = false;
  bool updated = false;  // edited since it was created (the conflict window looks at edits only)
  bool is_locked = false;
  bool is_template = false;
};

struct BlockRec {
  engine::ObjectId id;
  engine::ObjectId parent;  // page or block
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  engine::Payload content;  // the block object as sent ({"type":..., T: {...}}); may be null
  std::vector<Child> children;
  std::uint16_t creator = 0;
  std::uint16_t editor = 0;
  ParentKind parent_kind = ParentKind::kPage;
  bool in_trash = false;
};

// One property of a data source's schema. `config` is the type's object ({"options": [...]} for
// select, {"format": "number"} for number, {} for most).
struct PropertyDef {
  std::string id;
  std::string name;
  std::string type;
  nlohmann::json config = nlohmann::json::object();
  std::string description;  // empty: null
};

struct DataSourceRec {
  engine::ObjectId id;
  std::uint32_t database = 0;  // index into databases
  std::string title;
  std::vector<PropertyDef> schema;   // empty: any property accepted (as an auto-created parent)
  std::vector<std::uint32_t> pages;  // in creation order (trashed ones stay, filtered out)
  engine::Payload icon;
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  std::uint32_t next_number = 1;  // unique_id
  std::uint16_t creator = 0;
  bool in_trash = false;
};

struct DatabaseRec {
  engine::ObjectId id;
  engine::ObjectId parent;  // page; empty for the workspace
  std::string title;
  std::string description;
  std::vector<std::uint32_t> data_sources;
  engine::Payload icon;
  engine::Payload cover;
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  ParentKind parent_kind = ParentKind::kWorkspace;
  bool in_trash = false;
  bool is_inline = false;
  bool is_locked = false;
};

struct UserRec {
  engine::ObjectId id;
  std::string name;
  std::string email;  // people only
  int token = -1;     // bots: the token they stand for
};

struct CommentRec {
  engine::ObjectId id;
  engine::ObjectId parent;  // page or block
  engine::ObjectId discussion;
  ParentKind parent_kind = ParentKind::kPage;
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  engine::Payload rich_text;                  // the request's rich text array
  std::vector<engine::ObjectId> attachments;  // file uploads
  std::string display_type = "integration";   // "integration", "user", "custom"
  std::string display_name;
  std::uint16_t creator = 0;
  bool deleted = false;
};

struct FileUploadRec {
  engine::ObjectId id;
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  TimeUs expires_us = 0;
  std::string mode = "single_part";  // "single_part", "multi_part", "external_url"
  std::string filename;
  std::string content_type;
  std::string external_url;
  std::int64_t content_length = -1;  // -1: null
  std::uint32_t parts_total = 0;     // multi_part
  std::vector<bool> parts_sent;      // multi_part, by part number - 1
  std::string status = "pending";    // "pending", "uploaded", "expired", "failed"
  std::uint16_t creator = 0;
  bool attached = false;  // used by a page, block or comment: no longer listed as pending
};

struct ViewRec {
  engine::ObjectId id;
  std::uint32_t database = 0;
  std::uint32_t data_source = 0;
  std::string name;
  std::string type = "table";
  nlohmann::json filter;  // null: none
  nlohmann::json sorts;   // null: none
  nlohmann::json quick_filters;
  nlohmann::json configuration;
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  std::uint16_t creator = 0;
  bool deleted = false;
};

struct ViewQueryRec {
  engine::ObjectId id;
  std::uint32_t view = 0;
  std::vector<std::uint32_t> pages;  // the result set when the query was made
  TimeUs created_us = 0;
  TimeUs expires_us = 0;
  bool deleted = false;
};

struct AsyncTaskRec {
  engine::ObjectId id;
  TimeUs created_us = 0;
  engine::Operation operation = engine::Operation::kCreatePage;
  engine::ObjectId result;  // the object the operation made
  int status = 200;         // of the operation
  engine::ApiCode code = engine::ApiCode::kNone;
  std::string message;
};

using IdemKey = std::array<std::uint8_t, 32>;

struct IdemIndexKey {
  engine::ObjectId parent;
  IdemKey key;
  friend bool operator==(const IdemIndexKey&, const IdemIndexKey&) = default;
};
struct IdemIndexHash {
  std::size_t operator()(const IdemIndexKey& k) const noexcept {
    std::uint64_t h = engine::ObjectIdHash{}(k.parent);
    for (std::size_t i = 0; i < 32; i += 8) {
      std::uint64_t w = 0;
      for (std::size_t j = 0; j < 8; ++j) w = (w << 8) | k.key[i + j];
      h = engine::Mix64(h ^ w);
    }
    return static_cast<std::size_t>(h);
  }
};

// What an operation answers, typed: the HTTP door renders it (render.cc); the in-process door
// reads only Call's counters. Lists hold refs into the model.
enum class ReplyKind : std::uint8_t {
  kNone,
  kObject,       // `item`: a page, block, data source, database, user, comment, file upload,
                 // view, async task
  kPageAsBlock,  // `item` (a page or database) as its child_page / child_database block
  kPartialView,  // `item` (a view) as {object, id, parent, type} (delete)
  kList,         // `items` with list_type, cursor and has_more
  kViewQuery,    // `item` (a view query) and the first page of its results
  kViewQueryDeleted,
  kPropertyItem,  // `item` (a page) and `key` (the property name): one value or a list
  kMarkdown,      // `item` (a page)
  kTemplates,     // `items` (pages)
  kMeetingNotes,  // `items` (blocks), has_more
  kOauthToken,    // `number`: the token index
  kIntrospect,    // `number`: the token index or -1 (inactive)
  kEmpty,         // {} (oauth revoke)
  kCompletion,    // the upstream's completion
};

struct Reply {
  ReplyKind kind = ReplyKind::kNone;
  Ref item;
  std::vector<Ref> items;
  std::string_view list_type;  // "block", "page_or_data_source", "comment", ...
  engine::ObjectId container;  // the list cursors are bound to
  bool incomplete = false;     // request_status: query_result_limit_reached
  std::string key;             // kPropertyItem: the property's name
  std::int64_t number = 0;     // see the kinds
  std::uint64_t position = 0;  // kPropertyItem: the first item
  // Which page properties to render (filter_properties); empty: all.
  std::vector<std::string> filter_properties;
};

// One request on its way through the pipeline (either door): the decoded ApiCall, what the
// pipeline resolved (operation, token, version) and the outcome.
struct Call {
  explicit Call(const ApiCall& call) : in(call) {}
  const ApiCall& in;
  std::uint64_t seq = 0;
  TimeUs now_us = 0;
  engine::Operation op = engine::Operation::kRetrievePage;
  engine::Method method = engine::Method::kGet;
  engine::ObjectId target;
  engine::ObjectId target2;
  engine::ObjectId parent;  // creates: the resolved parent (ledger fingerprint)
  int token = 0;            // index into Core::tokens; -1 when the caller is unknown
  std::string caller;       // the token's name or RedactToken(bearer); empty in-process
  std::uint16_t tenant = 0;
  std::uint16_t workspace = 0;
  ApiVersion version = ApiVersion::k20250903;
  std::uint64_t op_id = 0;
  std::uint32_t attempt = 0;
  // The body as a JSON object (an empty object when none was sent); `owner` keeps it alive so
  // stored records can alias into it.
  const nlohmann::json* body = nullptr;
  engine::Payload owner;
  std::optional<IdemKey> idem_key;
  bool reconcile = false;
  std::uint64_t start_cursor = 0;
  bool cursor_given = false;
  std::uint32_t page_size = 100;

  // Outcome.
  int status = 200;
  engine::ApiCode code = engine::ApiCode::kNone;
  std::string message;
  nlohmann::json additional;  // additional_data, null when none
  Reply reply;
  engine::ObjectId object;
  bool found = false;
  std::uint32_t result_count = 0;
  bool has_more = false;
  std::uint64_t next_cursor = 0;
  bool committed = false;
  std::size_t ledger_index = SIZE_MAX;  // the entry Commit added, if any
  RetryAfterForm retry_after_form = RetryAfterForm::kAbsent;
  std::int64_t retry_after_s = 0;
  std::string_view rate_limit_reason;
  TimeUs delay_us = 0;  // server-side time (the upstream's latency)

  bool failed() const { return status >= 300; }
  void Fail(int s, engine::ApiCode c, std::string m) {
    status = s;
    code = c;
    message = std::move(m);
  }
  // The value of a query parameter (HTTP) or, in-process, of the body's field of that name.
  std::optional<std::string> Param(std::string_view name) const;
  // Every value of a repeated query parameter (filter_properties).
  std::vector<std::string> Params(std::string_view name) const;
};

struct TokenRec {
  TokenSpec spec;
  engine::ObjectId bot;  // users/me
  bool revoked = false;  // oauth revoke
  bool oauth = false;    // issued by oauth/token
  std::string refresh_token;
  TimeUs issued_us = 0;
};

// Counters for /metrics: requests by operation (kCount = unknown route) and status class.
inline constexpr int kStatusSlots = 14;
int StatusSlot(int status);
int StatusOfSlot(int slot);

class Upstream;

// The fake's state and the helpers every operation shares.
struct Core {
  Core(const engine::Clock& clock, engine::Rng rng, engine::Trace* trace, FakeConfig config);
  ~Core();

  // --- set-up (pipeline.cc) ---
  void Build();  // the initial workspace from config (also on Reset)
  int TokenForTenant(std::uint16_t tenant);
  int TokenForBearer(std::string_view bearer);

  // --- model (model.cc) ---
  const Ref* Find(const engine::ObjectId& id) const;
  // Access checks for `id` by the call's token: 404 if hidden, 403 if forbidden or the token
  // lacks `capability`. Returns false (and fails the call) when refused.
  bool Allowed(Call& call, const engine::ObjectId& id, std::uint8_t capability,
               std::string_view kind);
  bool Hidden(const Call& call, const engine::ObjectId& id) const;
  void NotFound(Call& call, std::string_view kind, const engine::ObjectId& id);
  // The call's target when it is a `kind` the token may act on with `capability`; otherwise the
  // call fails (404 naming `what`, or Allowed's answer) and the result is nullptr.
  const Ref* Target(Call& call, Kind kind, std::string_view what, std::uint8_t capability);
  std::uint32_t NewDataSource(const engine::ObjectId& id, const std::string& title,
                              std::vector<PropertyDef> schema, std::uint32_t database,
                              TimeUs now_us);
  std::uint32_t NewDatabase(const engine::ObjectId& id, const std::string& title,
                            ParentKind parent_kind, const engine::ObjectId& parent, TimeUs now_us);
  std::uint32_t NewPage(Call& call, ParentKind kind, const engine::ObjectId& parent,
                        engine::Payload properties);
  // Appends blocks built from `children` (a validated JSON array) after position `at` of `list`
  // (SIZE_MAX: at the end). `created` receives the new top-level blocks.
  void AppendChildren(Call& call, std::vector<Child>* list, std::size_t at, ParentKind parent_kind,
                      const engine::ObjectId& parent, const nlohmann::json& children,
                      std::vector<std::uint32_t>* created);
  std::vector<Child>* ChildrenOf(const Ref& ref);
  const std::vector<Child>* ChildrenOf(const Ref& ref) const;
  bool HasChildren(const std::vector<Child>& children) const;
  bool ChildInTrash(const Child& child) const;
  engine::ObjectId IdOf(const Ref& ref) const;
  // The data source a page lives in, or null.
  const DataSourceRec* SourceOf(const PageRec& page) const;
  DataSourceRec* SourceOf(const PageRec& page);

  // The one point every committed change passes through: the ledger, the trace's server write
  // and the change sink (webhooks hang here). `object` is what changed.
  void Commit(Call& call, const engine::ObjectId& object, ChangeKind kind,
              const engine::ObjectId& parent = engine::ObjectId{});
  // What a webhook event says about a change of `object` (model.cc).
  WebhookFacts EventFacts(const Call& call, ChangeKind kind, const engine::ObjectId& object) const;
  void EventParent(const engine::ObjectId& parent, WebhookFacts& facts) const;
  engine::ObjectId PageOfId(engine::ObjectId id) const;
  std::uint64_t Fingerprint(Call& call);

  // --- validation (validate.cc): false (and the call failed with Notion's message) ---
  bool ValidateProperties(Call& call, const nlohmann::json& properties, const std::string& where,
                          const DataSourceRec* schema_of);
  bool ValidateChildren(Call& call, const nlohmann::json& children, const std::string& where,
                        int depth, std::uint32_t* blocks);
  bool ValidateRichText(Call& call, const nlohmann::json& items, const std::string& where);

  // Payload facts, cached by payload pointer (the in-process workload shares a few templates):
  // the properties' hash and the schema-free validation of properties and children.
  struct PayloadFacts {
    engine::Payload pin;
    std::uint64_t hash = 0;
    bool valid = true;
    engine::ApiCode code = engine::ApiCode::kNone;
    std::string message;
    const nlohmann::json* properties = nullptr;
    const nlohmann::json* children = nullptr;
  };
  const PayloadFacts* FactsFor(Call& call);

  // --- rendering (render.cc; the HTTP door only) ---
  std::string Iso(TimeUs at_us) const;
  nlohmann::json UserRef(int token) const;
  nlohmann::json Render(const Call& call);
  nlohmann::json RenderPage(const PageRec& page, ApiVersion version,
                            const std::vector<std::string>& only = {}) const;
  nlohmann::json RenderBlock(const BlockRec& block, ApiVersion version) const;
  nlohmann::json RenderAsBlock(const Ref& ref, ApiVersion version) const;
  nlohmann::json RenderDataSource(const DataSourceRec& ds, ApiVersion version) const;
  nlohmann::json RenderDatabase(const DatabaseRec& db, ApiVersion version) const;
  nlohmann::json RenderUser(const UserRec& user) const;
  nlohmann::json RenderBot(int token) const;
  nlohmann::json RenderComment(const CommentRec& comment) const;
  nlohmann::json RenderFileUpload(const FileUploadRec& upload) const;
  nlohmann::json RenderView(const ViewRec& view) const;
  nlohmann::json RenderItem(const Ref& ref, ApiVersion version,
                            const std::vector<std::string>& only = {}) const;
  nlohmann::json RenderPropertyValue(const PageRec& page, const PropertyDef* def,
                                     const std::string& name, const nlohmann::json* raw) const;
  nlohmann::json RenderFileObject(const nlohmann::json& file) const;
  nlohmann::json RenderIcon(const engine::Payload& icon) const;
  nlohmann::json List(nlohmann::json results, const Call& call) const;
  std::string Markdown(const std::vector<Child>& children, int depth) const;
  std::string CursorText(std::uint64_t cursor, const engine::ObjectId& container) const;
  std::optional<std::uint64_t> ParseCursor(std::string_view text,
                                           const engine::ObjectId& container) const;
  std::string Title(const PageRec& page) const;

  const engine::Clock& clock;
  engine::Rng root_rng;  // never drawn from: the source of the forks below (and of Reset)
  engine::Rng ids;       // object ids
  engine::Rng request_ids;
  engine::Trace* trace;
  FakeConfig config;
  std::uint64_t cursor_secret_a = 0;
  std::uint64_t cursor_secret_b = 0;
  std::function<void(const Change&)> change_sink;
  std::unique_ptr<WebhookHub> webhooks;

  std::vector<TokenRec> tokens;
  bool open_auth = false;  // no tokens configured: any bearer / tenant is accepted
  std::vector<int> token_of_tenant;
  std::map<std::string, int> token_of_bearer;  // ordered: deterministic
  std::map<std::string, int> token_of_refresh;
  std::map<std::string, int> used_oauth_codes;

  IdIndex index;
  Chunked<PageRec> pages;
  Chunked<BlockRec> blocks;
  std::vector<DataSourceRec> data_sources;
  std::vector<DatabaseRec> databases;
  std::vector<UserRec> users;
  std::vector<CommentRec> comments;
  std::vector<FileUploadRec> file_uploads;
  std::vector<ViewRec> views;
  std::vector<ViewQueryRec> view_queries;
  std::vector<AsyncTaskRec> async_tasks;
  std::unordered_map<IdemIndexKey, std::uint32_t, IdemIndexHash> idem;

  RateLimiter limiter;
  Journal journal;
  engine::Ledger ledger;
  FakeStats stats;
  std::array<std::array<std::uint64_t, kStatusSlots>, engine::kOperationCount + 1> by_op_status{};
  std::array<std::uint64_t, static_cast<int>(FaultAction::kCount)> by_action{};
  std::uint64_t seq = 0;
  std::unique_ptr<Upstream> upstream;

  std::array<PayloadFacts, 16> payload_cache;
  std::size_t payload_cache_next = 0;
};

std::string ToHex(const std::uint8_t* data, std::size_t n);
std::optional<IdemKey> ParseHexKey(std::string_view hex);
// The IMF-fixdate of a Unix time (engine::FormatHttpDate: the one formatter).
inline std::string HttpDate(std::int64_t unix_s) { return engine::FormatHttpDate(unix_s); }
struct Civil {
  std::int64_t year = 1970;
  unsigned month = 1;  // 1-12
  unsigned day = 1;
  unsigned weekday = 4;  // 0 = Sunday
  std::int64_t second_of_day = 0;
};
Civil CivilFromUnix(std::int64_t unix_s);
// ISO 8601 with milliseconds, UTC ("2025-01-01T00:00:00.000Z"), of simulated time `at_us` after
// the workspace epoch.
std::string IsoTime(std::int64_t epoch_unix_s, TimeUs at_us);
// Unix seconds of a civil date (proleptic Gregorian).
std::int64_t UnixFromCivil(std::int64_t year, unsigned month, unsigned day);
std::string_view DefaultMessage(engine::ApiCode code);
// JSON text that never throws: invalid UTF-8 (from a query string, say) becomes U+FFFD.
inline std::string SafeDump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
// JSON text for a validation message, cut at 120 characters.
std::string Quoted(const nlohmann::json& v);
// obj[key] when obj is an object and the value a string, else "" (json::value throws on a type
// mismatch, and client bodies may hold anything).
inline std::string Str(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}
// obj[key] or null (never throws).
const nlohmann::json& Field(const nlohmann::json& obj, std::string_view key);
// A block's type: its "type" field, else its first key that every block does not have
// (validate.cc).
std::string BlockTypeOf(const nlohmann::json& block);
// Fails the call (400 naming body.KEY) unless each of `keys` the body holds is a boolean.
bool BooleanFields(Call& call, std::initializer_list<const char*> keys);
// Length as JavaScript counts it (UTF-16 code units), which is what Notion's limits count.
std::size_t JsLength(std::string_view utf8);
// Plain text of a rich-text array as sent (text content, equation expression, mentions' text).
std::string PlainText(const nlohmann::json& items);
std::string Lower(std::string s);
// A JSON view of a shared payload's node that keeps the payload alive.
inline engine::Payload Alias(const engine::Payload& owner, const nlohmann::json* node) {
  if (node == nullptr) return nullptr;
  if (owner == nullptr) return engine::Payload(std::shared_ptr<const nlohmann::json>(), node);
  return engine::Payload(owner, node);
}
// A payload that owns a copy of `value`.
inline engine::Payload Own(nlohmann::json value) {
  return std::make_shared<const nlohmann::json>(std::move(value));
}
// The property id Notion-style: "title" for the title, else 4 hex characters from the name.
std::string PropertyId(const std::string& name, const std::string& type);
std::string Hex32(const engine::ObjectId& id);

}  // namespace notion_sim::sim
