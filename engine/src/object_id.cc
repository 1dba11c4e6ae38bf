#include "notion_sim/engine/object_id.h"

#include "notion_sim/engine/rng.h"

namespace notion_sim::engine {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ObjectId ObjectId::Random(Rng& rng) {
  ObjectId id{rng.NextU64(), rng.NextU64()};
  id.hi = (id.hi & ~0xF000ULL) | 0x4000ULL;              // version 4
  id.lo = (id.lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);  // variant 10xx
  return id;
}

std::string ObjectId::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) ++pos;
    const std::uint64_t word = i < 16 ? hi : lo;
    const int shift = 60 - 4 * (i % 16);
    out[static_cast<std::size_t>(pos++)] = kHex[(word >> shift) & 0xF];
  }
  return out;
}

std::optional<ObjectId> ObjectId::Parse(std::string_view text) {
  const bool dashed = text.size() == 36;
  if (!dashed && text.size() != 32) return std::nullopt;
  ObjectId id;
  int digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    const int v = HexValue(text[i]);
    if (v < 0) return std::nullopt;
    std::uint64_t& word = digits < 16 ? id.hi : id.lo;
    word = (word << 4) | static_cast<std::uint64_t>(v);
    ++digits;
  }
  return id;
}

}  // namespace notion_sim::engine
