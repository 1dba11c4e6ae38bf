// The SQLite halves of the durable stores: SqliteDeadLetterStore and SqliteKeyStore. Used by live
// runs; deterministic given the times passed in (no clock is read here).
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/policies/idempotency.h"
#include "notion_sim/policies/sqlite_store.h"
#include "notion_sim/policies/sqlite_util.h"

namespace notion_sim::policies {
namespace {

using sqlite::Exec;
using sqlite::Statement;

constexpr const char* kDlqSchema =
    "CREATE TABLE IF NOT EXISTS dead_letters ("
    " id INTEGER PRIMARY KEY, op_id INTEGER NOT NULL, operation TEXT NOT NULL,"
    " tenant INTEGER NOT NULL, lane INTEGER NOT NULL, target TEXT NOT NULL, parent TEXT NOT NULL,"
    " payload TEXT, arrival_us INTEGER NOT NULL, record INTEGER NOT NULL,"
    " batch INTEGER NOT NULL, error TEXT NOT NULL,"
    " stack_attempts INTEGER NOT NULL, attempts INTEGER NOT NULL, enqueued_us INTEGER NOT NULL,"
    " last_attempt_us INTEGER NOT NULL, next_attempt_us INTEGER NOT NULL,"
    " state INTEGER NOT NULL);";

constexpr const char* kKeySchema =
    "CREATE TABLE IF NOT EXISTS idempotency_keys ("
    " key BLOB PRIMARY KEY, op_id INTEGER NOT NULL, state INTEGER NOT NULL,"
    " result TEXT NOT NULL, stored_us INTEGER NOT NULL, expires_us INTEGER NOT NULL)"
    " WITHOUT ROWID;";

std::string IdText(const engine::ObjectId& id) {
  return id.empty() ? std::string() : id.ToString();
}

Result<engine::ObjectId> IdFrom(const std::string& text) {
  if (text.empty()) return engine::ObjectId{};
  std::optional<engine::ObjectId> id = engine::ObjectId::Parse(text);
  if (!id) return Error{ErrorCode::kIo, "sqlite: corrupt object id \"" + text + "\""};
  return *id;
}

Status Step(Statement& st, const char* what) {
  const int rc = st.Step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return st.error(what);
  return {};
}

}  // namespace

// ---- SqliteDeadLetterStore ----

Result<std::unique_ptr<SqliteDeadLetterStore>> SqliteDeadLetterStore::Open(
    const std::string& path) {
  Result<sqlite3*> db = sqlite::OpenDurable(path, kDlqSchema);
  if (!db.ok()) return db.error();
  return std::unique_ptr<SqliteDeadLetterStore>(new SqliteDeadLetterStore(db.value()));
}

SqliteDeadLetterStore::~SqliteDeadLetterStore() { sqlite3_close(db_); }

Status SqliteDeadLetterStore::Put(const DeadLetter& e) {
  // One statement in autocommit mode is one transaction: the row is there whole or not at all.
  Statement st(db_,
               "INSERT OR REPLACE INTO dead_letters (id, op_id, operation, tenant, lane, target,"
               " parent, payload, arrival_us, record, error, stack_attempts, attempts, enqueued_us,"
               " last_attempt_us, next_attempt_us, state, batch)"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
               " ?17, ?18);");
  if (!st.ok()) return st.error("prepare put");
  st.Bind(1, static_cast<std::int64_t>(e.id));
  st.Bind(2, static_cast<std::int64_t>(e.op.op_id));
  st.Bind(3, engine::OperationName(e.op.operation));
  st.Bind(4, static_cast<std::int64_t>(e.op.tenant));
  st.Bind(5, static_cast<std::int64_t>(e.op.lane));
  st.Bind(6, IdText(e.op.target));
  st.Bind(7, IdText(e.op.parent));
  if (e.op.payload != nullptr) {
    st.Bind(8, e.op.payload->dump());
  } else {
    st.BindNull(8);
  }
  st.Bind(9, e.op.arrival_us);
  st.Bind(10, static_cast<std::int64_t>(e.op.record));
  st.Bind(11, e.error);
  st.Bind(12, static_cast<std::int64_t>(e.stack_attempts));
  st.Bind(13, static_cast<std::int64_t>(e.attempts));
  st.Bind(14, e.enqueued_us);
  st.Bind(15, e.last_attempt_us);
  st.Bind(16, e.next_attempt_us);
  st.Bind(17, static_cast<std::int64_t>(e.state));
  st.Bind(18, static_cast<std::int64_t>(e.op.batch));
  return Step(st, "put dead letter");
}

Status SqliteDeadLetterStore::Remove(std::uint64_t id) {
  Statement st(db_, "DELETE FROM dead_letters WHERE id = ?1;");
  if (!st.ok()) return st.error("prepare remove");
  st.Bind(1, static_cast<std::int64_t>(id));
  return Step(st, "remove dead letter");
}

Result<std::vector<DeadLetter>> SqliteDeadLetterStore::Load() {
  Statement st(db_,
               "SELECT id, op_id, operation, tenant, lane, target, parent, payload, arrival_us,"
               " record, error, stack_attempts, attempts, enqueued_us, last_attempt_us,"
               " next_attempt_us, state, batch FROM dead_letters ORDER BY id;");
  if (!st.ok()) return st.error("prepare load");
  std::vector<DeadLetter> out;
  for (;;) {
    const int rc = st.Step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return st.error("load dead letters");
    DeadLetter e;
    e.id = static_cast<std::uint64_t>(st.Int(0));
    e.op.op_id = static_cast<std::uint64_t>(st.Int(1));
    const std::string op_name = st.Text(2);
    const std::optional<engine::Operation> op = engine::ParseOperation(op_name);
    if (!op) return Error{ErrorCode::kIo, "sqlite: unknown operation \"" + op_name + "\""};
    e.op.operation = *op;
    e.op.tenant = static_cast<std::uint16_t>(st.Int(3));
    const std::int64_t lane = st.Int(4);
    if (lane < 0 || lane > static_cast<std::int64_t>(engine::Lane::kBulk)) {
      return Error{ErrorCode::kIo, "sqlite: corrupt lane " + std::to_string(lane)};
    }
    e.op.lane = static_cast<engine::Lane>(lane);
    Result<engine::ObjectId> target = IdFrom(st.Text(5));
    if (!target.ok()) return target.error();
    e.op.target = target.value();
    Result<engine::ObjectId> parent = IdFrom(st.Text(6));
    if (!parent.ok()) return parent.error();
    e.op.parent = parent.value();
    if (!st.IsNull(7)) {
      nlohmann::json payload =
          nlohmann::json::parse(st.Text(7), nullptr, /*allow_exceptions=*/false);
      if (payload.is_discarded()) {
        return Error{ErrorCode::kIo,
                     "sqlite: corrupt payload in dead letter " + std::to_string(e.id)};
      }
      e.op.payload = std::make_shared<const nlohmann::json>(std::move(payload));
    }
    e.op.arrival_us = st.Int(8);
    e.op.record = static_cast<std::uint32_t>(st.Int(9));
    e.error = st.Text(10);
    e.stack_attempts = static_cast<std::uint32_t>(st.Int(11));
    e.attempts = static_cast<std::uint32_t>(st.Int(12));
    e.enqueued_us = st.Int(13);
    e.last_attempt_us = st.Int(14);
    e.next_attempt_us = st.Int(15);
    const std::int64_t state = st.Int(16);
    if (state < 0 || state > static_cast<std::int64_t>(DeadLetterState::kPermanent)) {
      return Error{ErrorCode::kIo, "sqlite: corrupt state " + std::to_string(state)};
    }
    e.state = static_cast<DeadLetterState>(state);
    e.op.batch = static_cast<std::uint16_t>(st.Int(17));
    out.push_back(std::move(e));
  }
  return out;
}

// ---- SqliteKeyStore ----

Result<std::unique_ptr<SqliteKeyStore>> SqliteKeyStore::Open(const std::string& path,
                                                             KeyStoreConfig config) {
  Result<sqlite3*> db = sqlite::OpenDurable(path, kKeySchema);
  if (!db.ok()) return db.error();
  return std::unique_ptr<SqliteKeyStore>(new SqliteKeyStore(db.value(), config));
}

SqliteKeyStore::~SqliteKeyStore() { sqlite3_close(db_); }

Result<KeyClaim> SqliteKeyStore::Claim(const IdempotencyKey& key, std::uint64_t op_id,
                                       TimeUs now_us) {
  // BEGIN IMMEDIATE: the check and the insert are one transaction, also across processes.
  Status begin = Exec(db_, "BEGIN IMMEDIATE;");
  if (!begin.ok()) return begin.error();
  auto rollback = [this](Error e) -> Result<KeyClaim> {
    (void)Exec(db_, "ROLLBACK;");
    return e;
  };
  bool exists = false;
  {
    Statement st(db_, "SELECT expires_us FROM idempotency_keys WHERE key = ?1;");
    if (!st.ok()) return rollback(st.error("prepare claim"));
    st.BindBlob(1, key.data(), static_cast<int>(key.size()));
    const int rc = st.Step();
    if (rc == SQLITE_ROW) {
      exists = true;
      if (now_us < st.Int(0)) {
        Status commit = Exec(db_, "COMMIT;");
        if (!commit.ok()) return rollback(commit.error());
        return KeyClaim::kDuplicate;
      }
    } else if (rc != SQLITE_DONE) {
      return rollback(st.error("claim lookup"));
    }
  }
  if (!exists) {
    Statement count(db_, "SELECT COUNT(*) FROM idempotency_keys;");
    if (!count.ok() || count.Step() != SQLITE_ROW) return rollback(count.error("count keys"));
    if (static_cast<std::size_t>(count.Int(0)) >= config_.max_entries) {
      Statement expire(db_, "DELETE FROM idempotency_keys WHERE expires_us <= ?1;");
      if (!expire.ok()) return rollback(expire.error("prepare expire"));
      expire.Bind(1, now_us);
      if (expire.Step() != SQLITE_DONE) return rollback(expire.error("expire keys"));
      if (static_cast<std::size_t>(count.Int(0)) - static_cast<std::size_t>(sqlite3_changes(db_)) >=
          config_.max_entries) {
        return rollback(Error{
            ErrorCode::kLimitExceeded,
            "idempotency key store full (" + std::to_string(config_.max_entries) + " live keys)"});
      }
    }
  }
  Statement put(db_,
                "INSERT OR REPLACE INTO idempotency_keys (key, op_id, state, result, stored_us,"
                " expires_us) VALUES (?1, ?2, ?3, '', ?4, ?5);");
  if (!put.ok()) return rollback(put.error("prepare claim insert"));
  put.BindBlob(1, key.data(), static_cast<int>(key.size()));
  put.Bind(2, static_cast<std::int64_t>(op_id));
  put.Bind(3, static_cast<std::int64_t>(KeyState::kInFlight));
  put.Bind(4, now_us);
  put.Bind(5, now_us + config_.ttl_us);
  if (put.Step() != SQLITE_DONE) return rollback(put.error("claim insert"));
  Status commit = Exec(db_, "COMMIT;");
  if (!commit.ok()) return rollback(commit.error());
  return KeyClaim::kClaimed;
}

Status SqliteKeyStore::Complete(const IdempotencyKey& key, const engine::ObjectId& result,
                                TimeUs now_us) {
  Statement st(db_,
               "UPDATE idempotency_keys SET state = ?2, result = ?3, stored_us = ?4,"
               " expires_us = ?5 WHERE key = ?1;");
  if (!st.ok()) return st.error("prepare complete");
  st.BindBlob(1, key.data(), static_cast<int>(key.size()));
  st.Bind(2, static_cast<std::int64_t>(KeyState::kCompleted));
  st.Bind(3, IdText(result));
  st.Bind(4, now_us);
  st.Bind(5, now_us + config_.ttl_us);
  Status s = Step(st, "complete key");
  if (!s.ok()) return s;
  if (sqlite3_changes(db_) == 0) {
    return Error{ErrorCode::kNotFound, "idempotency key " + KeyToHex(key) + " not claimed"};
  }
  return {};
}

Status SqliteKeyStore::Release(const IdempotencyKey& key) {
  Statement st(db_, "DELETE FROM idempotency_keys WHERE key = ?1;");
  if (!st.ok()) return st.error("prepare release");
  st.BindBlob(1, key.data(), static_cast<int>(key.size()));
  return Step(st, "release key");
}

Result<std::optional<KeyRecord>> SqliteKeyStore::Find(const IdempotencyKey& key, TimeUs now_us) {
  Statement st(db_,
               "SELECT op_id, state, result, stored_us, expires_us FROM idempotency_keys"
               " WHERE key = ?1;");
  if (!st.ok()) return st.error("prepare find");
  st.BindBlob(1, key.data(), static_cast<int>(key.size()));
  const int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<KeyRecord>();
  if (rc != SQLITE_ROW) return st.error("find key");
  KeyRecord r;
  r.key = key;
  r.op_id = static_cast<std::uint64_t>(st.Int(0));
  r.state = st.Int(1) == static_cast<std::int64_t>(KeyState::kCompleted) ? KeyState::kCompleted
                                                                         : KeyState::kInFlight;
  Result<engine::ObjectId> result = IdFrom(st.Text(2));
  if (!result.ok()) return result.error();
  r.result = result.value();
  r.stored_us = st.Int(3);
  r.expires_us = st.Int(4);
  if (now_us >= r.expires_us) return std::optional<KeyRecord>();
  return std::optional<KeyRecord>(r);
}

Result<std::size_t> SqliteKeyStore::Expire(TimeUs now_us) {
  Statement st(db_, "DELETE FROM idempotency_keys WHERE expires_us <= ?1;");
  if (!st.ok()) return st.error("prepare expire");
  st.Bind(1, now_us);
  Status s = Step(st, "expire keys");
  if (!s.ok()) return s.error();
  return static_cast<std::size_t>(sqlite3_changes(db_));
}

Result<std::size_t> SqliteKeyStore::Size() {
  Statement st(db_, "SELECT COUNT(*) FROM idempotency_keys;");
  if (!st.ok() || st.Step() != SQLITE_ROW) return st.error("count keys");
  return static_cast<std::size_t>(st.Int(0));
}

}  // namespace notion_sim::policies
