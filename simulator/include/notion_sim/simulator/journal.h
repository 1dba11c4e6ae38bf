// Journal: a bounded record of the requests the fake answered (a ring: the oldest entries go
// first), for verification over the admin API and for replaying a live run's faults in
// simulation. Tokens are never stored: an entry names its caller by the token's configured name,
// or by "…" and the token's last 4 characters. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/time.h"
#include "notion_sim/simulator/fault_plan.h"

namespace notion_sim::sim {

struct JournalEntry {
  std::uint64_t seq = 0;  // the fake's request number, from 1
  TimeUs at_us = 0;       // when the fake handled it
  engine::Method method = engine::Method::kGet;
  engine::Operation operation = engine::Operation::kCount;  // kCount: unknown route
  std::string path;  // HTTP: as received; in-process: empty (rendered from operation+target)
  engine::ObjectId target;
  engine::ObjectId object;  // the object created or returned, when any
  std::string caller;       // token name or "…abcd"; empty in-process (shown as "tenant:N")
  std::uint16_t tenant = 0;
  int status = 0;
  engine::ApiCode code = engine::ApiCode::kNone;
  TimeUs latency_us = 0;  // what the door reports (AmendLatency); the fake's added delay until then
  std::uint64_t op_id = 0;
  std::uint32_t attempt = 0;
  bool committed = false;  // the request changed the workspace
  FaultDecision fault;     // action kNone when no fault applied
};

class Journal {
 public:
  // capacity 0 keeps nothing (counts still advance).
  explicit Journal(std::size_t capacity = 10'000);

  void Add(JournalEntry entry);
  // Sets the latency of entry `seq` if it is still held (the door measures the whole exchange).
  void AmendLatency(std::uint64_t seq, TimeUs latency_us);
  void Clear();

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return size_; }
  std::uint64_t total() const { return total_; }  // entries ever added
  std::uint64_t dropped() const { return total_ - size_; }

  // The held entries, oldest first; `limit` keeps the newest `limit` (0 = all).
  std::vector<JournalEntry> Entries(std::size_t limit = 0) const;
  const JournalEntry* Find(std::uint64_t seq) const;

  // {"capacity", "total", "dropped", "entries": [...]}: every held entry, oldest first.
  nlohmann::json ToJson(std::size_t limit = 0) const;
  // {"decisions": [...]}: the held entries that carry a fault decision, in the form
  // ParseRecordedDecisions reads back.
  nlohmann::json DecisionsJson() const;

 private:
  std::size_t capacity_;
  std::vector<JournalEntry> ring_;
  std::size_t head_ = 0;  // index of the oldest entry
  std::size_t size_ = 0;
  std::uint64_t total_ = 0;
};

nlohmann::json JournalEntryToJson(const JournalEntry& entry);

}  // namespace notion_sim::sim
