// Small shared helpers of the fake: hex, HTTP-dates and civil time, Notion's default messages,
// JavaScript string length, rich-text plain text.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core.h"

namespace notion_sim::sim {

using engine::ApiCode;

namespace {

constexpr std::array<int, kStatusSlots> kSlotStatus = {200, 400, 401, 403, 404, 409, 413,
                                                       429, 500, 502, 503, 504, 529, 0};

}  // namespace

int StatusSlot(int status) {
  for (int i = 0; i + 1 < kStatusSlots; ++i) {
    if (kSlotStatus[static_cast<std::size_t>(i)] == status) return i;
  }
  return kStatusSlots - 1;
}

int StatusOfSlot(int slot) { return kSlotStatus[static_cast<std::size_t>(slot)]; }

std::string ToHex(const std::uint8_t* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xF];
  }
  return out;
}

std::optional<IdemKey> ParseHexKey(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  IdemKey key{};
  for (std::size_t i = 0; i < 64; ++i) {
    const char c = hex[i];
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) return std::nullopt;
    key[i / 2] = static_cast<std::uint8_t>((key[i / 2] << 4) | v);
  }
  return key;
}

Civil CivilFromUnix(std::int64_t unix_s) {
  std::int64_t days = unix_s >= 0 ? unix_s / 86'400 : (unix_s - 86'399) / 86'400;
  Civil c;
  c.second_of_day = unix_s - days * 86'400;
  c.weekday = static_cast<unsigned>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  // Civil from days (H. Hinnant's algorithm).
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2 ? 1 : 0);
  return c;
}

std::string IsoTime(std::int64_t epoch_unix_s, TimeUs at_us) {
  const std::int64_t ms_total = at_us / kUsPerMs;
  const Civil c = CivilFromUnix(epoch_unix_s + ms_total / 1000);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(c.year), c.month, c.day,
                static_cast<long long>(c.second_of_day / 3600),
                static_cast<long long>(c.second_of_day / 60 % 60),
                static_cast<long long>(c.second_of_day % 60),
                static_cast<long long>(ms_total % 1000));
  return buf;
}

std::string_view DefaultMessage(ApiCode code) {
  switch (code) {
    case ApiCode::kInvalidJson:
      return "Error parsing JSON body.";
    case ApiCode::kInvalidRequestUrl:
      return "Invalid request URL.";
    case ApiCode::kInvalidRequest:
      return "Unsupported request.";
    case ApiCode::kValidationError:
      return "body failed validation.";
    case ApiCode::kMissingVersion:
      return "Notion-Version header failed validation: Notion-Version header should be defined, "
             "instead was `undefined`.";
    case ApiCode::kUnauthorized:
      return "API token is invalid.";
    case ApiCode::kRestrictedResource:
      return "API token does not have access to this resource.";
    case ApiCode::kObjectNotFound:
      return "Could not find the requested object.";
    case ApiCode::kConflictError:
      return "Conflict occurred while saving. Please try again.";
    case ApiCode::kRateLimited:
      return "You have been rate limited. Please try again in a few minutes.";
    case ApiCode::kInternalServerError:
      return "Unexpected error occurred.";
    case ApiCode::kBadGateway:
      return "Bad Gateway";
    case ApiCode::kServiceUnavailable:
    case ApiCode::kDatabaseConnectionUnavailable:
      return "Notion is unavailable, please try again later.";
    case ApiCode::kGatewayTimeout:
      return "Gateway Timeout";
    case ApiCode::kServiceOverload:
      return "Notion is temporarily overloaded, please try again later.";
    default:
      return "Unexpected error occurred.";
  }
}

std::size_t JsLength(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += c >= 0xF0 ? 2 : 1;            // 4-byte sequences are surrogate pairs in UTF-16
  }
  return n;
}

std::int64_t UnixFromCivil(std::int64_t year, unsigned month, unsigned day) {
  // Days from civil (H. Hinnant's algorithm).
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (era * 146097 + static_cast<std::int64_t>(doe) - 719468) * 86'400;
}

std::string Quoted(const nlohmann::json& v) {
  std::string s = SafeDump(v);
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return s;
}

const nlohmann::json& Field(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

bool BooleanFields(Call& c, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    const nlohmann::json& v = Field(*c.body, key);
    if (c.body->contains(key) && !v.is_boolean()) {
      c.Fail(400, ApiCode::kValidationError,
             std::string("body failed validation: body.") + key +
                 " should be a boolean, instead was `" + Quoted(v) + "`.");
      return false;
    }
  }
  return true;
}

std::string PlainText(const nlohmann::json& items) {
  std::string out;
  if (!items.is_array()) return out;
  for (const nlohmann::json& item : items) {
    if (!item.is_object()) continue;
    if (auto t = item.find("text"); t != item.end() && t->is_object()) {
      if (auto c = t->find("content"); c != t->end() && c->is_string()) {
        out += c->get_ref<const std::string&>();
        continue;
      }
    }
    if (auto p = item.find("plain_text"); p != item.end() && p->is_string()) {
      out += p->get_ref<const std::string&>();
      continue;
    }
    if (auto e = item.find("equation"); e != item.end() && e->is_object()) {
      out += Str(*e, "expression");
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string PropertyId(const std::string& name, const std::string& type) {
  if (type == "title") return "title";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04llx",
                static_cast<unsigned long long>(engine::HashString(name) & 0xFFFF));
  return buf;
}

std::string Hex32(const engine::ObjectId& id) {
  std::string out;
  for (char ch : id.ToString()) {
    if (ch != '-') out += ch;
  }
  return out;
}

}  // namespace notion_sim::sim
