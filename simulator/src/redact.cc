#include "notion_sim/simulator/redact.h"

#include <algorithm>

namespace notion_sim::sim {

std::string RedactToken(std::string_view token) {
  static constexpr std::size_t kShown = 4;
  if (token.size() < kRedactMinLength) return "…";
  const std::string_view tail = token.substr(token.size() - kShown);
  const bool printable =
      std::all_of(tail.begin(), tail.end(), [](char c) { return c > 0x20 && c < 0x7F; });
  return printable ? "…" + std::string(tail) : "…";
}

}  // namespace notion_sim::sim
