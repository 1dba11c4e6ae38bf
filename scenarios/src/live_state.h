// LiveState: what a live run keeps on disk so that a run killed at any point can be resumed
// (`notion-sim run --live --resume`) without a duplicate create and without losing an operation.
//
// One SQLite file (WAL, synchronous=FULL; every change is one transaction, durable on return):
// - meta: the scenario's hash and seed, the base URL and the workload's targets, fixed by the first
//   run so that the resumed run regenerates exactly the same operations (same op ids, same
//   payloads, hence the same idempotency keys);
// - ops: every logical operation that ended, with how it ended;
// - idempotency_keys (policies::SqliteKeyStore): creates claim their key before the first attempt
//   and complete it with the page they made;
// - dead_letters (policies::SqliteDeadLetterStore): the DLQ, reloaded on resume.
// Not thread-safe: used on the live loop's thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"
#include "notion_sim/engine/transport.h"
#include "notion_sim/policies/dead_letter.h"
#include "notion_sim/policies/idempotency.h"
#include "notion_sim/policies/sqlite_store.h"

struct sqlite3;

namespace notion_sim::scenarios {

class LiveState {
 public:
  // Opens (creating) `path`. A fresh run needs a file without a run in it; with `resume`, a run in
  // it must match `identity` (scenario hash, seed, base URL) — a mismatch names the field — and a
  // file holding no run (killed before its first write) starts the run anew (see began_anew()).
  static Result<std::unique_ptr<LiveState>> Open(const std::string& path,
                                                 const nlohmann::json& identity, bool resume);
  ~LiveState();
  LiveState(const LiveState&) = delete;
  LiveState& operator=(const LiveState&) = delete;

  // Values the first run fixed (the workload's targets, where the server's ledger stood...);
  // null when not set.
  const nlohmann::json& Meta(const std::string& key) const;
  Status SetMeta(const std::string& key, const nlohmann::json& value);

  // How an operation ended in an earlier (or this) run.
  std::optional<engine::OpStatus> Ended(std::uint64_t op_id) const;
  Status RecordEnd(std::uint64_t op_id, engine::OpStatus status, std::uint32_t attempts);
  std::size_t EndedCount() const { return ended_.size(); }

  policies::KeyStore& keys() { return *keys_; }
  policies::DeadLetterStore& dlq() { return *dlq_; }
  const std::string& path() const { return path_; }
  // A resume found no earlier run in the file: nothing of it had happened, so it starts afresh.
  bool began_anew() const { return began_anew_; }

 private:
  LiveState() = default;

  std::string path_;
  sqlite3* db_ = nullptr;
  std::map<std::string, nlohmann::json> meta_;
  std::map<std::uint64_t, engine::OpStatus> ended_;
  std::unique_ptr<policies::SqliteKeyStore> keys_;
  std::unique_ptr<policies::SqliteDeadLetterStore> dlq_;
  bool began_anew_ = false;
};

}  // namespace notion_sim::scenarios
