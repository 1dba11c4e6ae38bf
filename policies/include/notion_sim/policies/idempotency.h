// Idempotency: deterministic keys for writes and a store that remembers them for a while.
//
// Notion has no idempotency-key header (docs/sources.md#the-official-sdk), so protection is ours:
// the key is the SHA-256 (OpenSSL libcrypto, EVP) of the canonical JSON
//   {"operation":"create_page","params":{"parent":"<id>|null","payload":<json>|null,
//    "target":"<id>|null"}}
// (keys sorted, no spaces: nlohmann's dump of a std::map-ordered object), as seed pattern 1 does.
// The same logical write always gets the same key, so a retry after a lost response can be
// recognised (by the fake, through Request::idempotency_key, and by reconcile-before-retry).
//
// KeyStore remembers keys for `ttl_us` (24 h by default, seed pattern 1). Two implementations with
// one contract: MemoryKeyStore for simulation and SqliteKeyStore for live runs (sqlite_store.h,
// in the policies_live target). Neither reads a clock: every call takes `now_us`. Thread-safety:
// free functions are thread-safe; stores are not.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/engine/transport.h"

namespace notion_sim::policies {

using IdempotencyKey = std::array<std::uint8_t, 32>;

// The canonical JSON text the key hashes (exposed so a test or a log can show it).
std::string CanonicalOpJson(const engine::LogicalOp& op);
// SHA-256 of CanonicalOpJson(op), without building that text: its pieces are hashed as they are
// written (the payload by nlohmann's own serializer), into one SHA-256 context per thread.
IdempotencyKey IdempotencyKeyFor(const engine::LogicalOp& op);
// SHA-256 of arbitrary bytes (the primitive, for tests against known vectors).
IdempotencyKey Sha256(std::string_view bytes);
// 64 lower-case hex digits, and back (nullopt unless exactly 64 hex digits).
std::string KeyToHex(const IdempotencyKey& key);
std::optional<IdempotencyKey> KeyFromHex(std::string_view hex);

struct KeyStoreConfig {
  TimeUs ttl_us = 24 * kUsPerHour;
  std::size_t max_entries = 1'000'000;  // a full store refuses new keys (kLimitExceeded)
};
Result<KeyStoreConfig> ParseKeyStoreConfig(engine::ObjectReader& r, KeyStoreConfig defaults);

enum class KeyState : std::uint8_t {
  kInFlight,   // claimed by an operation that has not finished
  kCompleted,  // the write is known to have committed; `result` names what it made
};

struct KeyRecord {
  IdempotencyKey key{};
  std::uint64_t op_id = 0;
  KeyState state = KeyState::kInFlight;
  engine::ObjectId result;
  TimeUs stored_us = 0;
  TimeUs expires_us = 0;
  friend bool operator==(const KeyRecord&, const KeyRecord&) = default;
};

enum class KeyClaim : std::uint8_t {
  kClaimed,    // no live record: this caller owns the key now
  kDuplicate,  // a live record exists (see Find for what it says)
};

// One contract for both stores. A record is live while now_us < expires_us; expired records behave
// as absent even before Expire() removes them.
class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // Claims `key` for `op_id` (in flight, expiring at now + ttl) unless a live record exists.
  virtual Result<KeyClaim> Claim(const IdempotencyKey& key, std::uint64_t op_id, TimeUs now_us) = 0;
  // Marks a claimed key completed with the object the write made; the TTL restarts from now.
  virtual Status Complete(const IdempotencyKey& key, const engine::ObjectId& result,
                          TimeUs now_us) = 0;
  // Forgets a key (the write definitely did not happen, so a later attempt may claim it again).
  virtual Status Release(const IdempotencyKey& key) = 0;
  virtual Result<std::optional<KeyRecord>> Find(const IdempotencyKey& key, TimeUs now_us) = 0;
  // Removes expired records; returns how many.
  virtual Result<std::size_t> Expire(TimeUs now_us) = 0;
  // Records held, expired ones not yet removed included.
  virtual Result<std::size_t> Size() = 0;
};

class MemoryKeyStore final : public KeyStore {
 public:
  explicit MemoryKeyStore(KeyStoreConfig config = {}) : config_(config) {}
  Result<KeyClaim> Claim(const IdempotencyKey& key, std::uint64_t op_id, TimeUs now_us) override;
  Status Complete(const IdempotencyKey& key, const engine::ObjectId& result,
                  TimeUs now_us) override;
  Status Release(const IdempotencyKey& key) override;
  Result<std::optional<KeyRecord>> Find(const IdempotencyKey& key, TimeUs now_us) override;
  Result<std::size_t> Expire(TimeUs now_us) override;
  Result<std::size_t> Size() override { return records_.size(); }

 private:
  KeyStoreConfig config_;
  std::map<IdempotencyKey, KeyRecord> records_;
};

}  // namespace notion_sim::policies
