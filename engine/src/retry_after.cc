// The one parser and formatter of Retry-After and HTTP-dates (see retry_after.h).
#include "notion_sim/engine/retry_after.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace notion_sim::engine {
namespace {

// Seconds beyond which a delay is treated as "forever" (a century): keeps arithmetic in range.
constexpr std::int64_t kMaxDelaySeconds = 100LL * 365 * 24 * 3600;

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDaysShort = {"mon", "tue", "wed", "thu",
                                                        "fri", "sat", "sun"};
constexpr std::array<std::string_view, 7> kDaysLong = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

bool IsSpace(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

template <std::size_t N>
int IndexOf(const std::array<std::string_view, N>& names, std::string_view token) {
  for (std::size_t i = 0; i < N; ++i) {
    if (EqualsIgnoreCase(token, names[i])) return static_cast<int>(i);
  }
  return -1;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// A tiny cursor over the header text.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return pos_ == s_.size(); }
  bool Char(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // Exactly `n` digits.
  bool Digits(int n, int& out) {
    if (pos_ + static_cast<std::size_t>(n) > s_.size()) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = s_[pos_ + static_cast<std::size_t>(i)];
      if (!IsDigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    pos_ += static_cast<std::size_t>(n);
    out = v;
    return true;
  }
  std::string_view Letters() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return s_.substr(start, pos_ - start);
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

bool ReadTime(Cursor& c, int& hh, int& mm, int& ss) {
  return c.Digits(2, hh) && c.Char(':') && c.Digits(2, mm) && c.Char(':') && c.Digits(2, ss);
}

std::optional<std::int64_t> ToUnix(std::int64_t year, int month, int day, int hh, int mm, int ss) {
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;  // 60: a leap second
  return DaysFromCivil(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<std::int64_t> ParseImfFixdate(std::string_view s) {
  Cursor c(s);
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (IndexOf(kDaysShort, c.Letters()) < 0 || !c.Char(',') || !c.Char(' ')) return std::nullopt;
  if (!c.Digits(2, day) || !c.Char(' ')) return std::nullopt;
  const int month = IndexOf(kMonths, c.Letters()) + 1;
  if (month == 0 || !c.Char(' ') || !c.Digits(4, year) || !c.Char(' ')) return std::nullopt;
  if (!ReadTime(c, hh, mm, ss) || !c.Char(' ') || c.Letters() != "GMT" || !c.Done()) {
    return std::nullopt;
  }
  return ToUnix(year, month, day, hh, mm, ss);
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<std::int64_t> ParseRfc850(std::string_view s) {
  Cursor c(s);
  int day = 0, yy = 0, hh = 0, mm = 0, ss = 0;
  if (IndexOf(kDaysLong, c.Letters()) < 0 || !c.Char(',') || !c.Char(' ')) return std::nullopt;
  if (!c.Digits(2, day) || !c.Char('-')) return std::nullopt;
  const int month = IndexOf(kMonths, c.Letters()) + 1;
  if (month == 0 || !c.Char('-') || !c.Digits(2, yy) || !c.Char(' ')) return std::nullopt;
  if (!ReadTime(c, hh, mm, ss) || !c.Char(' ') || c.Letters() != "GMT" || !c.Done()) {
    return std::nullopt;
  }
  // Two-digit years as V8 reads them: 00-49 -> 20xx, 50-99 -> 19xx.
  return ToUnix(yy < 50 ? 2000 + yy : 1900 + yy, month, day, hh, mm, ss);
}

// "Sun Nov  6 08:49:37 1994"
std::optional<std::int64_t> ParseAsctime(std::string_view s) {
  Cursor c(s);
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (IndexOf(kDaysShort, c.Letters()) < 0 || !c.Char(' ')) return std::nullopt;
  const int month = IndexOf(kMonths, c.Letters()) + 1;
  if (month == 0 || !c.Char(' ')) return std::nullopt;
  if (c.Char(' ')) {
    if (!c.Digits(1, day)) return std::nullopt;
  } else if (!c.Digits(2, day)) {
    return std::nullopt;
  }
  if (!c.Char(' ') || !ReadTime(c, hh, mm, ss) || !c.Char(' ') || !c.Digits(4, year) || !c.Done()) {
    return std::nullopt;
  }
  return ToUnix(year, month, day, hh, mm, ss);
}

TimeUs DateDelay(std::int64_t date_unix_s, std::int64_t unix_now_us) {
  // Compared in whole seconds first: both are far inside the range, their difference may not be.
  const std::int64_t now_s = unix_now_us / kUsPerSec;
  const std::int64_t delta_s = date_unix_s - now_s;
  if (delta_s > kMaxDelaySeconds) return kMaxDelaySeconds * kUsPerSec;
  if (delta_s < -kMaxDelaySeconds) return 0;
  const TimeUs delay_us = delta_s * kUsPerSec - (unix_now_us - now_s * kUsPerSec);
  return delay_us > 0 ? delay_us : 0;
}

// JavaScript's parseInt(s, 10) reduced to what the SDK's check needs: nullopt for NaN, else the
// sign and the value saturated at kMaxDelaySeconds; `rest_empty` says whether digits ran to the
// end of the string.
struct JsInt {
  bool negative = false;
  std::int64_t value = 0;
  bool rest_empty = false;
};
std::optional<JsInt> JsParseInt(std::string_view s) {
  std::size_t i = 0;
  // JS trims more kinds of white space; header values arrive already trimmed of SP/HTAB.
  while (i < s.size() &&
         (IsSpace(s[i]) || s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f')) {
    ++i;
  }
  JsInt out;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    out.negative = s[i] == '-';
    ++i;
  }
  const std::size_t first_digit = i;
  while (i < s.size() && IsDigit(s[i])) {
    if (out.value < kMaxDelaySeconds) out.value = out.value * 10 + (s[i] - '0');
    ++i;
  }
  if (i == first_digit) return std::nullopt;
  if (out.value > kMaxDelaySeconds) out.value = kMaxDelaySeconds;
  out.rest_empty = i == s.size();
  return out;
}

RetryAfterValue ParseSdk(std::string_view header, std::int64_t unix_now_us) {
  // `if (!retryAfterValue) return undefined`: only the empty string is falsy.
  if (header.empty()) return {};
  if (const std::optional<JsInt> n = JsParseInt(header)) {
    // parseInt(...) >= 0 holds for -0 too.
    if (!n->negative || n->value == 0) {
      return {RetryAfterForm::kSeconds, n->value * kUsPerSec};
    }
    // Date.parse("-5") is a valid date in 2001 on V8, so the SDK retries at once (EXP on Node 20).
    // Other negative forms were not observed; they fall through to the date parsers below.
    if (n->rest_empty) return {RetryAfterForm::kDate, 0};
  }
  const std::string_view trimmed = Trim(header);
  if (std::optional<std::int64_t> date = ParseHttpDate(trimmed)) {
    return {RetryAfterForm::kDate, DateDelay(*date, unix_now_us)};
  }
  return {RetryAfterForm::kInvalid, 0};
}

RetryAfterValue ParseStrict(std::string_view header, std::int64_t unix_now_us) {
  const std::string_view s = Trim(header);
  if (s.empty()) return {};
  if (IsDigit(s.front())) {
    // delta-seconds, with an optional fraction (ours: honoured, rounded up to the microsecond).
    std::size_t i = 0;
    std::int64_t whole = 0;
    while (i < s.size() && IsDigit(s[i])) {
      if (whole < kMaxDelaySeconds) whole = whole * 10 + (s[i] - '0');
      ++i;
    }
    if (whole > kMaxDelaySeconds) whole = kMaxDelaySeconds;
    TimeUs frac_us = 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      const std::size_t first = i;
      TimeUs scale = kUsPerSec / 10;
      bool more_nonzero = false;
      while (i < s.size() && IsDigit(s[i])) {
        if (scale > 0) {
          frac_us += (s[i] - '0') * scale;
          scale /= 10;
        } else if (s[i] != '0') {
          more_nonzero = true;
        }
        ++i;
      }
      if (i == first) return {RetryAfterForm::kInvalid, 0};
      if (more_nonzero) ++frac_us;  // never earlier than the header
    }
    if (i != s.size()) return {RetryAfterForm::kInvalid, 0};
    return {RetryAfterForm::kSeconds, whole * kUsPerSec + frac_us};
  }
  if (std::optional<std::int64_t> date = ParseHttpDate(s)) {
    return {RetryAfterForm::kDate, DateDelay(*date, unix_now_us)};
  }
  return {RetryAfterForm::kInvalid, 0};
}

}  // namespace

std::string_view RetryAfterModeName(RetryAfterMode mode) {
  switch (mode) {
    case RetryAfterMode::kIgnore:
      return "ignore";
    case RetryAfterMode::kSdk:
      return "sdk";
    case RetryAfterMode::kStrict:
      return "strict";
  }
  return "?";
}

std::optional<std::int64_t> ParseHttpDate(std::string_view text) {
  if (auto t = ParseImfFixdate(text)) return t;
  if (auto t = ParseRfc850(text)) return t;
  return ParseAsctime(text);
}

std::optional<std::int64_t> ParseIsoUtc(std::string_view text) {
  Cursor c(text);
  int year = 0, month = 0, day = 0, hh = 0, mm = 0, ss = 0;
  if (!c.Digits(4, year) || !c.Char('-') || !c.Digits(2, month) || !c.Char('-') ||
      !c.Digits(2, day) || !c.Char('T') || !ReadTime(c, hh, mm, ss) || !c.Char('Z') || !c.Done()) {
    return std::nullopt;
  }
  return ToUnix(year, month, day, hh, mm, ss);
}

std::string FormatHttpDate(std::int64_t unix_s) {
  std::int64_t days = unix_s >= 0 ? unix_s / 86400 : (unix_s - 86399) / 86400;
  const std::int64_t secs = unix_s - days * 86400;
  // 1970-01-01 was a Thursday (index 3 in kDaysShort).
  const std::int64_t weekday = ((days % 7) + 7 + 3) % 7;
  // H. Hinnant's civil_from_days.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  static constexpr const char* kDayNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02lld %s %04lld %02lld:%02lld:%02lld GMT",
                kDayNames[weekday], static_cast<long long>(d), kMonthNames[m - 1],
                static_cast<long long>(y), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

RetryAfterValue ParseRetryAfter(std::string_view header, RetryAfterMode mode,
                                std::int64_t unix_now_us) {
  switch (mode) {
    case RetryAfterMode::kIgnore:
      return {};
    case RetryAfterMode::kSdk:
      return ParseSdk(header, unix_now_us);
    case RetryAfterMode::kStrict:
      return ParseStrict(header, unix_now_us);
  }
  return {};
}

}  // namespace notion_sim::engine
