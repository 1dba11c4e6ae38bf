#include "notion_sim/simulator/workspace.h"

#include <cctype>
#include <cmath>

#include "notion_sim/engine/rng.h"
#include "notion_sim/simulator/network.h"

namespace notion_sim::sim {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, std::size_t at, std::size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

const std::vector<std::string> kPropertyTypes = {
    "title",        "rich_text",      "number",    "checkbox",     "select",
    "status",       "date",           "url",       "email",        "phone_number",
    "multi_select", "people",         "files",     "created_time", "last_edited_time",
    "created_by",   "last_edited_by", "unique_id", "formula"};

engine::ObjectId ReadId(engine::ObjectReader& r, const std::string& key) {
  if (!r.Has(key)) {
    r.String(key, "");
    return {};
  }
  const std::string text = r.String(key);
  std::optional<engine::ObjectId> id = engine::ObjectId::Parse(text);
  if (!id && r.ok()) r.Fail(key, "expected a UUID (32 hex digits, dashes optional)");
  return id.value_or(engine::ObjectId{});
}

std::vector<engine::ObjectId> ReadIds(engine::ObjectReader& r, const std::string& key) {
  std::vector<engine::ObjectId> out;
  for (const std::string& text : r.Strings(key)) {
    std::optional<engine::ObjectId> id = engine::ObjectId::Parse(text);
    if (!id) {
      r.Fail(key, "expected UUIDs, found \"" + text + "\"");
      return out;
    }
    out.push_back(*id);
  }
  return out;
}

}  // namespace

std::string_view ApiVersionName(ApiVersion version) {
  switch (version) {
    case ApiVersion::k20220628:
      return "2022-06-28";
    case ApiVersion::k20250903:
      return "2025-09-03";
    case ApiVersion::k20260311:
      return "2026-03-11";
  }
  return "?";
}

std::optional<ApiVersion> ParseApiVersion(std::string_view text) {
  for (ApiVersion v : {ApiVersion::k20220628, ApiVersion::k20250903, ApiVersion::k20260311}) {
    if (ApiVersionName(v) == text) return v;
  }
  return std::nullopt;
}

Result<std::int64_t> ParseIsoSeconds(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  const bool ok = Digits(s, 0, 4, &y) && s.size() > 4 && s[4] == '-' && Digits(s, 5, 2, &mo) &&
                  s.size() > 7 && s[7] == '-' && Digits(s, 8, 2, &d) && s.size() > 10 &&
                  s[10] == 'T' && Digits(s, 11, 2, &h) && s.size() > 13 && s[13] == ':' &&
                  Digits(s, 14, 2, &mi) && s.size() > 16 && s[16] == ':' && Digits(s, 17, 2, &se);
  std::size_t at = 19;
  if (ok && at < s.size() && s[at] == '.') {
    ++at;
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
  }
  if (!ok || at + 1 != s.size() || s[at] != 'Z' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
      mi > 59 || se > 60) {
    return InvalidInput("expected an ISO 8601 UTC time like \"2026-01-01T00:00:00Z\", found \"" +
                        std::string(s) + "\"");
  }
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86'400 + h * 3600 +
         mi * 60 + se;
}

Result<Workspace> ParseWorkspace(engine::ObjectReader& r) {
  Workspace w;
  if (r.Has("epoch")) {
    const std::string epoch = r.String("epoch");
    Result<std::int64_t> s = ParseIsoSeconds(epoch);
    if (!s.ok() && r.ok()) r.Fail("epoch", s.error().message);
    if (s.ok()) w.epoch_unix_s = *s;
  }
  for (engine::ObjectReader& t : r.Objects("tokens")) {
    TokenSpec spec;
    spec.token = t.String("token");
    spec.name = t.String("name", "");
    spec.tenant = static_cast<std::uint16_t>(
        t.Int("tenant", static_cast<std::int64_t>(w.tokens.size()), 0, 65535));
    spec.workspace = static_cast<std::uint16_t>(t.Int("workspace", 0, 0, 65535));
    if (t.Has("capabilities")) {
      spec.capabilities = 0;
      for (const std::string& c : t.Strings("capabilities")) {
        if (c == "read") {
          spec.capabilities |= kCapRead;
        } else if (c == "update") {
          spec.capabilities |= kCapUpdate;
        } else if (c == "insert") {
          spec.capabilities |= kCapInsert;
        } else {
          t.Fail("capabilities",
                 "expected \"read\", \"update\" or \"insert\", found \"" + c + "\"");
        }
      }
    }
    spec.hidden = ReadIds(t, "hidden");
    spec.forbidden = ReadIds(t, "forbidden");
    t.Finish();
    if (spec.name.empty()) spec.name = "tenant" + std::to_string(spec.tenant);
    if (t.ok() && spec.token.empty()) t.Fail("token", "expected a non-empty token");
    for (const TokenSpec& other : w.tokens) {
      if (t.ok() && other.token == spec.token) t.Fail("token", "this token is listed twice");
    }
    w.tokens.push_back(std::move(spec));
  }
  for (engine::ObjectReader& db : r.Objects("databases")) {
    DatabaseSpec spec;
    spec.id = ReadId(db, "id");
    spec.title = db.String("title", "Database");
    for (engine::ObjectReader& ds : db.Objects("data_sources", /*required=*/true)) {
      DataSourceSpec d;
      d.id = ReadId(ds, "id");
      d.title = ds.String("title", spec.title);
      d.pages = static_cast<std::uint32_t>(ds.Int("pages", 0, 0, 10'000'000));
      const nlohmann::json* raw = ds.Raw("properties");
      if (std::optional<engine::ObjectReader> props = ds.OptionalObject("properties")) {
        // Each key is a property name whose value is its type; nlohmann keeps keys sorted, so
        // the schema's order is stable.
        for (auto it = raw->begin(); it != raw->end() && props->ok(); ++it) {
          d.properties.push_back(PropertySpec{it.key(), props->Enum(it.key(), kPropertyTypes)});
        }
        props->Finish();
      }
      ds.Finish();
      spec.data_sources.push_back(std::move(d));
    }
    if (db.ok() && spec.data_sources.empty()) {
      db.Fail("data_sources", "expected at least one data source");
    }
    db.Finish();
    w.databases.push_back(std::move(spec));
  }
  w.users = static_cast<std::uint32_t>(r.Int("users", 3, 0, 100'000));
  w.search_indexing_delay_us = static_cast<TimeUs>(
      std::llround(r.Number("search_indexing_delay_ms", 0, 0, 86'400'000) * 1000.0));
  w.unknown_parent = r.Enum("unknown_parent", {"create", "not_found"}, "not_found") == "create"
                         ? UnknownParent::kCreate
                         : UnknownParent::kNotFound;
  w.conflict_window_us =
      static_cast<TimeUs>(std::llround(r.Number("conflict_window_ms", 0, 0, 3'600'000) * 1000.0));
  w.query_result_limit =
      static_cast<std::uint32_t>(r.Int("query_result_limit", 10'000, 1, 100'000'000));
  if (std::optional<engine::ObjectReader> rl = r.OptionalObject("rate_limits")) {
    Result<RateLimitConfig> c = ParseRateLimits(*rl);
    if (c.ok()) w.rate_limits = *c;
  }
  if (std::optional<engine::ObjectReader> o = r.OptionalObject("oauth")) {
    w.oauth_client_id = o->String("client_id", w.oauth_client_id);
    w.oauth_client_secret = o->String("client_secret", w.oauth_client_secret);
    o->Finish();
  }
  w.custom_emojis = r.Strings("custom_emojis");
  if (r.Has("notion_version")) {
    const std::string v = r.Enum("notion_version", {"2022-06-28", "2025-09-03", "2026-03-11"});
    w.in_process_version = ParseApiVersion(v).value_or(ApiVersion::k20250903);
  }
  r.Finish();
  if (!r.ok()) return r.error();
  return w;
}

Workspace DefaultServeWorkspace(std::uint64_t seed, std::uint32_t seeded_pages) {
  engine::Rng rng = engine::Rng(seed).Fork("serve.workspace");
  Workspace ws;
  DataSourceSpec source;
  source.id = engine::ObjectId::Random(rng);
  source.title = "Tasks";
  source.properties = {
      {"Name", "title"},
      {"Done", "checkbox"},
      {"Notes", "rich_text"},
      {"Count", "number"},
      // What a scenario's updates set, and where a protected create keeps its idempotency key
      // (reconcile-before-retry looks it up): a live run's workload fits this data source.
      {"Status", "rich_text"},
      {"idempotency_key", "rich_text"}};
  source.pages = seeded_pages;
  DatabaseSpec database;
  database.id = engine::ObjectId::Random(rng);
  database.title = "Tasks";
  database.data_sources.push_back(std::move(source));
  ws.databases.push_back(std::move(database));
  return ws;
}

}  // namespace notion_sim::sim
