// Retry-After and HTTP-dates: the one parser and formatter of them, for the stack, the fake, the
// transports and the checks.
//
// A header is read against the run's calendar (Clock::UnixNowUs): the workspace's epoch in
// simulation, the wall clock at the start of a live run. The fake stamps its dates on the same
// calendar, so a date means the same instant to the server and to the stack.
//
// Modes (what a stack does with the header):
//  - kStrict is ours: RFC 9110 delta-seconds (a fraction honoured, rounded up to the microsecond)
//    or an HTTP-date (IMF-fixdate, RFC 850, asctime); negative or anything else is invalid (the
//    stack falls back to backoff). The delay is never shorter than what the header says. The
//    transports read what a client received this way (kRetryAfterGiven), and the invariant
//    retry_after_respected holds every stack to it.
//  - kSdk reproduces @notionhq/client v5.26.0 `parseRetryAfterHeader`
//  (docs/sources.md#the-official-sdk):
//    base-10 parseInt of the leading integer ("1.5" -> 1 s, "0.9" -> 0, "10abc" -> 10 s); a
//    negative number fails the >= 0 check but V8's Date.parse("-5") is a valid date in 2001, so
//    the delay is 0 ms; otherwise an HTTP-date relative to now; unparsable -> invalid (backoff).
//  - kIgnore: the header is not read.
// Delays are saturated at a century, so no arithmetic overflows. Thread-safe: pure functions.
//
//   RetryAfterValue v = ParseRetryAfter(response.retry_after, RetryAfterMode::kStrict,
//                                       loop.UnixNowUs());
//   if (v.form == RetryAfterForm::kSeconds || v.form == RetryAfterForm::kDate) wait(v.delay_us);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "notion_sim/engine/time.h"

namespace notion_sim::engine {

enum class RetryAfterMode : std::uint8_t {
  kIgnore,  // the header is not read; backoff decides
  kSdk,     // the official SDK's parsing, quirks included
  kStrict,  // ours: never earlier than the header
};
std::string_view RetryAfterModeName(RetryAfterMode mode);  // "ignore", "sdk", "strict"

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

// Reads `header`, received when the run's calendar read `unix_now_us` (microseconds since
// 1970-01-01T00:00:00Z).
RetryAfterValue ParseRetryAfter(std::string_view header, RetryAfterMode mode,
                                std::int64_t unix_now_us);

// An HTTP-date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
// "Sunday, 06-Nov-94 08:49:37 GMT" or asctime "Sun Nov  6 08:49:37 1994"; day and month names in
// any case) as seconds since the Unix epoch; nullopt when it is none of them or no such date.
std::optional<std::int64_t> ParseHttpDate(std::string_view text);
// "2026-01-01T00:00:00Z" (UTC only, 'Z' required) as seconds since the Unix epoch.
std::optional<std::int64_t> ParseIsoUtc(std::string_view text);
// The IMF-fixdate of a Unix time: what a server puts in Retry-After.
std::string FormatHttpDate(std::int64_t unix_s);

}  // namespace notion_sim::engine
