// The write ledger: every write the target committed, with the logical operation that caused it.
// Produced by the fake (simulator/) and read by the invariant checkers ("no duplicate creates").
// Thread-safe: plain values.
#pragma once

#include <cstdint>
#include <vector>

#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::engine {

struct LedgerEntry {
  TimeUs at_us = 0;
  std::uint64_t op_id = 0;        // 0 when the client sent none (then `fingerprint` identifies it)
  std::uint64_t fingerprint = 0;  // content fingerprint of parent + properties
  Operation operation = Operation::kCreatePage;
  ObjectId object;  // the object created or changed
  std::uint16_t tenant = 0;
  // The fault plan kept the client from learning of this write: its answer was lost, or (with
  // `answered_status`, e.g. commit_then_503's 503) it was an error sent after the commit.
  bool injected_loss = false;
  int answered_status = 0;  // with injected_loss: the error status answered; 0: no answer
};

using Ledger = std::vector<LedgerEntry>;

}  // namespace notion_sim::engine
