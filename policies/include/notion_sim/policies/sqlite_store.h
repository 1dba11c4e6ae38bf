// The durable (SQLite) stores of live runs: SqliteDeadLetterStore and SqliteKeyStore, the
// contracts of dead_letter.h and idempotency.h kept in one file on disk so a live run survives a
// restart. They live in the policies_live target, apart from the deterministic policies target,
// so simulated runs link no SQLite. Deterministic given the times passed in (no clock is read).
// Not thread-safe: one connection per store, used from the loop's thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "notion_sim/engine/status.h"
#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/policies/idempotency.h"

struct sqlite3;

namespace notion_sim::policies {

// SQLite in WAL mode with synchronous=FULL: each Put/Remove is one transaction, durable when it
// returns. Rows store the LogicalOp's fields; the payload as JSON text.
class SqliteDeadLetterStore final : public DeadLetterStore {
 public:
  static Result<std::unique_ptr<SqliteDeadLetterStore>> Open(const std::string& path);
  ~SqliteDeadLetterStore() override;
  SqliteDeadLetterStore(const SqliteDeadLetterStore&) = delete;
  SqliteDeadLetterStore& operator=(const SqliteDeadLetterStore&) = delete;

  Status Put(const DeadLetter& entry) override;
  Status Remove(std::uint64_t id) override;
  Result<std::vector<DeadLetter>> Load() override;

 private:
  explicit SqliteDeadLetterStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// SQLite (WAL, one transaction per change). For live runs: keys survive a restart.
class SqliteKeyStore final : public KeyStore {
 public:
  static Result<std::unique_ptr<SqliteKeyStore>> Open(const std::string& path,
                                                      KeyStoreConfig config = {});
  ~SqliteKeyStore() override;
  SqliteKeyStore(const SqliteKeyStore&) = delete;
  SqliteKeyStore& operator=(const SqliteKeyStore&) = delete;

  Result<KeyClaim> Claim(const IdempotencyKey& key, std::uint64_t op_id, TimeUs now_us) override;
  Status Complete(const IdempotencyKey& key, const engine::ObjectId& result,
                  TimeUs now_us) override;
  Status Release(const IdempotencyKey& key) override;
  Result<std::optional<KeyRecord>> Find(const IdempotencyKey& key, TimeUs now_us) override;
  Result<std::size_t> Expire(TimeUs now_us) override;
  Result<std::size_t> Size() override;

 private:
  SqliteKeyStore(sqlite3* db, KeyStoreConfig config) : db_(db), config_(config) {}
  sqlite3* db_;
  KeyStoreConfig config_;
};

}  // namespace notion_sim::policies
