// Retry-After parsing: delta-seconds and the three HTTP-date forms, with no locale, no libc time
// functions and no real clock (the caller passes the wall time).
#include <array>
#include <charconv>
#include <cstdio>

#include "notion_sim/engine/curl_transport.h"

namespace notion_sim::engine {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// More integer digits than this is not a delay anyone means (over 300 years).
constexpr std::size_t kMaxSecondsDigits = 10;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(std::int64_t y, int m) {
  static constexpr std::array<int, 12> kDaysIn = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDaysIn[static_cast<std::size_t>(m - 1)];
}

// A cursor over the value; every Read* consumes exactly what it matched or fails.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool Literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  // Exactly `n` digits.
  bool Digits(int n, int* out) {
    int v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return false;
      v = v * 10 + (s_[pos_++] - '0');
    }
    *out = v;
    return true;
  }
  // One of `names`, returning its index.
  template <std::size_t N>
  bool OneOf(const std::array<std::string_view, N>& names, int* index) {
    for (std::size_t i = 0; i < N; ++i) {
      if (s_.substr(pos_, names[i].size()) == names[i]) {
        pos_ += names[i].size();
        *index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool AtEnd() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

struct DateParts {
  std::int64_t year = 0;
  int month = 0;  // 1-12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

bool ReadTime(Scanner& in, DateParts* d) {
  return in.Digits(2, &d->hour) && in.Literal(":") && in.Digits(2, &d->minute) && in.Literal(":") &&
         in.Digits(2, &d->second);
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool ReadImfFixdate(std::string_view s, DateParts* d) {
  Scanner in(s);
  int ignored = 0;
  int year = 0;
  if (!(in.OneOf(kDays, &ignored) && in.Literal(", ") && in.Digits(2, &d->day) && in.Literal(" ") &&
        in.OneOf(kMonths, &d->month) && in.Literal(" ") && in.Digits(4, &year) && in.Literal(" ") &&
        ReadTime(in, d) && in.Literal(" GMT") && in.AtEnd())) {
    return false;
  }
  d->month += 1;
  d->year = year;
  return true;
}

// "Sunday, 06-Nov-94 08:49:37 GMT" (obsolete RFC 850 form). Two-digit years below 70 are taken
// as 20xx: close enough to RFC 9110's "more than 50 years in the future" rule for a Retry-After.
bool ReadRfc850(std::string_view s, DateParts* d) {
  Scanner in(s);
  int ignored = 0;
  int year = 0;
  if (!(in.OneOf(kLongDays, &ignored) && in.Literal(", ") && in.Digits(2, &d->day) &&
        in.Literal("-") && in.OneOf(kMonths, &d->month) && in.Literal("-") && in.Digits(2, &year) &&
        in.Literal(" ") && ReadTime(in, d) && in.Literal(" GMT") && in.AtEnd())) {
    return false;
  }
  d->month += 1;
  d->year = year < 70 ? 2000 + year : 1900 + year;
  return true;
}

// "Sun Nov  6 08:49:37 1994" (asctime form; the day is space-padded).
bool ReadAsctime(std::string_view s, DateParts* d) {
  Scanner in(s);
  int ignored = 0;
  int year = 0;
  if (!(in.OneOf(kDays, &ignored) && in.Literal(" ") && in.OneOf(kMonths, &d->month) &&
        in.Literal(" "))) {
    return false;
  }
  if (in.Literal(" ")) {
    if (!in.Digits(1, &d->day)) return false;
  } else if (!in.Digits(2, &d->day)) {
    return false;
  }
  if (!(in.Literal(" ") && ReadTime(in, d) && in.Literal(" ") && in.Digits(4, &year) &&
        in.AtEnd())) {
    return false;
  }
  d->month += 1;
  d->year = year;
  return true;
}

std::optional<std::int64_t> EpochOf(const DateParts& d) {
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > DaysInMonth(d.year, d.month) ||
      d.hour > 23 || d.minute > 59 || d.second > 60) {
    return std::nullopt;
  }
  return DaysFromCivil(d.year, d.month, d.day) * 86400 + std::int64_t{d.hour} * 3600 +
         std::int64_t{d.minute} * 60 + d.second;
}

std::optional<RetryAfterValue> ParseSeconds(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > kMaxSecondsDigits) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;  // "1." is not a number
  for (char c : whole) {
    if (!IsDigit(c)) return std::nullopt;
  }
  for (char c : frac) {
    if (!IsDigit(c)) return std::nullopt;
  }
  std::int64_t seconds = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  std::int64_t micros = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    micros = micros * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  }
  // Digits past the microsecond round up: the delay is a "not before", never shortened.
  for (std::size_t i = 6; i < frac.size(); ++i) {
    if (frac[i] != '0') {
      micros += 1;
      break;
    }
  }
  RetryAfterValue v;
  v.form = RetryAfterForm::kSeconds;
  v.delta_us = seconds * kUsPerSec + micros;
  return v;
}

}  // namespace

std::optional<RetryAfterValue> ParseRetryAfter(std::string_view value) {
  if (value.empty()) return std::nullopt;
  if (IsDigit(value.front())) return ParseSeconds(value);
  for (auto* read : {&ReadImfFixdate, &ReadRfc850, &ReadAsctime}) {
    DateParts d;
    if (!read(value, &d)) continue;
    const std::optional<std::int64_t> epoch = EpochOf(d);
    if (!epoch) return std::nullopt;
    RetryAfterValue v;
    v.form = RetryAfterForm::kHttpDate;
    v.epoch_s = *epoch;
    return v;
  }
  return std::nullopt;
}

TimeUs RetryAfterNotBefore(const RetryAfterValue& value, TimeUs received_us,
                           std::int64_t wall_now_us) {
  if (value.form == RetryAfterForm::kSeconds) return received_us + value.delta_us;
  const std::int64_t delta_us = value.epoch_s * kUsPerSec - wall_now_us;
  return received_us + (delta_us > 0 ? delta_us : 0);
}

std::string FormatHttpDate(std::int64_t epoch_s) {
  std::int64_t days = epoch_s >= 0 ? epoch_s / 86400 : (epoch_s - 86399) / 86400;
  const std::int64_t secs = epoch_s - days * 86400;
  const int weekday = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  // civil_from_days (H. Hinnant).
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3s, %02d %.3s %04lld %02d:%02d:%02d GMT",
                kDays[static_cast<std::size_t>(weekday)].data(), day,
                kMonths[static_cast<std::size_t>(month - 1)].data(), static_cast<long long>(year),
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

}  // namespace notion_sim::engine
