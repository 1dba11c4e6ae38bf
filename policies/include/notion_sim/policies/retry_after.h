// Retry-After: parsing the header into a delay, in two modes.
//
//  - kSdk reproduces @notionhq/client v5.26.0 `parseRetryAfterHeader` (docs/sources.md):
//    base-10 parseInt of the leading integer ("1.5" -> 1 s, "0.9" -> 0, "10abc" -> 10 s); a
//    negative number fails the >= 0 check but V8's Date.parse("-5") is a valid date in 2001, so
//    the delay is 0 ms; otherwise an HTTP-date relative to now; unparsable -> no value (backoff).
//  - kStrict is ours: RFC 9110 delta-seconds (fractional seconds honoured, rounded up to the
//    microsecond) or an HTTP-date (IMF-fixdate, RFC 850, asctime); negative or invalid -> no
//    value (backoff). The delay is never shorter than what the header says.
//
// Simulated time has no calendar: virtual time 0 is the wall-clock instant `epoch_unix_s`
// (default 2026-01-01T00:00:00Z), so a simulated HTTP-date is deterministic. Thread-safe: pure
// functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "notion_sim/engine/time.h"

namespace notion_sim::policies {

// 2026-01-01T00:00:00Z in seconds since the Unix epoch.
inline constexpr std::int64_t kDefaultWallEpochUnixS = 1'767'225'600;

enum class RetryAfterMode : std::uint8_t {
  kIgnore,  // the header is not read; backoff decides
  kSdk,     // the official SDK's parsing, quirks included
  kStrict,  // ours: never earlier than the header
};
std::string_view RetryAfterModeName(RetryAfterMode mode);

// What the header said.
enum class RetryAfterForm : std::uint8_t {
  kAbsent,   // no header (or empty)
  kSeconds,  // delta-seconds
  kDate,     // an HTTP-date
  kInvalid,  // present but unusable in this mode: fall back to backoff
};

struct RetryAfterValue {
  RetryAfterForm form = RetryAfterForm::kAbsent;
  TimeUs delay_us = 0;  // >= 0 when form is kSeconds or kDate; uncapped
};

// Parses `header` received at virtual time `now_us`.
RetryAfterValue ParseRetryAfter(std::string_view header, RetryAfterMode mode, TimeUs now_us,
                                std::int64_t epoch_unix_s = kDefaultWallEpochUnixS);

// An HTTP-date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
// "Sunday, 06-Nov-94 08:49:37 GMT" or asctime "Sun Nov  6 08:49:37 1994") as seconds since the
// Unix epoch; nullopt when it is none of them.
std::optional<std::int64_t> ParseHttpDate(std::string_view text);
// "2026-01-01T00:00:00Z" (UTC only, 'Z' required) as seconds since the Unix epoch.
std::optional<std::int64_t> ParseIsoUtc(std::string_view text);
// The IMF-fixdate for a Unix time: what a server puts in Retry-After.
std::string FormatHttpDate(std::int64_t unix_s);
// The virtual time of a Unix time under `epoch_unix_s`, and back.
constexpr TimeUs VirtualFromUnix(std::int64_t unix_s, std::int64_t epoch_unix_s) {
  return (unix_s - epoch_unix_s) * kUsPerSec;
}

}  // namespace notion_sim::policies
