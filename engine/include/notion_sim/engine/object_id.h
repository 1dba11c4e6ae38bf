// ObjectId: a Notion id (UUIDv4 form) as 128 bits, so the simulated path carries no strings.
// Thread-safe: a value type.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace notion_sim::engine {

class Rng;

struct ObjectId {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  bool empty() const { return hi == 0 && lo == 0; }
  friend bool operator==(const ObjectId&, const ObjectId&) = default;
  friend auto operator<=>(const ObjectId&, const ObjectId&) = default;

  // A random version-4 id drawn from `rng`.
  static ObjectId Random(Rng& rng);
  // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower case.
  std::string ToString() const;
  // Accepts the 36-character form and the 32-character form without dashes (as Notion does).
  static std::optional<ObjectId> Parse(std::string_view text);
};

struct ObjectIdHash {
  std::size_t operator()(const ObjectId& id) const noexcept {
    return static_cast<std::size_t>(id.hi * 0x9E3779B97F4A7C15ULL ^ id.lo);
  }
};

}  // namespace notion_sim::engine
