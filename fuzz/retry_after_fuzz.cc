// Fuzz target: the one Retry-After parser (engine/retry_after.h) in every mode, and the date
// parsers under it. Besides "no crash", checks what the headers promise: a parsed delay is never
// negative, and a formatted HTTP-date parses back to the same instant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "notion_sim/engine/retry_after.h"

namespace ns = notion_sim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // 2026-01-01T00:00:07.25Z: a calendar time with a fraction of a second.
  const std::int64_t unix_now_us = 1'767'225'607'250'000;
  for (auto mode : {ns::engine::RetryAfterMode::kIgnore, ns::engine::RetryAfterMode::kSdk,
                    ns::engine::RetryAfterMode::kStrict}) {
    const ns::engine::RetryAfterValue v = ns::engine::ParseRetryAfter(text, mode, unix_now_us);
    if ((v.form == ns::engine::RetryAfterForm::kSeconds ||
         v.form == ns::engine::RetryAfterForm::kDate) &&
        v.delay_us < 0) {
      std::abort();
    }
  }
  if (const auto date = ns::engine::ParseHttpDate(text)) {
    if (ns::engine::ParseHttpDate(ns::engine::FormatHttpDate(*date)) != date) std::abort();
  }
  (void)ns::engine::ParseIsoUtc(text);
  return 0;
}
