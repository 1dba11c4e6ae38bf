// Retry-After parsing and mapping onto the loop's clock: pure functions, exact numbers.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "notion_sim/engine/curl_transport.h"

namespace notion_sim::engine {
namespace {

// 1994-11-06T08:49:37Z, the RFC's example date.
constexpr std::int64_t kRfcExample = 784111777;

TimeUs DeltaOf(std::string_view value) {
  const std::optional<RetryAfterValue> v = ParseRetryAfter(value);
  EXPECT_TRUE(v.has_value()) << value;
  if (!v) return -1;
  EXPECT_EQ(v->form, RetryAfterForm::kSeconds) << value;
  return v->delta_us;
}

TEST(ParseRetryAfter, DeltaSecondsIntegerAndFraction) {
  EXPECT_EQ(DeltaOf("0"), 0);
  EXPECT_EQ(DeltaOf("2"), Sec(2));
  EXPECT_EQ(DeltaOf("60"), Sec(60));
  EXPECT_EQ(DeltaOf("007"), Sec(7));
  EXPECT_EQ(DeltaOf("1.5"), Ms(1500));
  EXPECT_EQ(DeltaOf("0.9"), Ms(900));
  EXPECT_EQ(DeltaOf("0.000001"), 1);
  // Past the microsecond, the delay rounds up, never down.
  EXPECT_EQ(DeltaOf("0.0000001"), 1);
  EXPECT_EQ(DeltaOf("2.0000000"), Sec(2));
  EXPECT_EQ(DeltaOf("9999999999"), 9999999999 * kUsPerSec);
}

TEST(ParseRetryAfter, RejectsAnythingElse) {
  for (std::string_view bad : {"",
                               "-5",
                               "+5",
                               " 5",
                               "5 ",
                               "1e3",
                               "10abc",
                               "1.",
                               ".5",
                               "1.5s",
                               "soon",
                               "invalid",
                               "99999999999",
                               "0x10",
                               "1,5",
                               "Sun, 06 Nov 1994 08:49:37 UTC",
                               "Sun, 6 Nov 1994 08:49:37 GMT",
                               "Sun, 31 Feb 1994 08:49:37 GMT",
                               "Sun, 06 Nov 1994 24:00:00 GMT",
                               "Sun, 06 Nov 1994 08:49:37 GMT ",
                               "sun, 06 nov 1994 08:49:37 gmt",
                               "Sunday, 06-Nov-1994 08:49:37 GMT",
                               "Sun Nov 6 08:49:37 1994"}) {
    EXPECT_FALSE(ParseRetryAfter(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(ParseRetryAfter, AllThreeHttpDateForms) {
  for (std::string_view date : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                                "Sun Nov  6 08:49:37 1994"}) {
    const std::optional<RetryAfterValue> v = ParseRetryAfter(date);
    ASSERT_TRUE(v.has_value()) << date;
    EXPECT_EQ(v->form, RetryAfterForm::kHttpDate);
    EXPECT_EQ(v->epoch_s, kRfcExample) << date;
  }
  EXPECT_EQ(ParseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT")->epoch_s, 0);
  EXPECT_EQ(ParseRetryAfter("Tue, 29 Feb 2028 23:59:59 GMT")->epoch_s, 1835481599);
  EXPECT_EQ(ParseRetryAfter("Wednesday, 01-Jan-25 00:00:00 GMT")->epoch_s, 1735689600);
  EXPECT_EQ(ParseRetryAfter("Mon Jan 16 12:00:00 2023")->epoch_s, 1673870400);
}

TEST(FormatHttpDate, ImfFixdate) {
  EXPECT_EQ(FormatHttpDate(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(1835481599), "Tue, 29 Feb 2028 23:59:59 GMT");
}

RC_GTEST_PROP(FormatHttpDate, ParsesBackToTheSameInstant, ()) {
  const std::int64_t t = *rc::gen::inRange<std::int64_t>(0, 253402300800);  // years 1970..9999
  const std::optional<RetryAfterValue> v = ParseRetryAfter(FormatHttpDate(t));
  RC_ASSERT(v.has_value());
  RC_ASSERT(v->form == RetryAfterForm::kHttpDate);
  RC_ASSERT(v->epoch_s == t);
}

RC_GTEST_PROP(ParseRetryAfter, DeltaSecondsAreExact, ()) {
  const std::int64_t seconds = *rc::gen::inRange<std::int64_t>(0, 100000);
  const std::int64_t micros = *rc::gen::inRange<std::int64_t>(0, 1000000);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(seconds),
                static_cast<long long>(micros));
  const std::optional<RetryAfterValue> v = ParseRetryAfter(buf);
  RC_ASSERT(v.has_value());
  RC_ASSERT(v->delta_us == seconds * kUsPerSec + micros);
}

TEST(RetryAfterNotBefore, SecondsAddToTheReceiveTime) {
  RetryAfterValue v;
  v.form = RetryAfterForm::kSeconds;
  v.delta_us = Sec(2);
  EXPECT_EQ(RetryAfterNotBefore(v, Ms(1234), /*wall_now_us=*/kRfcExample * kUsPerSec), Ms(3234));
}

TEST(RetryAfterNotBefore, DatesMapThroughTheWallClock) {
  RetryAfterValue v;
  v.form = RetryAfterForm::kHttpDate;
  v.epoch_s = kRfcExample + 30;
  // Received at loop time 5 s while the wall clock read the example date plus 250 ms: the date is
  // 29.75 s ahead.
  EXPECT_EQ(RetryAfterNotBefore(v, Sec(5), kRfcExample * kUsPerSec + Ms(250)),
            Sec(5) + Sec(29) + Ms(750));
  // A date in the past allows an attempt at once, not before the receive time.
  v.epoch_s = kRfcExample - 10;
  EXPECT_EQ(RetryAfterNotBefore(v, Sec(5), kRfcExample * kUsPerSec), Sec(5));
}

}  // namespace
}  // namespace notion_sim::engine
