#include "notion_sim/simulator/journal.h"

#include <map>
#include <utility>

namespace notion_sim::sim {

Journal::Journal(std::size_t capacity) : capacity_(capacity) {
  // Reserved, not grown: growing moved every held entry at each doubling (a few percent of a
  // simulated run). A large reservation is address space; pages become resident as entries are
  // written, so a large bound still costs nothing until it is used.
  ring_.reserve(capacity_);
}

void Journal::Add(JournalEntry entry) {
  ++total_;
  if (capacity_ == 0) return;
  if (size_ < capacity_) {
    if (ring_.size() < capacity_) {
      ring_.push_back(std::move(entry));
    } else {
      ring_[(head_ + size_) % capacity_] = std::move(entry);
    }
    ++size_;
    return;
  }
  ring_[head_] = std::move(entry);
  head_ = (head_ + 1) % capacity_;
}

const JournalEntry* Journal::Find(std::uint64_t seq) const {
  if (size_ == 0) return nullptr;
  // Entries are added in increasing seq order, so the held ones are a contiguous run; but a
  // caller may add entries with gaps, so search from the newest back (usually a hit at once).
  for (std::size_t k = 0; k < size_; ++k) {
    const JournalEntry& e = ring_[(head_ + size_ - 1 - k) % capacity_];
    if (e.seq == seq) return &e;
    if (e.seq < seq) return nullptr;
  }
  return nullptr;
}

void Journal::AmendLatency(std::uint64_t seq, TimeUs latency_us) {
  if (const JournalEntry* e = Find(seq)) const_cast<JournalEntry*>(e)->latency_us = latency_us;
}

void Journal::Clear() {
  ring_.clear();
  head_ = 0;
  size_ = 0;
  total_ = 0;
}

std::vector<JournalEntry> Journal::Entries(std::size_t limit) const {
  std::vector<JournalEntry> out;
  const std::size_t n = limit == 0 || limit > size_ ? size_ : limit;
  out.reserve(n);
  for (std::size_t k = size_ - n; k < size_; ++k) out.push_back(ring_[(head_ + k) % capacity_]);
  return out;
}

nlohmann::json JournalEntryToJson(const JournalEntry& e) {
  nlohmann::json j;
  j["seq"] = e.seq;
  j["at_us"] = e.at_us;
  j["method"] = std::string(engine::MethodName(e.method));
  if (e.operation != engine::Operation::kCount) {
    j["operation"] = std::string(engine::OperationName(e.operation));
  }
  j["path"] = !e.path.empty() || e.operation == engine::Operation::kCount
                  ? e.path
                  : engine::RenderPath(e.operation, e.target.ToString());
  j["caller"] = e.caller.empty() ? "tenant:" + std::to_string(e.tenant) : e.caller;
  j["tenant"] = e.tenant;
  j["status"] = e.status;
  if (e.code != engine::ApiCode::kNone) j["code"] = std::string(engine::ApiCodeName(e.code));
  j["latency_us"] = e.latency_us;
  if (e.op_id != 0) j["op_id"] = e.op_id;
  if (e.attempt != 0) j["attempt"] = e.attempt;
  if (!e.object.empty()) j["object"] = e.object.ToString();
  j["committed"] = e.committed;
  if (e.fault.fired()) j["fault"] = FaultDecisionToJson(e.fault);
  return j;
}

nlohmann::json Journal::ToJson(std::size_t limit) const {
  nlohmann::json entries = nlohmann::json::array();
  for (const JournalEntry& e : Entries(limit)) entries.push_back(JournalEntryToJson(e));
  return {{"capacity", capacity_},
          {"total", total_},
          {"dropped", dropped()},
          {"entries", std::move(entries)}};
}

nlohmann::json Journal::DecisionsJson() const {
  nlohmann::json decisions = nlohmann::json::array();
  // How many held requests carried each (op_id, attempt) so far: a replay keyed by op and attempt
  // tells a create from the reconcile lookup or the DLQ replay that repeats its numbers.
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::uint32_t> seen;
  for (std::size_t k = 0; k < size_; ++k) {
    const JournalEntry& e = ring_[(head_ + k) % capacity_];
    const std::uint32_t occurrence = seen[{e.op_id, e.attempt}]++;
    if (!e.fault.fired()) continue;
    nlohmann::json d = FaultDecisionToJson(e.fault);
    d["seq"] = e.seq;
    if (e.op_id != 0) d["op_id"] = e.op_id;
    if (e.attempt != 0) d["attempt"] = e.attempt;
    if (occurrence != 0) d["occurrence"] = occurrence;
    decisions.push_back(std::move(d));
  }
  return {{"decisions", std::move(decisions)}};
}

}  // namespace notion_sim::sim
