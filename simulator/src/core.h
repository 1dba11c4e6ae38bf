// Private to the simulator: the state behind FakeNotion (the workspace model, indexes, limiter,
// counters) and the per-request Call both doors fill in. Split over fake_notion.cc (the request
// pipeline, both doors, admin views), ops.cc (the operations) and render.cc (Notion's JSON).
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/retry_after.h"
#include "notion_sim/simulator/fake_notion.h"

namespace notion_sim::sim {

// What an id in the index names.
enum class Kind : std::uint8_t { kPage, kBlock, kDataSource, kDatabase, kUser };

struct Ref {
  Kind kind = Kind::kPage;
  std::uint32_t index = 0;
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

enum class ParentKind : std::uint8_t { kWorkspace, kPage, kDataSource, kBlock };

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
  std::vector<std::uint32_t> children;  // top-level blocks, in order
  std::uint16_t creator = 0;            // token index (created_by)
  ParentKind parent_kind = ParentKind::kWorkspace;
  bool in_trash = false;
  bool updated = false;  // edited since it was created (the conflict window looks at edits only)
};

struct BlockRec {
  engine::ObjectId id;
  engine::ObjectId parent;  // page or block
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  engine::Payload content;  // the block object as sent ({"type":..., T: {...}}); may be null
  std::vector<std::uint32_t> children;
  std::uint16_t creator = 0;
  ParentKind parent_kind = ParentKind::kPage;
  bool in_trash = false;
};

struct DataSourceRec {
  engine::ObjectId id;
  std::uint32_t database = 0;  // index into databases
  std::string title;
  std::vector<PropertySpec> schema;  // empty: any property accepted
  std::vector<std::uint32_t> pages;  // in creation order (trashed ones stay, filtered out)
  TimeUs created_us = 0;
  TimeUs edited_us = 0;
  bool in_trash = false;
};

struct DatabaseRec {
  engine::ObjectId id;
  std::string title;
  std::vector<std::uint32_t> data_sources;
  TimeUs created_us = 0;
  bool in_trash = false;
};

struct UserRec {
  engine::ObjectId id;
  std::string name;
  std::string email;  // people only
  int token = -1;     // bots: the token they stand for
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

// One request on its way through the core (either door).
struct Call {
  std::uint64_t seq = 0;
  TimeUs now_us = 0;
  engine::Operation op = engine::Operation::kRetrievePage;
  engine::Method method = engine::Method::kGet;
  engine::ObjectId target;
  engine::ObjectId parent;  // in-process creates
  int token = 0;            // index into Impl::tokens; -1 when the bearer is unknown
  std::string caller;       // HTTP: the token's name or RedactToken(bearer)
  std::uint16_t tenant = 0;
  std::uint16_t workspace = 0;
  ApiVersion version = ApiVersion::k20250903;
  std::uint64_t op_id = 0;
  std::uint32_t attempt = 0;
  // The body: the parsed HTTP body, or the in-process payload. `owner` keeps it alive so stored
  // records can alias into it.
  const nlohmann::json* body = nullptr;
  engine::Payload owner;
  std::optional<IdemKey> idem_key;
  bool reconcile = false;
  std::uint64_t start_cursor = 0;
  bool cursor_given = false;
  std::uint32_t page_size = 100;
  bool render = false;  // HTTP: build `result` and error bodies
  bool http = false;

  // Outcome.
  int status = 200;
  engine::ApiCode code = engine::ApiCode::kNone;
  std::string message;
  nlohmann::json additional;  // additional_data (HTTP), null when none
  nlohmann::json result;      // the success body (HTTP)
  engine::ObjectId object;
  bool found = false;
  std::uint32_t result_count = 0;
  bool has_more = false;
  std::uint64_t next_cursor = 0;
  bool committed = false;
  std::size_t ledger_index = SIZE_MAX;  // the entry Record added, if any
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
};

struct TokenRec {
  TokenSpec spec;
  engine::ObjectId bot;  // users/me
};

// Counters for /metrics: requests by operation (kCount = unknown route) and status class.
inline constexpr int kStatusSlots = 14;
int StatusSlot(int status);
int StatusOfSlot(int slot);

struct FakeNotion::Impl {
  Impl(const engine::Clock& clock, engine::Rng rng, engine::Trace* trace, FakeConfig config);

  // --- setup (fake_notion.cc) ---
  void Build();  // the initial workspace from config (also on Reset)
  int TokenForTenant(std::uint16_t tenant);
  int TokenForBearer(std::string_view bearer);

  // --- the pipeline (fake_notion.cc) ---
  void Finish(Call& call, const FaultDecision& decision, Answer& answer, std::string path);
  void ApplyLimits(Call& call);

  // --- operations (ops.cc) ---
  void Execute(Call& call);
  void CreatePage(Call& call);
  void RetrievePage(Call& call);
  void UpdatePage(Call& call);
  void Query(Call& call, std::uint32_t ds_index);
  void QueryDataSource(Call& call);
  void QueryDatabase(Call& call);
  void RetrieveDatabase(Call& call);
  void CreateDatabase(Call& call);
  void UpdateDatabase(Call& call);
  void RetrieveDataSource(Call& call);
  void AppendBlocks(Call& call);
  void ListChildren(Call& call);
  void RetrieveBlock(Call& call);
  void UpdateBlock(Call& call);
  void DeleteBlock(Call& call);
  void Search(Call& call);
  void UsersMe(Call& call);
  void ListUsers(Call& call);
  void RetrieveUser(Call& call);
  void UpstreamComplete(Call& call);

  // Model helpers (ops.cc).
  const Ref* Find(const engine::ObjectId& id) const;
  // Access checks for `id` by the call's token: 404 if hidden, 403 if forbidden or the token
  // lacks `capability`. Returns false (and fails the call) when refused.
  bool Allowed(Call& call, const engine::ObjectId& id, std::uint8_t capability,
               std::string_view kind);
  void NotFound(Call& call, std::string_view kind, const engine::ObjectId& id);
  std::uint32_t NewDataSource(const engine::ObjectId& id, const std::string& title,
                              std::vector<PropertySpec> schema, std::uint32_t database);
  std::uint32_t NewDatabase(const engine::ObjectId& id, const std::string& title);
  std::uint32_t NewPage(Call& call, ParentKind kind, const engine::ObjectId& parent,
                        engine::Payload properties);
  // Appends blocks from `children` (a JSON array) under a page or block; returns the first new
  // block index, or fails the call. `depth` is 1 for top level.
  bool AppendChildren(Call& call, std::vector<std::uint32_t>* list, ParentKind parent_kind,
                      const engine::ObjectId& parent, const nlohmann::json& children,
                      std::vector<std::uint32_t>* created);
  void Record(Call& call, const engine::ObjectId& object);  // ledger + trace for a write
  std::uint64_t Fingerprint(Call& call);
  std::uint32_t PageSize(Call& call) const;

  // Validation (ops.cc): false (and the call failed with Notion's message) when invalid.
  bool ValidateProperties(Call& call, const nlohmann::json& properties, const std::string& where,
                          const DataSourceRec* schema_of);
  bool ValidateChildren(Call& call, const nlohmann::json& children, const std::string& where,
                        int depth, std::uint32_t* blocks);

  // Rendering (render.cc).
  std::string Iso(TimeUs at_us) const;
  nlohmann::json UserRef(int token) const;
  nlohmann::json RenderPage(const PageRec& page, ApiVersion version) const;
  nlohmann::json RenderBlock(const BlockRec& block, ApiVersion version) const;
  nlohmann::json RenderPageAsBlock(const PageRec& page, ApiVersion version) const;
  nlohmann::json RenderDataSource(const DataSourceRec& ds, ApiVersion version) const;
  nlohmann::json RenderDatabase(const DatabaseRec& db, ApiVersion version) const;
  nlohmann::json RenderUser(const UserRec& user) const;
  nlohmann::json List(nlohmann::json results, const Call& call, std::string_view type,
                      const engine::ObjectId& container) const;
  std::string CursorText(std::uint64_t cursor, const engine::ObjectId& container) const;
  std::optional<std::uint64_t> ParseCursor(std::string_view text,
                                           const engine::ObjectId& container) const;
  std::string Title(const PageRec& page) const;

  const engine::Clock& clock;
  engine::Rng root_rng;  // never drawn from: the source of the forks below (and of Reset)
  engine::Rng ids;       // object ids
  engine::Rng request_ids;
  engine::Rng upstream_rng;
  engine::Trace* trace;
  FakeConfig config;
  std::uint64_t cursor_secret_a = 0;
  std::uint64_t cursor_secret_b = 0;

  std::vector<TokenRec> tokens;
  bool open_auth = false;  // no tokens configured: any bearer / tenant is accepted
  std::vector<int> token_of_tenant;
  std::map<std::string, int> token_of_bearer;  // ordered: deterministic

  IdIndex index;
  Chunked<PageRec> pages;
  Chunked<BlockRec> blocks;
  std::vector<DataSourceRec> data_sources;
  std::vector<DatabaseRec> databases;
  std::vector<UserRec> users;
  std::unordered_map<IdemIndexKey, std::uint32_t, IdemIndexHash> idem;

  RateLimiter limiter;
  Journal journal;
  engine::Ledger ledger;
  FakeStats stats;
  std::array<std::array<std::uint64_t, kStatusSlots>, engine::kOperationCount + 1> by_op_status{};
  std::array<std::uint64_t, static_cast<int>(FaultAction::kCount)> by_action{};
  std::uint64_t seq = 0;
  // Upstream health: a sliding record of the last results (true = error), bounded.
  std::vector<std::uint8_t> upstream_recent;
  std::size_t upstream_recent_pos = 0;
  std::int64_t upstream_window_start_us = -1;
  std::int64_t upstream_window_used = 0;

  // In-process payload facts, cached by payload pointer (the workload shares a few templates).
  struct PayloadFacts {
    engine::Payload pin;
    std::uint64_t hash = 0;
    bool valid = true;
    engine::ApiCode code = engine::ApiCode::kNone;
    std::string message;
    const nlohmann::json* properties = nullptr;
  };
  std::array<PayloadFacts, 16> payload_cache;
  std::size_t payload_cache_next = 0;
  const PayloadFacts* FactsFor(Call& call);
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
std::string_view DefaultMessage(engine::ApiCode code);
// JSON text that never throws: invalid UTF-8 (from a query string, say) becomes U+FFFD.
inline std::string SafeDump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
// obj[key] when obj is an object and the value a string, else "" (json::value throws on a type
// mismatch, and client bodies may hold anything).
inline std::string Str(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}
// Length as JavaScript counts it (UTF-16 code units), which is what Notion's limits count.
std::size_t JsLength(std::string_view utf8);

}  // namespace notion_sim::sim
