#include "notion_sim/simulator/fake_notion.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

#include "core.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/simulator/redact.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::Method;
using engine::ObjectId;
using engine::Operation;

namespace {

constexpr std::size_t kMaxImplicitTokens = 4096;
constexpr std::size_t kMaxBodyBytes = 500'000;  // Notion's "500 KB" payload limit

constexpr std::array<int, kStatusSlots> kSlotStatus = {200, 400, 401, 403, 404, 409, 413,
                                                       429, 500, 502, 503, 504, 529, 0};

bool KnownToSdk(ApiCode code) {
  switch (code) {
    case ApiCode::kMissingVersion:
    case ApiCode::kInvalidGrant:
    case ApiCode::kBadGateway:
    case ApiCode::kDatabaseConnectionUnavailable:
    case ApiCode::kOther:
      return false;
    default:
      return true;
  }
}

// A version-4 id derived from a seed and a number, without drawing from a stream (bots of
// implicit tokens appear on first use; drawing would shift every later id).
ObjectId DerivedId(std::uint64_t seed, std::uint64_t n) {
  ObjectId id{engine::Mix64(seed ^ (n * 0x9E3779B97F4A7C15ULL)),
              engine::Mix64(seed + n + 0x632BE59BD9B4E019ULL)};
  id.hi = (id.hi & ~0xF000ULL) | 0x4000ULL;
  id.lo = (id.lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);
  return id;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  std::size_t pos = 0;
  for (int guard = 0; pos <= query.size() && guard < 1000; ++guard) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view part = query.substr(pos, amp - pos);
    const std::size_t eq = part.find('=');
    if (PercentDecode(part.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1));
    }
    pos = amp + 1;
  }
  return std::nullopt;
}

std::string_view PathParamName(Operation op) {
  switch (op) {
    case Operation::kRetrievePage:
    case Operation::kUpdatePage:
      return "page_id";
    case Operation::kQueryDataSource:
    case Operation::kRetrieveDataSource:
      return "data_source_id";
    case Operation::kQueryDatabase:
    case Operation::kRetrieveDatabase:
    case Operation::kUpdateDatabase:
      return "database_id";
    case Operation::kRetrieveUser:
      return "user_id";
    default:
      return "block_id";
  }
}

bool HasTarget(Operation op) {
  switch (op) {
    case Operation::kCreatePage:
    case Operation::kSearch:
    case Operation::kUsersMe:
    case Operation::kListUsers:
    case Operation::kUpstreamComplete:
    case Operation::kCreateDatabase:
      return false;
    default:
      return true;
  }
}

bool IsList(Operation op) {
  switch (op) {
    case Operation::kQueryDataSource:
    case Operation::kQueryDatabase:
    case Operation::kListBlockChildren:
    case Operation::kSearch:
    case Operation::kListUsers:
      return true;
    default:
      return false;
  }
}

std::string JsonQuoted(std::string_view s) { return SafeDump(nlohmann::json(std::string(s))); }

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

// ---------------------------------------------------------------------------------------------
// Setup

FakeNotion::Impl::Impl(const engine::Clock& c, engine::Rng rng, engine::Trace* t, FakeConfig cfg)
    : clock(c),
      root_rng(rng),
      ids(rng.Fork("ids")),
      request_ids(rng.Fork("request_ids")),
      upstream_rng(rng.Fork("upstream")),
      trace(t),
      config(std::move(cfg)),
      limiter(config.workspace.rate_limits),
      journal(config.journal_capacity) {
  engine::Rng cursor = rng.Fork("cursor");
  cursor_secret_a = cursor.NextU64();
  cursor_secret_b = cursor.NextU64();
  config.faults.Reseed(rng.Fork("faults"));
  Build();
}

void FakeNotion::Impl::Build() {
  ids = root_rng.Fork("ids");
  request_ids = root_rng.Fork("request_ids");
  upstream_rng = root_rng.Fork("upstream");
  index.Clear();
  pages.clear();
  blocks.clear();
  data_sources.clear();
  databases.clear();
  users.clear();
  idem.clear();
  tokens.clear();
  token_of_tenant.clear();
  token_of_bearer.clear();
  const Workspace& w = config.workspace;
  open_auth = w.tokens.empty();
  for (std::uint32_t i = 0; i < w.users; ++i) {
    UserRec u;
    u.id = ObjectId::Random(ids);
    u.name = "User " + std::to_string(i + 1);
    u.email = "user" + std::to_string(i + 1) + "@example.com";
    index.Insert(u.id, Ref{Kind::kUser, static_cast<std::uint32_t>(users.size())});
    users.push_back(std::move(u));
  }
  for (const TokenSpec& spec : w.tokens) {
    TokenRec t;
    t.spec = spec;
    t.bot = ObjectId::Random(ids);
    const int ti = static_cast<int>(tokens.size());
    UserRec bot;
    bot.id = t.bot;
    bot.name = spec.name;
    bot.token = ti;
    index.Insert(bot.id, Ref{Kind::kUser, static_cast<std::uint32_t>(users.size())});
    users.push_back(std::move(bot));
    if (token_of_tenant.size() <= spec.tenant) token_of_tenant.resize(spec.tenant + 1u, -1);
    if (token_of_tenant[spec.tenant] < 0) token_of_tenant[spec.tenant] = ti;
    token_of_bearer[spec.token] = ti;
    tokens.push_back(std::move(t));
  }
  for (const DatabaseSpec& dbs : w.databases) {
    const ObjectId db_id = dbs.id.empty() ? ObjectId::Random(ids) : dbs.id;
    const std::uint32_t db = NewDatabase(db_id, dbs.title);
    for (const DataSourceSpec& dss : dbs.data_sources) {
      const ObjectId ds_id = dss.id.empty() ? ObjectId::Random(ids) : dss.id;
      const std::uint32_t ds = NewDataSource(ds_id, dss.title, dss.properties, db);
      std::string title_prop = "Name";
      for (const PropertySpec& p : dss.properties) {
        if (p.type == "title") title_prop = p.name;
      }
      for (std::uint32_t i = 0; i < dss.pages; ++i) {
        auto props = std::make_shared<const nlohmann::json>(nlohmann::json{
            {title_prop,
             {{"title", {{{"text", {{"content", "Seed " + std::to_string(i + 1)}}}}}}}}});
        Call seed;
        seed.now_us = 0;
        NewPage(seed, ParentKind::kDataSource, data_sources[ds].id, props);
      }
    }
  }
}

int FakeNotion::Impl::TokenForTenant(std::uint16_t tenant) {
  if (!open_auth) {
    return tenant < token_of_tenant.size() ? token_of_tenant[tenant] : -1;
  }
  if (tenant < token_of_tenant.size() && token_of_tenant[tenant] >= 0) {
    return token_of_tenant[tenant];
  }
  if (tokens.size() >= kMaxImplicitTokens) return 0;
  TokenRec t;
  t.spec.name = "tenant" + std::to_string(tenant);
  t.spec.tenant = tenant;
  t.bot = DerivedId(root_rng.Seed(), tokens.size());
  const int ti = static_cast<int>(tokens.size());
  if (token_of_tenant.size() <= tenant) token_of_tenant.resize(tenant + 1u, -1);
  token_of_tenant[tenant] = ti;
  tokens.push_back(std::move(t));
  return ti;
}

int FakeNotion::Impl::TokenForBearer(std::string_view bearer) {
  auto it = token_of_bearer.find(std::string(bearer));
  if (it != token_of_bearer.end()) return it->second;
  if (!open_auth || bearer.empty()) return -1;
  if (tokens.size() >= kMaxImplicitTokens) return 0;
  TokenRec t;
  t.spec.token = std::string(bearer);
  t.spec.name = RedactToken(bearer);
  t.bot = DerivedId(root_rng.Seed(), tokens.size());
  const int ti = static_cast<int>(tokens.size());
  token_of_bearer[t.spec.token] = ti;
  tokens.push_back(std::move(t));
  return ti;
}

FakeNotion::FakeNotion(const engine::Clock& clock, engine::Rng rng, engine::Trace* trace,
                       FakeConfig config)
    : impl_(std::make_unique<Impl>(clock, rng, trace, std::move(config))) {}

FakeNotion::~FakeNotion() = default;

// ---------------------------------------------------------------------------------------------
// The pipeline

void FakeNotion::Impl::ApplyLimits(Call& c) {
  const LimitDecision d = limiter.Admit(static_cast<std::uint32_t>(c.token), c.workspace, c.now_us);
  if (d.admitted()) return;
  c.retry_after_form = RetryAfterForm::kSeconds;
  c.retry_after_s = d.retry_after_s;
  c.rate_limit_reason = LimitReasonName(d.verdict);
  if (d.verdict == LimitVerdict::kOverloaded) {
    ++stats.overloaded;
    c.Fail(529, ApiCode::kServiceOverload, std::string(DefaultMessage(ApiCode::kServiceOverload)));
    c.rate_limit_reason = {};
  } else {
    ++stats.rate_limited;
    c.Fail(429, ApiCode::kRateLimited, std::string(DefaultMessage(ApiCode::kRateLimited)));
  }
}

namespace {

// Actions that answer before the request is applied.
bool PreEmpts(FaultAction a) {
  return a == FaultAction::kRespond || a == FaultAction::kReset || a == FaultAction::kHang ||
         a == FaultAction::kHtmlEdge || a == FaultAction::kMalformedJson;
}

}  // namespace

void FakeNotion::Impl::Finish(Call& c, const FaultDecision& d, Answer& a, std::string path) {
  const bool injected = d.fired();
  if (injected) {
    ++stats.faults_injected;
    ++by_action[static_cast<std::size_t>(d.action)];
    // The client will not learn that this write happened: the duplicate-create risk.
    if (c.ledger_index < ledger.size() &&
        (d.action == FaultAction::kLoseAfterCommit || d.action == FaultAction::kStallBody ||
         d.action == FaultAction::kCommitThen503)) {
      ledger[c.ledger_index].injected_loss = true;
    }
  }
  if (c.code == ApiCode::kValidationError) ++stats.validation_errors;
  engine::Response& r = a.response;
  r.status = c.status;
  r.code = c.code;
  r.code_known_to_sdk = c.status < 300 || KnownToSdk(c.code);
  r.injected = injected;
  r.object_id = c.object;
  r.found = c.found;
  r.result_count = c.result_count;
  r.has_more = c.has_more;
  r.next_cursor = c.next_cursor;
  a.action = d.action;
  a.injected = injected;
  a.fault_rule_id = d.rule_id;
  a.delay_us = d.delay_us + c.delay_us;
  a.seq = c.seq;
  a.loss = d.loss;
  if (d.action == FaultAction::kHtmlEdge) {
    r.edge_error = true;
    r.code_known_to_sdk = false;
    r.code = ApiCode::kNone;
  }
  if (c.retry_after_form == RetryAfterForm::kSeconds) {
    r.retry_after = std::to_string(c.retry_after_s);
  } else if (c.retry_after_form == RetryAfterForm::kHttpDate) {
    // Rounded up to the next whole second: a client honouring the date is never early.
    const std::int64_t now_s = (c.now_us + kUsPerSec - 1) / kUsPerSec;
    r.retry_after = HttpDate(config.workspace.epoch_unix_s + now_s + c.retry_after_s);
    a.retry_after_date_in_s = c.retry_after_s;
  }

  if (c.render) {
    const bool upstream = c.op == Operation::kUpstreamComplete;
    if (d.action == FaultAction::kHtmlEdge) {
      const int s = c.status;
      const std::string title = std::to_string(s) + (s == 502   ? " Bad Gateway"
                                                     : s == 503 ? " Service Unavailable"
                                                     : s == 504 ? " Gateway Timeout"
                                                     : s == 403 ? " Forbidden"
                                                     : s == 522 ? " Connection timed out"
                                                                : " Error");
      a.body = "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
               title +
               "</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
      char ray[32];
      std::snprintf(ray, sizeof ray, "%016llx-SJC",
                    static_cast<unsigned long long>(request_ids.NextU64()));
      a.headers.emplace_back("content-type", "text/html");
      a.headers.emplace_back("cf-ray", ray);
    } else {
      std::string request_id = ObjectId::Random(request_ids).ToString();
      if (d.action == FaultAction::kMalformedJson) {
        a.body = R"({"object":"page","id":")" + request_id.substr(0, 13) + "\",\"properties\":{";
      } else if (c.failed() && upstream) {
        std::string_view type = c.status == 429   ? "rate_limit_error"
                                : c.status == 529 ? "overloaded_error"
                                : c.status == 401 ? "authentication_error"
                                : c.status == 400 ? "invalid_request_error"
                                : c.status == 404 ? "not_found_error"
                                                  : "api_error";
        nlohmann::json body = {
            {"type", "error"},
            {"error",
             {{"type", std::string(type)},
              {"message", c.message.empty() ? std::string(DefaultMessage(c.code)) : c.message}}}};
        a.body = SafeDump(body);
      } else if (c.failed()) {
        nlohmann::json body = {
            {"object", "error"},
            {"status", c.status},
            {"code", std::string(engine::ApiCodeName(c.code))},
            {"message", c.message.empty() ? std::string(DefaultMessage(c.code)) : c.message},
            {"request_id", request_id}};
        nlohmann::json additional =
            c.additional.is_object() ? c.additional : nlohmann::json::object();
        if (!c.rate_limit_reason.empty()) {
          additional["rate_limit_reason"] = std::string(c.rate_limit_reason);
        }
        if (c.retry_after_form != RetryAfterForm::kAbsent) {
          additional["retry_after"] = std::to_string(c.retry_after_s);
        }
        if (!additional.empty()) body["additional_data"] = std::move(additional);
        a.body = SafeDump(body);
      } else {
        a.body = SafeDump(c.result);
      }
      a.headers.emplace_back("content-type", "application/json; charset=utf-8");
      if (!upstream) a.headers.emplace_back("x-notion-request-id", std::move(request_id));
    }
    if (!r.retry_after.empty()) a.headers.emplace_back("retry-after", r.retry_after);
  }

  const std::size_t op_slot = static_cast<std::size_t>(c.op);
  ++by_op_status[op_slot][static_cast<std::size_t>(StatusSlot(c.status))];
  ++stats.requests;
  if (c.op == Operation::kUpstreamComplete) {
    ++stats.upstream_requests;
    const bool error = c.failed() || injected;
    if (error) ++stats.upstream_errors;
    if (upstream_recent.size() < 100) {
      upstream_recent.push_back(error ? 1 : 0);
    } else {
      upstream_recent[upstream_recent_pos] = error ? 1 : 0;
      upstream_recent_pos = (upstream_recent_pos + 1) % upstream_recent.size();
    }
  }

  JournalEntry e;
  e.seq = c.seq;
  e.at_us = c.now_us;
  e.method = c.method;
  e.operation = c.op;
  e.path = std::move(path);
  e.target = c.target;
  e.object = c.object;
  e.caller = std::move(c.caller);
  e.tenant = c.tenant;
  e.status = c.status;
  e.code = r.code;
  e.latency_us = a.delay_us;
  e.op_id = c.op_id;
  e.attempt = c.attempt;
  e.committed = c.committed;
  if (injected) e.fault = d;
  journal.Add(std::move(e));

  if (trace != nullptr) {
    if (injected) {
      trace->Emit(engine::EventKind::kFaultInjected, c.now_us, c.op_id, c.attempt, c.tenant,
                  static_cast<std::int64_t>(d.action), c.status);
    }
    trace->Emit(engine::EventKind::kRequestReceived, c.now_us, c.op_id, c.attempt, c.tenant,
                static_cast<std::int64_t>(c.op), c.status);
  }
}

namespace {

// Applies a pre-empting decision's answer to the call.
void ApplyScripted(Call& c, const FaultDecision& d) {
  c.status = d.status;
  c.code = d.code;
  c.message = d.message;
  c.retry_after_form = d.retry_after_form;
  c.retry_after_s = d.retry_after_s;
  if (!d.rate_limit_reason.empty() && d.status == 429) c.rate_limit_reason = d.rate_limit_reason;
}

void CommitThen503(Call& c) {
  const engine::ObjectId committed = c.object;
  c.Fail(503, ApiCode::kServiceUnavailable,
         "The change was saved, but the response could not be completed in time. Do not retry "
         "the write: it was applied.");
  c.result = nullptr;
  if (c.render) {
    nlohmann::json add = {{"retry_guidance", nlohmann::json::array({"do_not_retry_write"})}};
    if (!committed.empty()) add["committed_resource_id"] = committed.ToString();
    c.additional = std::move(add);
  }
  c.object = committed;
}

}  // namespace

Answer FakeNotion::Handle(const engine::Request& request) {
  Impl& m = *impl_;
  Call c;
  c.seq = ++m.seq;
  c.now_us = m.clock.NowUs();
  c.op = request.operation;
  c.method = engine::MethodOf(request.operation);
  c.target = request.target;
  c.parent = request.parent;
  c.tenant = request.tenant;
  c.version = m.config.workspace.in_process_version;
  c.op_id = request.op_id;
  c.attempt = request.attempt;
  c.body = request.payload.get();
  c.owner = request.payload;
  c.idem_key = request.idempotency_key;
  c.reconcile = request.reconcile_lookup;
  c.start_cursor = request.start_cursor;
  c.cursor_given = request.start_cursor != 0;
  c.page_size = request.page_size == 0 ? 100 : request.page_size;
  Answer a;
  const int token = m.TokenForTenant(request.tenant);
  FaultDecision d;
  if (token < 0) {
    c.Fail(401, ApiCode::kUnauthorized, "");
  } else {
    c.token = token;
    c.workspace = m.tokens[static_cast<std::size_t>(token)].spec.workspace;
    FaultContext fc;
    fc.now_us = c.now_us;
    fc.method = c.method;
    std::string path;
    // Paths are rendered only when some rule matches on one (the hot path stays string-free).
    for (const FaultRule& rule : m.config.faults.rules()) {
      if (!rule.match.path_glob.empty()) {
        path = engine::RenderPath(c.op, c.target.ToString());
        break;
      }
    }
    fc.path = path;
    fc.operation = c.op;
    fc.tenant = c.tenant;
    fc.seq = c.seq;
    fc.op_id = c.op_id;
    fc.attempt = c.attempt;
    if (!m.config.faults.rules().empty() || m.config.faults.replaying()) {
      d = m.config.faults.Decide(fc);
    }
    if (PreEmpts(d.action)) {
      ApplyScripted(c, d);
    } else {
      m.ApplyLimits(c);
      if (!c.failed()) {
        if (c.page_size > 100 && IsList(c.op)) {
          c.Fail(400, ApiCode::kValidationError,
                 "body failed validation: body.page_size should be ≤ `100`, instead was `" +
                     std::to_string(c.page_size) + "`.");
        } else if (c.cursor_given && (c.start_cursor & 0xFFFFFFFFULL) == 0) {
          // Every cursor we hand out names a position >= 1; anything else was made up.
          c.Fail(400, ApiCode::kValidationError,
                 "body failed validation: body.start_cursor should be a valid cursor, instead "
                 "was `" +
                     std::to_string(c.start_cursor) + "`.");
        } else {
          m.Execute(c);
        }
      }
      if (d.action == FaultAction::kCommitThen503 && c.committed) CommitThen503(c);
    }
  }
  m.Finish(c, d, a, std::string());
  return a;
}

Answer FakeNotion::HandleHttp(const HttpRequestView& request) {
  Impl& m = *impl_;
  Call c;
  c.seq = ++m.seq;
  c.now_us = m.clock.NowUs();
  c.render = true;
  c.http = true;
  c.version = m.config.workspace.in_process_version;
  Answer a;
  FaultDecision d;
  auto header = [&](std::string_view name) -> std::optional<std::string> {
    return request.header ? request.header(name) : std::nullopt;
  };
  const std::string path(request.path);
  const std::optional<Method> method = engine::ParseMethod(request.method);
  if (method) c.method = *method;
  std::optional<engine::Route> route;
  if (method) route = engine::ParseRoute(*method, request.path);
  if (route) c.op = route->operation;
  if (!route) c.op = Operation::kCount;

  // Identify the caller first: the fault plan may match on the token even when auth fails.
  std::string bearer;
  if (std::optional<std::string> auth = header("authorization")) {
    if (auth->size() > 7 && std::equal(auth->begin(), auth->begin() + 7, "bearer ",
                                       [](char x, char y) { return std::tolower(x) == y; })) {
      bearer = auth->substr(7);
    }
  } else if (std::optional<std::string> key = header("x-api-key")) {
    bearer = *key;
  }
  if (std::optional<std::string> op = header("x-notion-sim-op-id")) {
    c.op_id = std::strtoull(op->c_str(), nullptr, 10);
  }
  if (std::optional<std::string> at = header("x-notion-sim-attempt")) {
    c.attempt = static_cast<std::uint32_t>(std::strtoul(at->c_str(), nullptr, 10));
  }
  const int token = m.TokenForBearer(bearer);
  c.token = token;
  if (token >= 0) {
    c.caller = m.tokens[static_cast<std::size_t>(token)].spec.name;
  } else if (!bearer.empty()) {
    c.caller = RedactToken(bearer);
  }
  if (token >= 0) {
    c.token = token;
    c.tenant = m.tokens[static_cast<std::size_t>(token)].spec.tenant;
    c.workspace = m.tokens[static_cast<std::size_t>(token)].spec.workspace;
  }

  auto finish = [&]() {
    m.Finish(c, d, a, path);
    return a;
  };
  const bool upstream = c.op == Operation::kUpstreamComplete;
  if (!route) {
    c.op = Operation::kCount;
    c.Fail(400, ApiCode::kInvalidRequestUrl, "Invalid request URL.");
    // Unknown routes still count, under the "unknown" slot.
    c.op = static_cast<Operation>(engine::kOperationCount);
  }
  {
    FaultContext fc;
    fc.now_us = c.now_us;
    fc.method = c.method;
    fc.path = request.path;
    if (route) fc.operation = c.op;
    fc.token = bearer;
    fc.tenant = c.tenant;
    fc.seq = c.seq;
    fc.op_id = c.op_id;
    fc.attempt = c.attempt;
    d = m.config.faults.Decide(fc);
  }
  if (PreEmpts(d.action)) {
    ApplyScripted(c, d);
    return finish();
  }
  if (c.failed()) return finish();

  if (!upstream) {
    const std::optional<std::string> version = header("notion-version");
    if (!version) {
      c.Fail(400, ApiCode::kMissingVersion, "");
      return finish();
    }
    const std::optional<ApiVersion> v = ParseApiVersion(*version);
    if (!v) {
      c.Fail(400, ApiCode::kValidationError,
             "Notion-Version header failed validation: Notion-Version header should be one of "
             "`2022-06-28`, `2025-09-03`, `2026-03-11`, instead was " +
                 JsonQuoted(*version) + ".");
      return finish();
    }
    c.version = *v;
    if (token < 0) {
      c.Fail(401, ApiCode::kUnauthorized, "");
      return finish();
    }
    // A route of another API version does not exist in this one: that comes before anything in
    // the path or body is validated (Execute checks again for in-process calls).
    const bool old_version = c.version == ApiVersion::k20220628;
    if ((old_version &&
         (c.op == Operation::kQueryDataSource || c.op == Operation::kRetrieveDataSource)) ||
        (!old_version && c.op == Operation::kQueryDatabase)) {
      c.Fail(400, ApiCode::kInvalidRequestUrl, "Invalid request URL.");
      return finish();
    }
  } else {
    const std::vector<std::string>& keys = m.config.upstream.api_keys;
    if (!keys.empty() && std::find(keys.begin(), keys.end(), bearer) == keys.end()) {
      c.Fail(401, ApiCode::kUnauthorized, "invalid x-api-key");
      return finish();
    }
    if (token < 0) c.token = 0;
  }
  if (route && HasTarget(c.op)) {
    std::optional<ObjectId> id = ObjectId::Parse(route->target);
    if (!id) {
      c.Fail(400, ApiCode::kValidationError,
             "path failed validation: path." + std::string(PathParamName(c.op)) +
                 " should be a valid uuid, instead was `" + JsonQuoted(route->target) + "`.");
      return finish();
    }
    c.target = *id;
  }
  if (!upstream) {
    m.ApplyLimits(c);
    if (c.failed()) return finish();
  }

  // The body.
  nlohmann::json body = nlohmann::json::object();
  const bool has_body = c.method == Method::kPost || c.method == Method::kPatch;
  if (has_body) {
    if (request.body.size() > kMaxBodyBytes) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: the request body is " + std::to_string(request.body.size()) +
                 " bytes, the limit is " + std::to_string(kMaxBodyBytes) + " bytes (500 KB).");
      return finish();
    }
    const bool blank = std::all_of(request.body.begin(), request.body.end(), [](char ch) {
      return std::isspace(static_cast<unsigned char>(ch));
    });
    if (!blank) {
      if (Status st = engine::CheckJsonLimits(request.body, "body", {64, kMaxBodyBytes});
          !st.ok()) {
        c.Fail(400, ApiCode::kInvalidJson, st.error().message);
        return finish();
      }
      body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) {
        c.Fail(400, ApiCode::kInvalidJson, "");
        return finish();
      }
      if (!body.is_object()) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body should be an object, instead was `" + SafeDump(body) +
                   "`.");
        return finish();
      }
    }
  }
  auto owner = std::make_shared<const nlohmann::json>(std::move(body));
  c.owner = owner;
  c.body = owner.get();

  // Pagination parameters: the query string for GET, the body for POST.
  if (route && IsList(c.op)) {
    std::optional<std::string> size_text, cursor_text;
    std::string where = "body";
    if (c.method == Method::kGet) {
      where = "query";
      size_text = QueryParam(request.query, "page_size");
      cursor_text = QueryParam(request.query, "start_cursor");
    } else {
      const nlohmann::json& b = *c.body;
      if (auto it = b.find("page_size"); it != b.end() && !it->is_null()) {
        if (!it->is_number_integer()) {
          c.Fail(400, ApiCode::kValidationError,
                 "body failed validation: body.page_size should be a number, instead was `" +
                     SafeDump(*it) + "`.");
          return finish();
        }
        size_text = std::to_string(it->get<std::int64_t>());
      }
      if (auto it = b.find("start_cursor"); it != b.end() && !it->is_null()) {
        if (!it->is_string()) {
          c.Fail(400, ApiCode::kValidationError,
                 "body failed validation: body.start_cursor should be a string, instead was `" +
                     SafeDump(*it) + "`.");
          return finish();
        }
        cursor_text = it->get<std::string>();
      }
    }
    if (size_text) {
      char* end = nullptr;
      const long long n = std::strtoll(size_text->c_str(), &end, 10);
      if (size_text->empty() || *end != '\0') {
        c.Fail(400, ApiCode::kValidationError,
               where + " failed validation: " + where +
                   ".page_size should be a number, instead was `" + JsonQuoted(*size_text) + "`.");
        return finish();
      }
      if (n > 100 || n < 1) {
        c.Fail(400, ApiCode::kValidationError,
               where + " failed validation: " + where + ".page_size should be " +
                   (n > 100 ? "≤ `100`" : "≥ `1`") + ", instead was `" + std::to_string(n) + "`.");
        return finish();
      }
      c.page_size = static_cast<std::uint32_t>(n);
    }
    if (cursor_text && !cursor_text->empty()) {
      const ObjectId container =
          c.op == Operation::kSearch || c.op == Operation::kListUsers ? ObjectId{} : c.target;
      std::optional<std::uint64_t> cursor = m.ParseCursor(*cursor_text, container);
      if (!cursor) {
        c.Fail(400, ApiCode::kValidationError,
               where + " failed validation: " + where +
                   ".start_cursor should be a valid cursor, instead was `" +
                   JsonQuoted(*cursor_text) + "`.");
        return finish();
      }
      c.start_cursor = *cursor;
      c.cursor_given = true;
    }
  }
  m.Execute(c);
  if (d.action == FaultAction::kCommitThen503 && c.committed) CommitThen503(c);
  return finish();
}

// ---------------------------------------------------------------------------------------------
// Admin views

FaultPlan& FakeNotion::faults() { return impl_->config.faults; }
Journal& FakeNotion::journal() { return impl_->journal; }
const Journal& FakeNotion::journal() const { return impl_->journal; }
const engine::Ledger& FakeNotion::ledger() const { return impl_->ledger; }
const FakeStats& FakeNotion::stats() const { return impl_->stats; }
const FakeConfig& FakeNotion::config() const { return impl_->config; }

void FakeNotion::Reset() {
  Impl& m = *impl_;
  m.limiter.Reset();
  m.journal.Clear();
  m.ledger.clear();
  m.stats = FakeStats{};
  m.by_op_status = {};
  m.by_action = {};
  m.seq = 0;
  m.upstream_recent.clear();
  m.upstream_recent_pos = 0;
  m.upstream_window_start_us = -1;
  m.upstream_window_used = 0;
  m.payload_cache = {};
  m.config.faults.Reseed(m.root_rng.Fork("faults"));
  m.Build();
}

nlohmann::json FakeNotion::HealthJson() const {
  const Impl& m = *impl_;
  std::size_t rules = m.config.faults.rules().size();
  return {{"status", "ok"},
          {"now_us", m.clock.NowUs()},
          {"requests", m.stats.requests},
          {"pages", m.pages.size()},
          {"blocks", m.blocks.size()},
          {"data_sources", m.data_sources.size()},
          {"databases", m.databases.size()},
          {"users", m.users.size()},
          {"writes", m.stats.writes},
          {"ledger_entries", m.ledger.size()},
          {"faults_injected", m.stats.faults_injected},
          {"fault_rules", rules},
          {"replaying", m.config.faults.replaying()},
          {"rate_limited", m.stats.rate_limited},
          {"overloaded", m.stats.overloaded},
          {"journal",
           {{"size", m.journal.size()},
            {"capacity", m.journal.capacity()},
            {"dropped", m.journal.dropped()}}},
          {"upstream", UpstreamHealthJson()}};
}

nlohmann::json FakeNotion::UpstreamHealthJson() const {
  const Impl& m = *impl_;
  std::size_t errors = 0;
  for (std::uint8_t e : m.upstream_recent) errors += e;
  const std::size_t n = m.upstream_recent.size();
  // Degraded when more than a quarter of the last (up to) 100 calls failed.
  const bool degraded = n >= 4 && errors * 4 > n;
  return {{"status", !m.config.upstream.enabled ? "disabled"
                     : degraded                 ? "degraded"
                                                : "ok"},
          {"requests", m.stats.upstream_requests},
          {"errors", m.stats.upstream_errors},
          {"recent_calls", n},
          {"recent_errors", errors},
          {"model", m.config.upstream.model}};
}

std::string FakeNotion::MetricsText() const {
  const Impl& m = *impl_;
  std::ostringstream out;
  out << "# HELP notion_sim_fake_requests_total Requests the fake's core answered, by operation "
         "and status.\n# TYPE notion_sim_fake_requests_total counter\n";
  for (int op = 0; op <= engine::kOperationCount; ++op) {
    const std::string name = op == engine::kOperationCount
                                 ? "unknown"
                                 : std::string(engine::OperationName(static_cast<Operation>(op)));
    for (int s = 0; s < kStatusSlots; ++s) {
      const std::uint64_t n =
          m.by_op_status[static_cast<std::size_t>(op)][static_cast<std::size_t>(s)];
      if (n == 0) continue;
      const int status = StatusOfSlot(s);
      out << "notion_sim_fake_requests_total{operation=\"" << name << "\",status=\""
          << (status == 0 ? std::string("other") : std::to_string(status)) << "\"} " << n << "\n";
    }
  }
  out << "# HELP notion_sim_fake_faults_injected_total Faults the plan applied, by action.\n"
         "# TYPE notion_sim_fake_faults_injected_total counter\n";
  for (int i = 1; i < static_cast<int>(FaultAction::kCount); ++i) {
    out << "notion_sim_fake_faults_injected_total{action=\""
        << FaultActionName(static_cast<FaultAction>(i)) << "\"} "
        << m.by_action[static_cast<std::size_t>(i)] << "\n";
  }
  auto gauge = [&](const char* name, const char* help, const char* type, std::uint64_t v) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n"
        << name << " " << v << "\n";
  };
  gauge("notion_sim_fake_rate_limited_total", "429s from the fake's rate limiter.", "counter",
        m.stats.rate_limited);
  gauge("notion_sim_fake_overloaded_total", "529s from the fake's overload budget.", "counter",
        m.stats.overloaded);
  gauge("notion_sim_fake_validation_errors_total", "400 validation_error answers.", "counter",
        m.stats.validation_errors);
  gauge("notion_sim_fake_writes_total", "Committed writes.", "counter", m.stats.writes);
  gauge("notion_sim_fake_upstream_requests_total", "Calls of the second upstream.", "counter",
        m.stats.upstream_requests);
  gauge("notion_sim_fake_upstream_errors_total", "Failed calls of the second upstream.", "counter",
        m.stats.upstream_errors);
  gauge("notion_sim_fake_pages", "Pages in the workspace.", "gauge", m.pages.size());
  gauge("notion_sim_fake_blocks", "Blocks in the workspace.", "gauge", m.blocks.size());
  gauge("notion_sim_fake_journal_entries", "Entries held by the request journal.", "gauge",
        m.journal.size());
  gauge("notion_sim_fake_ledger_entries", "Entries in the write ledger.", "gauge", m.ledger.size());
  return out.str();
}

std::size_t FakeNotion::page_count() const { return impl_->pages.size(); }
std::size_t FakeNotion::block_count() const { return impl_->blocks.size(); }

std::vector<ObjectId> FakeNotion::data_sources() const {
  std::vector<ObjectId> out;
  for (const DataSourceRec& ds : impl_->data_sources) out.push_back(ds.id);
  return out;
}

std::vector<ObjectId> FakeNotion::users() const {
  std::vector<ObjectId> out;
  for (const UserRec& u : impl_->users) out.push_back(u.id);
  return out;
}

std::string FakeNotion::CursorText(std::uint64_t cursor) const {
  return impl_->CursorText(cursor, ObjectId{});
}

Result<FakeConfig> ParseFakeConfig(engine::ObjectReader& root) {
  FakeConfig config;
  if (std::optional<engine::ObjectReader> w = root.OptionalObject("workspace")) {
    Result<Workspace> ws = ParseWorkspace(*w);
    if (!ws.ok()) return ws.error();
    config.workspace = std::move(ws).value();
  }
  if (root.Has("faults")) {
    Result<FaultPlan> plan = ParseFaultPlan(root);
    if (!plan.ok()) return plan.error();
    config.faults = std::move(plan).value();
  }
  if (std::optional<engine::ObjectReader> u = root.OptionalObject("upstream")) {
    Result<UpstreamConfig> up = ParseUpstream(*u);
    if (!up.ok()) return up.error();
    config.upstream = std::move(up).value();
  }
  if (!root.ok()) return root.error();
  return config;
}

}  // namespace notion_sim::sim
