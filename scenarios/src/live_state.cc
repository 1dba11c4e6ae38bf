#include "live_state.h"

#include <utility>

#include "notion_sim/policies/sqlite_util.h"

namespace notion_sim::scenarios {
namespace {

namespace sq = policies::sqlite;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS live_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS live_ops (op_id INTEGER PRIMARY KEY, status INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL);";

Status PutMeta(sqlite3* db, const std::string& key, const std::string& value) {
  sq::Statement st(db, "INSERT OR REPLACE INTO live_meta (k, v) VALUES (?1, ?2);");
  if (!st.ok()) return st.error("prepare meta");
  st.Bind(1, key);
  st.Bind(2, value);
  if (st.Step() != SQLITE_DONE) return st.error("write meta");
  return {};
}

}  // namespace

Result<std::unique_ptr<LiveState>> LiveState::Open(const std::string& path,
                                                   const nlohmann::json& identity, bool resume) {
  Result<sqlite3*> db = sq::OpenDurable(path, kSchema);
  if (!db.ok()) return db.error();
  std::unique_ptr<LiveState> state(new LiveState());
  state->path_ = path;
  state->db_ = db.value();

  std::map<std::string, std::string> meta;
  {
    sq::Statement st(state->db_, "SELECT k, v FROM live_meta;");
    if (!st.ok()) return st.error("prepare read meta");
    while (st.Step() == SQLITE_ROW) meta[st.Text(0)] = st.Text(1);
  }
  const bool has_run = meta.count("identity") != 0;
  if (!resume && has_run) {
    return Error{ErrorCode::kInvalidInput,
                 path +
                     ": holds the state of an earlier live run; pass --resume to finish that "
                     "run, or remove the file (or name another with --state) to start anew"};
  }
  // Nothing else happens before the identity is written (LiveRun opens the state first), so a
  // file without one is a run killed before it did anything.
  state->began_anew_ = resume && !has_run;
  if (has_run) {
    nlohmann::json before = nlohmann::json::parse(meta["identity"], nullptr, false);
    if (before.is_discarded() || !before.is_object()) {
      return Error{ErrorCode::kIo, path + ": corrupt live_meta identity"};
    }
    for (const auto& [key, value] : identity.items()) {
      if (!before.contains(key) || before[key] != value) {
        return Error{ErrorCode::kInvalidInput,
                     path + ": --resume: the earlier run had " + key + " = " +
                         (before.contains(key) ? before[key].dump() : std::string("(none)")) +
                         ", this one " + value.dump() +
                         "; resume with the same scenario, seed "
                         "and base URL"};
      }
    }
    for (const auto& [key, text] : meta) {
      nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
      if (value.is_discarded()) return Error{ErrorCode::kIo, path + ": corrupt live_meta " + key};
      state->meta_[key] = std::move(value);
    }
    sq::Statement st(state->db_, "SELECT op_id, status FROM live_ops;");
    if (!st.ok()) return st.error("prepare read ops");
    while (st.Step() == SQLITE_ROW) {
      const std::int64_t status = st.Int(1);
      if (status < 0 || status > static_cast<std::int64_t>(engine::OpStatus::kDeadLettered)) {
        return Error{ErrorCode::kIo, path + ": corrupt live_ops status"};
      }
      state->ended_[static_cast<std::uint64_t>(st.Int(0))] = static_cast<engine::OpStatus>(status);
    }
  } else if (auto st = state->SetMeta("identity", identity); !st.ok()) {
    return st.error();
  }

  auto keys = policies::SqliteKeyStore::Open(path);
  if (!keys.ok()) return keys.error();
  state->keys_ = std::move(keys).value();
  auto dlq = policies::SqliteDeadLetterStore::Open(path);
  if (!dlq.ok()) return dlq.error();
  state->dlq_ = std::move(dlq).value();
  return state;
}

LiveState::~LiveState() {
  keys_.reset();
  dlq_.reset();
  sqlite3_close(db_);
}

const nlohmann::json& LiveState::Meta(const std::string& key) const {
  static const nlohmann::json kNull;
  const auto it = meta_.find(key);
  return it == meta_.end() ? kNull : it->second;
}

Status LiveState::SetMeta(const std::string& key, const nlohmann::json& value) {
  if (auto st = PutMeta(db_, key, value.dump()); !st.ok()) return st;
  meta_[key] = value;
  return {};
}

std::optional<engine::OpStatus> LiveState::Ended(std::uint64_t op_id) const {
  const auto it = ended_.find(op_id);
  if (it == ended_.end()) return std::nullopt;
  return it->second;
}

Status LiveState::RecordEnd(std::uint64_t op_id, engine::OpStatus status, std::uint32_t attempts) {
  sq::Statement st(
      db_, "INSERT OR REPLACE INTO live_ops (op_id, status, attempts) VALUES (?1, ?2, ?3);");
  if (!st.ok()) return st.error("prepare op end");
  st.Bind(1, static_cast<std::int64_t>(op_id));
  st.Bind(2, static_cast<std::int64_t>(status));
  st.Bind(3, static_cast<std::int64_t>(attempts));
  if (st.Step() != SQLITE_DONE) return st.error("write op end");
  ended_[op_id] = status;
  return {};
}

}  // namespace notion_sim::scenarios
