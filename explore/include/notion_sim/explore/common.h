// What explore and sweep share: shards (a deterministic slice of the work), running independent
// scenario runs on several threads with results that do not depend on how many, dotted paths into
// a scenario document, and JSON numbers that may be infinite.
//
//   Shard shard = *ParseShard("1/4");            // the second of four slices
//   ParallelFor(runs.size(), /*threads=*/0, [&](std::size_t i) { results[i] = Run(i); });
//   SetPath(doc, "stack.retry.max_attempts", 5);  // {"stack": {"retry": {"max_attempts": 5}}}
//
// Thread-safe: pure functions; ParallelFor calls `fn` from several threads at once, each index
// exactly once, and `fn` must only write its own index's slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/status.h"

namespace notion_sim::explore {

// Item i of the work belongs to shard `index` of `count` when i % count == index: every shard
// gets a fair share of cheap and expensive items, and the union of all shards is the whole.
struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;

  bool Owns(std::size_t item) const { return item % count == index; }
  bool whole() const { return count == 1; }
  std::string Text() const;  // "I/N"
};

// "I/N" with 0 <= I < N <= 100000; the error names the flag's value and what was expected.
Result<Shard> ParseShard(std::string_view text);

// Calls fn(i) for every i in [0, n) on `threads` threads (0 = the hardware's count, at most n).
// `progress(done, n)` (optional) is called under a lock after each item. Results go to
// per-index slots, so they never depend on the thread count or the order of completion.
// `stop` (optional, called from the threads) is asked before each item: once it returns true no
// item starts and the items in flight finish. Returns how many items ran: items are taken in
// index order, so they are the first ones (n when not stopped).
std::size_t ParallelFor(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn,
                        const std::function<void(std::size_t, std::size_t)>& progress = {},
                        const std::function<bool()>& stop = {});

// Sets the value at a dotted path ("stack.breaker.error_threshold_percentage",
// "faults.0.trigger.probability"), creating objects on the way; numeric segments index arrays
// (which must already hold that index).
Status SetPath(nlohmann::json& doc, std::string_view dotted, nlohmann::json value);

// A grid value as typed on the command line: JSON when it parses ("5", "0.5", "true",
// "\"x\"", "[1,2]"), else the string itself ("full_jitter").
nlohmann::json ParseValue(std::string_view text);

// Numbers that may be infinite (recovery_s when a run never recovered) or absent (NaN: not
// measured): finite as numbers, infinities as "inf"/"-inf", NaN as null. Reads back exactly.
nlohmann::json NumberToJson(double value);
double NumberFromJson(const nlohmann::json& value);

// "%g"-style text with up to 4 significant digits ("inf", "-" for NaN).
std::string Short(double value);

}  // namespace notion_sim::explore
