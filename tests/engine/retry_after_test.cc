// The one Retry-After parser (engine/retry_after.h): every mode, the three HTTP-date forms, the
// formatter, and the calendar a run reads dates on. Pure functions, exact numbers.
#include "notion_sim/engine/retry_after.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>

#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/sim_loop.h"

namespace notion_sim::engine {
namespace {

// 1994-11-06T08:49:37Z, the RFC's example date.
constexpr std::int64_t kRfcExample = 784111777;
// The default calendar's time 0 (2026-01-01T00:00:00Z) in microseconds.
constexpr std::int64_t kEpochUs = kDefaultEpochUnixS * kUsPerSec;

RetryAfterValue Strict(std::string_view h, TimeUs now_us = 0) {
  return ParseRetryAfter(h, RetryAfterMode::kStrict, kEpochUs + now_us);
}
RetryAfterValue Sdk(std::string_view h, TimeUs now_us = 0) {
  return ParseRetryAfter(h, RetryAfterMode::kSdk, kEpochUs + now_us);
}

TEST(RetryAfter, StrictDeltaSecondsIntegerAndFraction) {
  EXPECT_EQ(Strict("0").delay_us, 0);
  EXPECT_EQ(Strict("2").delay_us, Sec(2));
  EXPECT_EQ(Strict("60").delay_us, Sec(60));
  EXPECT_EQ(Strict("007").delay_us, Sec(7));
  EXPECT_EQ(Strict("1.5").delay_us, Ms(1500));
  EXPECT_EQ(Strict("0.9").delay_us, Ms(900));
  EXPECT_EQ(Strict("0.000001").delay_us, 1);
  // Past the microsecond, the delay rounds up, never down.
  EXPECT_EQ(Strict("0.0000001").delay_us, 1);
  EXPECT_EQ(Strict("2.0000000").delay_us, Sec(2));
  EXPECT_EQ(Strict(" 7 ").delay_us, Sec(7));  // optional white space around a field value
  EXPECT_EQ(Strict("999999999").delay_us, 999999999 * kUsPerSec);                 // 31.7 years
  EXPECT_EQ(Strict("9999999999").delay_us, 100LL * 365 * 24 * 3600 * kUsPerSec);  // 317: capped
  EXPECT_EQ(Strict("300").form, RetryAfterForm::kSeconds);
  // A century at most: longer is "forever", and no arithmetic overflows.
  EXPECT_EQ(Strict("99999999999999999999").delay_us, 100LL * 365 * 24 * 3600 * kUsPerSec);
}

TEST(RetryAfter, StrictRejectsAnythingElse) {
  for (std::string_view bad : {"-5", "+5", "1e3", "10abc", "1.", ".5", "1.5s", "soon", "invalid",
                               "0x10", "1,5", "Sun, 06 Nov 1994 08:49:37 UTC",
                               "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
                               "Sun, 06 Nov 1994 24:00:00 GMT", "sun, 06 nov 1994 08:49:37 gmt",
                               "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994"}) {
    EXPECT_EQ(Strict(bad).form, RetryAfterForm::kInvalid) << '"' << bad << '"';
  }
  EXPECT_EQ(Strict("").form, RetryAfterForm::kAbsent);
  EXPECT_EQ(ParseRetryAfter("5", RetryAfterMode::kIgnore, kEpochUs).form, RetryAfterForm::kAbsent);
}

TEST(RetryAfter, SdkParsingWithItsQuirks) {
  EXPECT_EQ(Sdk("1.5").delay_us, Sec(1));
  EXPECT_EQ(Sdk("0.9").delay_us, 0);
  EXPECT_EQ(Sdk("0.9").form, RetryAfterForm::kSeconds);
  EXPECT_EQ(Sdk("10abc").delay_us, Sec(10));
  EXPECT_EQ(Sdk("0").delay_us, 0);
  EXPECT_EQ(Sdk("300").delay_us, Sec(300));  // the policy caps it
  EXPECT_EQ(Sdk("-5").form, RetryAfterForm::kDate);
  EXPECT_EQ(Sdk("-5").delay_us, 0);
  EXPECT_EQ(Sdk("-0").delay_us, 0);
  EXPECT_EQ(Sdk("invalid").form, RetryAfterForm::kInvalid);
  EXPECT_EQ(Sdk("").form, RetryAfterForm::kAbsent);
  // An ISO date starts with digits: parseInt reads the year as seconds.
  EXPECT_EQ(Sdk("2026-01-01T00:00:05Z").delay_us, Sec(2026));
  // An HTTP-date relative to now, whole seconds.
  EXPECT_EQ(Sdk("Thu, 01 Jan 2026 00:00:05 GMT", Ms(1500)).delay_us, Ms(3500));
  EXPECT_EQ(Sdk("Thu, 01 Jan 2026 00:00:05 GMT", Sec(9)).delay_us, 0);
  EXPECT_EQ(Sdk("Thu, 01 Jan 2026 00:00:05 GMT").form, RetryAfterForm::kDate);
}

TEST(RetryAfter, AllThreeHttpDateForms) {
  for (std::string_view date : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                                "Sun Nov  6 08:49:37 1994"}) {
    EXPECT_EQ(ParseHttpDate(date), kRfcExample) << date;
  }
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Tue, 29 Feb 2028 23:59:59 GMT"), 1835481599);
  EXPECT_EQ(ParseHttpDate("Wednesday, 01-Jan-25 00:00:00 GMT"), 1735689600);
  EXPECT_EQ(ParseHttpDate("Mon Jan 16 12:00:00 2023"), 1673870400);
  EXPECT_EQ(ParseHttpDate("Sun, 29 Feb 2027 00:00:00 GMT"), std::nullopt);
  EXPECT_EQ(Strict("Thu, 01 Jan 2026 00:01:00 GMT", Sec(30)).delay_us, Sec(30));
  EXPECT_EQ(Strict("Thursday, 01-Jan-26 00:01:00 GMT", Sec(30)).delay_us, Sec(30));
  EXPECT_EQ(Strict("Thu Jan  1 00:01:00 2026", Sec(30)).delay_us, Sec(30));
  // A date in the past allows an attempt at once.
  EXPECT_EQ(Strict("Thu, 01 Jan 2026 00:00:00 GMT", Sec(5)).delay_us, 0);
  EXPECT_EQ(Strict("Thu, 01 Jan 2026 00:00:00 GMT", Sec(5)).form, RetryAfterForm::kDate);
}

TEST(RetryAfter, FormatAndIso) {
  EXPECT_EQ(FormatHttpDate(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(1835481599), "Tue, 29 Feb 2028 23:59:59 GMT");
  EXPECT_EQ(FormatHttpDate(kDefaultEpochUnixS), "Thu, 01 Jan 2026 00:00:00 GMT");
  EXPECT_EQ(ParseIsoUtc("2026-01-01T00:00:00Z"), kDefaultEpochUnixS);
  EXPECT_EQ(ParseIsoUtc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIsoUtc("2026-01-01 00:00:00"), std::nullopt);
}

// Issue 14: a date is read on the run's calendar. A header dated 3 s after what a run's clock
// read when it was stamped means a wait of up to 3 s, whatever the calendar: the workspace's epoch
// in simulation, the wall clock live. (Read against a fixed 2026-01-01 instead, a date on another
// calendar was months away, or long past: the SDK profile waited its 60 s cap, or not at all.)
TEST(RetryAfter, DatesAreReadOnTheRunsCalendar) {
  SimLoop loop;
  const std::int64_t leap_day = *ParseIsoUtc("2024-02-29T23:59:30Z");
  loop.set_epoch_unix_us(leap_day * kUsPerSec);
  loop.RunUntil(Ms(61'400));  // 2024-03-01T00:00:31.4Z on that calendar
  EXPECT_EQ(loop.UnixNowUs(), (leap_day + 61) * kUsPerSec + Ms(400));
  // What the fake writes for "retry_after_s": 3 at this moment: the second it is in, plus 3.
  const std::string header = FormatHttpDate(leap_day + 61 + 3);
  EXPECT_EQ(header, "Fri, 01 Mar 2024 00:00:34 GMT");
  for (RetryAfterMode mode : {RetryAfterMode::kStrict, RetryAfterMode::kSdk}) {
    const RetryAfterValue v = ParseRetryAfter(header, mode, loop.UnixNowUs());
    EXPECT_EQ(v.form, RetryAfterForm::kDate);
    EXPECT_EQ(v.delay_us, Ms(2600)) << RetryAfterModeName(mode);
  }
  // The same header on the default calendar is long past: no wait at all.
  EXPECT_EQ(ParseRetryAfter(header, RetryAfterMode::kStrict, kEpochUs + Ms(61'400)).delay_us, 0);
}

RC_GTEST_PROP(RetryAfterProp, HttpDatesRoundTrip, ()) {
  const std::int64_t t = *rc::gen::inRange<std::int64_t>(0, 253402300800);  // years 1970..9999
  RC_ASSERT(ParseHttpDate(FormatHttpDate(t)) == t);
}

RC_GTEST_PROP(RetryAfterProp, StrictDeltaSecondsAreExact, ()) {
  const std::int64_t seconds = *rc::gen::inRange<std::int64_t>(0, 100000);
  const std::int64_t micros = *rc::gen::inRange<std::int64_t>(0, 1000000);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(seconds),
                static_cast<long long>(micros));
  const RetryAfterValue v = Strict(buf);
  RC_ASSERT(v.form == RetryAfterForm::kSeconds);
  RC_ASSERT(v.delay_us == seconds * kUsPerSec + micros);
}

// A date d seconds after the calendar's now (to the second) is a wait in (d - 1, d] seconds, and
// never negative, whatever the calendar.
RC_GTEST_PROP(RetryAfterProp, DatesWaitUntilTheirSecond, ()) {
  const std::int64_t unix_now_us = *rc::gen::inRange<std::int64_t>(0, 253402300800LL * kUsPerSec);
  const std::int64_t d = *rc::gen::inRange<std::int64_t>(-100, 100);
  const std::int64_t date_s = unix_now_us / kUsPerSec + d;
  const RetryAfterValue v =
      ParseRetryAfter(FormatHttpDate(date_s), RetryAfterMode::kStrict, unix_now_us);
  RC_ASSERT(v.form == RetryAfterForm::kDate);
  RC_ASSERT(v.delay_us >= 0);
  RC_ASSERT(v.delay_us == std::max<std::int64_t>(0, date_s * kUsPerSec - unix_now_us));
}

}  // namespace
}  // namespace notion_sim::engine
