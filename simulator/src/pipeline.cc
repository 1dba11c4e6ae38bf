// The one request pipeline both doors run, the typed door, set-up, and the admin views.
//
//   route -> Notion-Version -> authenticate -> fault decision -> limits -> validate -> execute
//   -> finish (counters, journal, trace; the HTTP door renders)
//
// Finish is also the one place an observer of the typed call and its answer can hang.
#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

#include "core.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/redact.h"
#include "ops.h"
#include "upstream_service.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::Method;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

// Decodes and renders HTTP (http_door.cc).
ApiCall DecodeHttp(const HttpRequestView& request);
nlohmann::json ParseBoundedJson(std::string_view text);
void RenderHttp(Core& m, Call& c, const FaultDecision& d, Answer& a);

namespace {

constexpr std::size_t kMaxImplicitTokens = 4096;
constexpr std::size_t kMaxBodyBytes = 500'000;  // Notion's "500 KB" payload limit

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

std::string JsonQuoted(std::string_view s) { return SafeDump(json(std::string(s))); }

// The name of an operation's first path parameter, for "path.X should be a valid uuid".
std::string_view PathParamName(Operation op) {
  switch (op) {
    case Operation::kRetrievePage:
    case Operation::kUpdatePage:
    case Operation::kMovePage:
    case Operation::kRetrievePageProperty:
    case Operation::kRetrievePageMarkdown:
    case Operation::kUpdatePageMarkdown:
      return "page_id";
    case Operation::kQueryDataSource:
    case Operation::kRetrieveDataSource:
    case Operation::kUpdateDataSource:
    case Operation::kListDataSourceTemplates:
      return "data_source_id";
    case Operation::kQueryDatabase:
    case Operation::kRetrieveDatabase:
    case Operation::kUpdateDatabase:
      return "database_id";
    case Operation::kRetrieveUser:
      return "user_id";
    case Operation::kRetrieveComment:
    case Operation::kUpdateComment:
    case Operation::kDeleteComment:
      return "comment_id";
    case Operation::kRetrieveFileUpload:
    case Operation::kSendFileUpload:
    case Operation::kCompleteFileUpload:
      return "file_upload_id";
    case Operation::kRetrieveView:
    case Operation::kUpdateView:
    case Operation::kDeleteView:
    case Operation::kCreateViewQuery:
    case Operation::kRetrieveViewQueryResults:
    case Operation::kDeleteViewQuery:
      return "view_id";
    case Operation::kRetrieveAsyncTask:
      return "task_id";
    default:
      return "block_id";
  }
}

// Operations whose first path parameter is an id the pipeline parses (the agents group and
// routes without parameters have none).
bool HasTarget(Operation op) {
  switch (op) {
    case Operation::kCreatePage:
    case Operation::kSearch:
    case Operation::kUsersMe:
    case Operation::kListUsers:
    case Operation::kUpstreamComplete:
    case Operation::kCreateDatabase:
    case Operation::kCreateDataSource:
    case Operation::kCreateComment:
    case Operation::kListComments:
    case Operation::kCreateFileUpload:
    case Operation::kListFileUploads:
    case Operation::kListViews:
    case Operation::kCreateView:
    case Operation::kListCustomEmojis:
    case Operation::kOauthToken:
    case Operation::kOauthIntrospect:
    case Operation::kOauthRevoke:
    case Operation::kCreateMeetingNote:
    case Operation::kQueryMeetingNotes:
    case Operation::kAgents:
      return false;
    default:
      return true;
  }
}

// List endpoints that take start_cursor and page_size (query string for GET, body for POST).
bool IsList(Operation op) {
  switch (op) {
    case Operation::kQueryDataSource:
    case Operation::kQueryDatabase:
    case Operation::kListBlockChildren:
    case Operation::kSearch:
    case Operation::kListUsers:
    case Operation::kRetrievePageProperty:
    case Operation::kListDataSourceTemplates:
    case Operation::kListComments:
    case Operation::kListFileUploads:
    case Operation::kListViews:
    case Operation::kRetrieveViewQueryResults:
    case Operation::kListCustomEmojis:
      return true;
    default:
      return false;
  }
}

// A route of another API version does not exist in this one.
bool OtherVersionsRoute(Operation op, ApiVersion version) {
  const bool old_version = version == ApiVersion::k20220628;
  if (op == Operation::kQueryDatabase) return !old_version;
  if (!old_version) return false;
  switch (op) {
    case Operation::kQueryDataSource:
    case Operation::kRetrieveDataSource:
    case Operation::kCreateDataSource:
    case Operation::kUpdateDataSource:
    case Operation::kListDataSourceTemplates:
      return true;
    default:
      return false;
  }
}

// Actions that answer before the request is applied.
bool PreEmpts(FaultAction a) {
  return a == FaultAction::kRespond || a == FaultAction::kReset || a == FaultAction::kHang ||
         a == FaultAction::kHtmlEdge || a == FaultAction::kMalformedJson;
}

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
  const ObjectId committed = c.object;
  c.Fail(503, ApiCode::kServiceUnavailable,
         "The change was saved, but the response could not be completed in time. Do not retry "
         "the write: it was applied.");
  c.reply = Reply{};
  json add = {{"retry_guidance", json::array({"do_not_retry_write"})}};
  if (!committed.empty()) add["committed_resource_id"] = committed.ToString();
  c.additional = std::move(add);
  c.object = committed;
}

const json& EmptyObject() {
  static const json kEmpty = json::object();
  return kEmpty;
}

// in-process bodies the typed door supplies for a null payload (see fake_notion.h).
const engine::Payload& DefaultAppendBody() {
  static const engine::Payload kBody = Own(json::parse(
      R"({"children":[{"object":"block","type":"paragraph","paragraph":{"rich_text":[{"type":"text","text":{"content":"Simulated block"}}]}}]})"));
  return kBody;
}
const engine::Payload& DefaultUpstreamBody() {
  static const engine::Payload kBody = Own(json{{"prompt", ""}});
  return kBody;
}

using Handler = void (*)(Core&, Call&);

Handler HandlerOf(Operation op) {
  switch (op) {
    case Operation::kCreatePage:
      return CreatePage;
    case Operation::kRetrievePage:
      return RetrievePage;
    case Operation::kUpdatePage:
      return UpdatePage;
    case Operation::kMovePage:
      return MovePage;
    case Operation::kRetrievePageProperty:
      return RetrievePageProperty;
    case Operation::kRetrievePageMarkdown:
      return RetrievePageMarkdown;
    case Operation::kUpdatePageMarkdown:
      return UpdatePageMarkdown;
    case Operation::kQueryDataSource:
      return QueryDataSource;
    case Operation::kQueryDatabase:
      return QueryDatabase;
    case Operation::kRetrieveDatabase:
      return RetrieveDatabase;
    case Operation::kCreateDatabase:
      return CreateDatabase;
    case Operation::kUpdateDatabase:
      return UpdateDatabase;
    case Operation::kRetrieveDataSource:
      return RetrieveDataSource;
    case Operation::kCreateDataSource:
      return CreateDataSource;
    case Operation::kUpdateDataSource:
      return UpdateDataSource;
    case Operation::kListDataSourceTemplates:
      return ListDataSourceTemplates;
    case Operation::kAppendBlocks:
      return AppendBlocks;
    case Operation::kListBlockChildren:
      return ListBlockChildren;
    case Operation::kRetrieveBlock:
      return RetrieveBlock;
    case Operation::kUpdateBlock:
      return UpdateBlock;
    case Operation::kDeleteBlock:
      return DeleteBlock;
    case Operation::kSearch:
      return Search;
    case Operation::kUsersMe:
      return UsersMe;
    case Operation::kListUsers:
      return ListUsers;
    case Operation::kRetrieveUser:
      return RetrieveUser;
    case Operation::kCreateComment:
      return CreateComment;
    case Operation::kListComments:
      return ListComments;
    case Operation::kRetrieveComment:
      return RetrieveComment;
    case Operation::kUpdateComment:
      return UpdateComment;
    case Operation::kDeleteComment:
      return DeleteComment;
    case Operation::kCreateFileUpload:
      return CreateFileUpload;
    case Operation::kListFileUploads:
      return ListFileUploads;
    case Operation::kRetrieveFileUpload:
      return RetrieveFileUpload;
    case Operation::kSendFileUpload:
      return SendFileUpload;
    case Operation::kCompleteFileUpload:
      return CompleteFileUpload;
    case Operation::kListViews:
      return ListViews;
    case Operation::kCreateView:
      return CreateView;
    case Operation::kRetrieveView:
      return RetrieveView;
    case Operation::kUpdateView:
      return UpdateView;
    case Operation::kDeleteView:
      return DeleteView;
    case Operation::kCreateViewQuery:
      return CreateViewQuery;
    case Operation::kRetrieveViewQueryResults:
      return RetrieveViewQueryResults;
    case Operation::kDeleteViewQuery:
      return DeleteViewQuery;
    case Operation::kListCustomEmojis:
      return ListCustomEmojis;
    case Operation::kOauthToken:
      return OauthToken;
    case Operation::kOauthIntrospect:
      return OauthIntrospect;
    case Operation::kOauthRevoke:
      return OauthRevoke;
    case Operation::kRetrieveAsyncTask:
      return RetrieveAsyncTask;
    case Operation::kCreateMeetingNote:
      return CreateMeetingNote;
    case Operation::kQueryMeetingNotes:
      return QueryMeetingNotes;
    case Operation::kAgents:
      return Agents;
    default:
      return nullptr;
  }
}

}  // namespace

std::optional<std::string> Call::Param(std::string_view name) const {
  for (const auto& [k, v] : in.query) {
    if (k == name) return v;
  }
  if (in.query.empty() && in.path.empty() && method == Method::kGet && body != nullptr) {
    const json& f = Field(*body, name);
    if (f.is_string()) return f.get<std::string>();
    if (f.is_number() || f.is_boolean()) return f.dump();
  }
  return std::nullopt;
}

std::vector<std::string> Call::Params(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : in.query) {
    if (k == name || (k.size() == name.size() + 2 && k.compare(0, name.size(), name) == 0 &&
                      k.compare(name.size(), 2, "[]") == 0)) {
      out.push_back(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Set-up

Core::Core(const engine::Clock& c, engine::Rng rng, engine::Trace* t, FakeConfig cfg)
    : clock(c),
      root_rng(rng),
      ids(rng.Fork("ids")),
      request_ids(rng.Fork("request_ids")),
      trace(t),
      config(std::move(cfg)),
      limiter(config.workspace.rate_limits),
      journal(config.journal_capacity) {
  engine::Rng cursor = rng.Fork("cursor");
  cursor_secret_a = cursor.NextU64();
  cursor_secret_b = cursor.NextU64();
  config.faults.Reseed(rng.Fork("faults"));
  upstream = std::make_unique<Upstream>(config.upstream, rng.Fork("upstream"));
  webhooks = std::make_unique<WebhookHub>(clock, rng.Fork("webhooks"), config.webhooks,
                                          config.workspace.epoch_unix_s);
  Build();
}

Core::~Core() = default;

void Core::Build() {
  ids = root_rng.Fork("ids");
  request_ids = root_rng.Fork("request_ids");
  upstream->Reset(root_rng.Fork("upstream"));
  index.Clear();
  pages.clear();
  blocks.clear();
  data_sources.clear();
  databases.clear();
  users.clear();
  comments.clear();
  file_uploads.clear();
  views.clear();
  view_queries.clear();
  async_tasks.clear();
  idem.clear();
  tokens.clear();
  token_of_tenant.clear();
  token_of_bearer.clear();
  token_of_refresh.clear();
  used_oauth_codes.clear();
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
  ApiCall seed_call;
  for (const DatabaseSpec& dbs : w.databases) {
    const ObjectId db_id = dbs.id.empty() ? ObjectId::Random(ids) : dbs.id;
    const std::uint32_t db = NewDatabase(db_id, dbs.title, ParentKind::kWorkspace, ObjectId{}, 0);
    for (const DataSourceSpec& dss : dbs.data_sources) {
      const ObjectId ds_id = dss.id.empty() ? ObjectId::Random(ids) : dss.id;
      std::vector<PropertyDef> schema;
      std::string title_prop = "Name";
      for (const PropertySpec& p : dss.properties) {
        PropertyDef def;
        def.name = p.name;
        def.type = p.type;
        def.id = PropertyId(p.name, p.type);
        if (p.type == "select" || p.type == "multi_select" || p.type == "status") {
          def.config = {{"options", json::array()}};
        } else if (p.type == "number") {
          def.config = {{"format", "number"}};
        } else if (p.type == "unique_id") {
          def.config = {{"prefix", nullptr}};
        }
        if (p.type == "title") title_prop = p.name;
        schema.push_back(std::move(def));
      }
      const std::uint32_t ds = NewDataSource(ds_id, dss.title, std::move(schema), db, 0);
      for (std::uint32_t i = 0; i < dss.pages; ++i) {
        auto props =
            Own(json{{title_prop,
                      {{"title", {{{"text", {{"content", "Seed " + std::to_string(i + 1)}}}}}}}}});
        Call seed(seed_call);
        seed.now_us = 0;
        NewPage(seed, ParentKind::kDataSource, data_sources[ds].id, props);
      }
    }
  }
}

int Core::TokenForTenant(std::uint16_t tenant) {
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

int Core::TokenForBearer(std::string_view bearer) {
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

struct FakeNotion::Impl : Core {
  using Core::Core;
};

FakeNotion::FakeNotion(const engine::Clock& clock, engine::Rng rng, engine::Trace* trace,
                       FakeConfig config)
    : impl_(std::make_unique<Impl>(clock, rng, trace, std::move(config))) {}

FakeNotion::~FakeNotion() = default;

// ---------------------------------------------------------------------------------------------
// The pipeline

namespace {

void ApplyLimits(Core& m, Call& c) {
  const LimitDecision d =
      m.limiter.Admit(static_cast<std::uint32_t>(c.token), c.workspace, c.now_us);
  if (d.admitted()) return;
  c.retry_after_form = RetryAfterForm::kSeconds;
  c.retry_after_s = d.retry_after_s;
  c.rate_limit_reason = LimitReasonName(d.verdict);
  if (d.verdict == LimitVerdict::kOverloaded) {
    ++m.stats.overloaded;
    c.Fail(529, ApiCode::kServiceOverload, std::string(DefaultMessage(ApiCode::kServiceOverload)));
    c.rate_limit_reason = {};
  } else {
    ++m.stats.rate_limited;
    c.Fail(429, ApiCode::kRateLimited, std::string(DefaultMessage(ApiCode::kRateLimited)));
  }
}

// Validates the body (HTTP: its size and JSON; both: an object) and points the call at it.
bool ReadBody(Call& c) {
  const ApiCall& in = c.in;
  const bool takes_body = c.method == Method::kPost || c.method == Method::kPatch;
  c.body = &EmptyObject();
  if (!takes_body) {
    // GET and DELETE carry no body; in the typed door (no path), a GET's payload stands for its
    // query.
    if (in.body_given == BodyGiven::kJson && in.body != nullptr && in.body->is_object() &&
        in.query.empty() && in.path.empty()) {
      c.body = in.body.get();
      c.owner = in.body;
    }
    return true;
  }
  if (in.body_bytes > kMaxBodyBytes) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: the request body is " + std::to_string(in.body_bytes) +
               " bytes, the limit is " + std::to_string(kMaxBodyBytes) + " bytes (500 KB).");
    return false;
  }
  switch (in.body_given) {
    case BodyGiven::kNone:
      return true;
    case BodyGiven::kInvalidJson:
      c.Fail(400, ApiCode::kInvalidJson, "");
      return false;
    case BodyGiven::kForm:
      if (c.op != Operation::kSendFileUpload) {
        c.Fail(400, ApiCode::kInvalidJson, "");
        return false;
      }
      return true;
    case BodyGiven::kJson:
      if (in.body == nullptr || in.body->is_null()) return true;
      if (!in.body->is_object()) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body should be an object, instead was `" +
                   Quoted(*in.body) + "`.");
        return false;
      }
      c.body = in.body.get();
      c.owner = in.body;
      return true;
  }
  return true;
}

// start_cursor and page_size: typed (in-process), the query string (GET) or the body (POST).
bool ReadPagination(Core& m, Call& c) {
  const ApiCall& in = c.in;
  std::optional<std::string> size_text, cursor_text;
  const bool get = c.method == Method::kGet;
  const std::string where = get ? "query" : "body";
  if (in.page_size) {
    if (*in.page_size > 100) {
      c.Fail(400, ApiCode::kValidationError,
             where + " failed validation: " + where +
                 ".page_size should be ≤ `100`, instead was `" + std::to_string(*in.page_size) +
                 "`.");
      return false;
    }
    if (*in.page_size > 0) c.page_size = *in.page_size;
  }
  if (in.cursor) {
    if ((*in.cursor & 0xFFFFFFFFULL) == 0) {
      // Every cursor we hand out names a position >= 1; anything else was made up.
      c.Fail(400, ApiCode::kValidationError,
             where + " failed validation: " + where +
                 ".start_cursor should be a valid cursor, instead was `" +
                 std::to_string(*in.cursor) + "`.");
      return false;
    }
    c.start_cursor = *in.cursor;
    c.cursor_given = true;
  }
  if (get) {
    for (const auto& [k, v] : in.query) {
      if (k == "page_size") size_text = v;
      if (k == "start_cursor") cursor_text = v;
    }
  } else {
    const json& b = *c.body;
    if (auto it = b.find("page_size"); it != b.end() && !it->is_null()) {
      if (!it->is_number_integer()) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body.page_size should be a number, instead was `" +
                   Quoted(*it) + "`.");
        return false;
      }
      size_text = std::to_string(it->get<std::int64_t>());
    }
    if (auto it = b.find("start_cursor"); it != b.end() && !it->is_null()) {
      if (!it->is_string()) {
        c.Fail(400, ApiCode::kValidationError,
               "body failed validation: body.start_cursor should be a string, instead was `" +
                   Quoted(*it) + "`.");
        return false;
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
      return false;
    }
    if (n > 100 || n < 1) {
      c.Fail(400, ApiCode::kValidationError,
             where + " failed validation: " + where + ".page_size should be " +
                 (n > 100 ? "≤ `100`" : "≥ `1`") + ", instead was `" + std::to_string(n) + "`.");
      return false;
    }
    c.page_size = static_cast<std::uint32_t>(n);
  }
  if (cursor_text && !cursor_text->empty()) {
    // A cursor is bound to the list it came from: the path's object, or none.
    const ObjectId container = HasTarget(c.op) ? c.target : ObjectId{};
    std::optional<std::uint64_t> cursor = m.ParseCursor(*cursor_text, container);
    if (!cursor) {
      c.Fail(400, ApiCode::kValidationError,
             where + " failed validation: " + where +
                 ".start_cursor should be a valid cursor, instead was `" +
                 JsonQuoted(*cursor_text) + "`.");
      return false;
    }
    c.start_cursor = *cursor;
    c.cursor_given = true;
  }
  return true;
}

// Counters, journal and trace for a finished call; the HTTP door's rendering.
void Finish(Core& m, Call& c, const FaultDecision& d, Answer& a, bool render) {
  const bool injected = d.fired();
  if (injected) {
    ++m.stats.faults_injected;
    ++m.by_action[static_cast<std::size_t>(d.action)];
    // The client will not learn that this write happened: the duplicate-create risk.
    if (c.ledger_index < m.ledger.size() &&
        (d.action == FaultAction::kLoseAfterCommit || d.action == FaultAction::kStallBody ||
         d.action == FaultAction::kCommitThen503)) {
      m.ledger[c.ledger_index].injected_loss = true;
      if (d.action == FaultAction::kCommitThen503)
        m.ledger[c.ledger_index].answered_status = c.status;
    }
  }
  if (c.code == ApiCode::kValidationError) ++m.stats.validation_errors;
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
  // What a workflow iterates: the page's results, in order.
  if (r.status < 300 && c.reply.kind == ReplyKind::kList) {
    r.result_ids.reserve(c.reply.items.size());
    for (const Ref& ref : c.reply.items) r.result_ids.push_back(m.IdOf(ref));
  }
  a.action = d.action;
  a.injected = injected;
  a.fault_rule_id = d.rule_id;
  a.delay_us = d.delay_us + c.delay_us;
  a.seq = c.seq;
  a.loss = d.loss;
  a.operation = c.in.operation;
  a.caller = c.caller;
  a.tenant = c.tenant;
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
    r.retry_after = HttpDate(m.config.workspace.epoch_unix_s + now_s + c.retry_after_s);
    a.retry_after_date_in_s = c.retry_after_s;
  }
  if (render) RenderHttp(m, c, d, a);

  const bool routed = c.in.operation.has_value();
  const std::size_t op_slot =
      routed ? static_cast<std::size_t>(c.op) : static_cast<std::size_t>(engine::kOperationCount);
  ++m.by_op_status[op_slot][static_cast<std::size_t>(StatusSlot(c.status))];
  ++m.stats.requests;
  if (routed && c.op == Operation::kUpstreamComplete) {
    ++m.stats.upstream_requests;
    const bool error = c.failed() || injected;
    if (error) ++m.stats.upstream_errors;
    m.upstream->Record(error);
  }

  JournalEntry e;
  e.seq = c.seq;
  e.at_us = c.now_us;
  e.method = c.method;
  e.operation = routed ? c.op : Operation::kCount;
  e.path = c.in.path;
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
  m.journal.Add(std::move(e));

  if (m.trace != nullptr) {
    const std::int64_t op_number = routed ? static_cast<std::int64_t>(c.op)
                                          : static_cast<std::int64_t>(engine::kOperationCount);
    if (injected) {
      m.trace->Emit(engine::EventKind::kFaultInjected, c.now_us, c.op_id, c.attempt, c.tenant,
                    static_cast<std::int64_t>(d.action), c.status);
    }
    m.trace->Emit(engine::EventKind::kRequestReceived, c.now_us, c.op_id, c.attempt, c.tenant,
                  op_number, c.status);
  }
}

// The call's token, caller, tenant and workspace, from the tenant (typed door) or the bearer.
void NameCaller(Core& m, Call& c) {
  const ApiCall& in = c.in;
  if (in.tenant) {
    c.token = m.TokenForTenant(*in.tenant);
    c.tenant = *in.tenant;
  } else {
    c.token = m.TokenForBearer(in.bearer);
    if (c.token < 0 && !in.bearer.empty()) c.caller = RedactToken(in.bearer);
  }
  if (c.token >= 0) {
    const TokenSpec& spec = m.tokens[static_cast<std::size_t>(c.token)].spec;
    if (!in.tenant) c.caller = spec.name;
    c.tenant = spec.tenant;
    c.workspace = spec.workspace;
  }
}

// A call's start, in both pipelines: numbered, timed at the clock's current time, its caller named.
void Start(Core& m, Call& c) {
  c.seq = ++m.seq;
  c.now_us = m.clock.NowUs();
  c.method = c.in.method;
  c.op_id = c.in.op_id;
  c.attempt = c.in.attempt;
  c.target = c.in.target;
  c.body = &EmptyObject();
  if (c.in.operation) c.op = *c.in.operation;
  NameCaller(m, c);
}

// The fault plan's decision for a call; `path` is the request's (rendered in-process only when
// a rule matches on paths), `operation` unset when the route is unknown.
FaultDecision DecideFault(Core& m, const Call& c, std::string_view path,
                          std::optional<Operation> operation) {
  FaultContext fc;
  fc.now_us = c.now_us;
  fc.method = c.method;
  fc.path = path;
  fc.operation = operation;
  fc.token = c.in.bearer;
  fc.tenant = c.tenant;
  fc.seq = c.seq;
  fc.op_id = c.op_id;
  fc.attempt = c.attempt;
  return m.config.faults.Decide(fc);
}

// Runs one decoded call through the stages, in order.
Answer Run(Core& m, const ApiCall& in, bool render) {
  Call c(in);
  // Who calls (known before any check: the journal and the fault plan name the caller even when
  // authentication fails).
  Start(m, c);
  c.target2 = in.target2;
  c.parent = in.parent;
  c.idem_key = in.idempotency_key;
  c.reconcile = in.reconcile_lookup;
  c.version = m.config.workspace.in_process_version;
  Answer a;
  FaultDecision d;
  auto finish = [&]() {
    Finish(m, c, d, a, render);
    return a;
  };

  // 1. Route.
  if (!in.operation) {
    c.Fail(400, ApiCode::kInvalidRequestUrl, "Invalid request URL.");
    return finish();
  }
  c.op = *in.operation;
  const bool upstream = c.op == Operation::kUpstreamComplete;

  // 2. Notion-Version (the upstream has none).
  if (!upstream) {
    if (in.version_given == VersionGiven::kMissing) {
      c.Fail(400, ApiCode::kMissingVersion, "");
      return finish();
    }
    if (in.version_given == VersionGiven::kGiven) {
      const std::optional<ApiVersion> v = ParseApiVersion(in.version_text);
      if (!v) {
        c.Fail(400, ApiCode::kValidationError,
               "Notion-Version header failed validation: Notion-Version header should be one of "
               "`2022-06-28`, `2025-09-03`, `2026-03-11`, instead was " +
                   JsonQuoted(in.version_text) + ".");
        return finish();
      }
      c.version = *v;
    }
    if (OtherVersionsRoute(c.op, c.version)) {
      c.Fail(400, ApiCode::kInvalidRequestUrl, "Invalid request URL.");
      return finish();
    }
  }

  // 3. Authenticate.
  if (upstream) {
    // The typed door names its caller by tenant and holds the keys (api_keys are never observed
    // in simulation).
    if (!in.tenant && !m.upstream->Authenticate(c, in.bearer)) return finish();
    if (c.token < 0) c.token = 0;
  } else if (engine::UsesBasicAuth(c.op)) {
    const Workspace& w = m.config.workspace;
    if (in.basic != w.oauth_client_id + ":" + w.oauth_client_secret) {
      c.Fail(401, ApiCode::kUnauthorized, "");
      return finish();
    }
    if (c.token < 0) c.token = 0;
  } else if (c.token < 0 || m.tokens[static_cast<std::size_t>(c.token)].revoked) {
    c.Fail(401, ApiCode::kUnauthorized, "");
    return finish();
  }

  // 4. Fault decision (serve's own set-up calls meet none).
  if (!in.setup && (!m.config.faults.rules().empty() || m.config.faults.replaying())) {
    std::string rendered;
    std::string_view path = in.path;
    if (path.empty()) {
      // Paths are rendered only when some rule matches on one (the hot path stays string-free).
      for (const FaultRule& rule : m.config.faults.rules()) {
        if (!rule.match.path_glob.empty()) {
          rendered = engine::RenderPath(c.op, c.target.ToString(), c.target2.ToString());
          path = rendered;
          break;
        }
      }
    }
    d = DecideFault(m, c, path, c.op);
  }
  if (PreEmpts(d.action)) {
    ApplyScripted(c, d);
    return finish();
  }

  // 5. Limits: the Notion API's per-token and workspace budgets, or the upstream's window.
  if (!in.setup) {
    if (upstream) {
      if (!m.upstream->Admit(c)) return finish();
    } else if (!engine::UsesBasicAuth(c.op)) {
      ApplyLimits(m, c);
      if (c.failed()) return finish();
    }
  }

  // 6. Validate: path ids, the body, pagination.
  if (HasTarget(c.op) && !in.target_valid) {
    c.Fail(400, ApiCode::kValidationError,
           "path failed validation: path." + std::string(PathParamName(c.op)) +
               " should be a valid uuid, instead was `" + JsonQuoted(in.target_text) + "`.");
    return finish();
  }
  if ((c.op == Operation::kRetrieveViewQueryResults || c.op == Operation::kDeleteViewQuery) &&
      !in.target2_valid) {
    c.Fail(400, ApiCode::kValidationError,
           "path failed validation: path.query_id should be a valid uuid, instead was `" +
               JsonQuoted(in.target2_text) + "`.");
    return finish();
  }
  if (!ReadBody(c)) return finish();
  if (IsList(c.op) && !ReadPagination(m, c)) return finish();

  // 7. Execute.
  if (upstream) {
    m.upstream->Complete(c);
  } else {
    HandlerOf(c.op)(m, c);
  }
  if (d.action == FaultAction::kCommitThen503 && c.committed) CommitThen503(c);
  return finish();
}

// The typed door's decoder: the simulated stack's request as an ApiCall.
ApiCall DecodeTyped(const engine::Request& request) {
  ApiCall call;
  call.method = engine::MethodOf(request.operation);
  call.operation = request.operation;
  call.target = request.target;
  call.parent = request.parent;
  call.tenant = request.tenant;
  call.op_id = request.op_id;
  call.attempt = request.attempt;
  call.idempotency_key = request.idempotency_key;
  call.reconcile_lookup = request.reconcile_lookup;
  if (request.start_cursor != 0) call.cursor = request.start_cursor;
  if (request.page_size != 0) call.page_size = request.page_size;
  call.body = request.payload;
  if (call.body == nullptr) {
    if (request.operation == Operation::kAppendBlocks) call.body = DefaultAppendBody();
    if (request.operation == Operation::kUpstreamComplete) call.body = DefaultUpstreamBody();
  }
  call.body_given = call.body != nullptr ? BodyGiven::kJson : BodyGiven::kNone;
  return call;
}

}  // namespace

Answer FakeNotion::Handle(const engine::Request& request) {
  return Run(*impl_, DecodeTyped(request), /*render=*/false);
}

Answer FakeNotion::HandleHttp(const HttpRequestView& request) {
  return Run(*impl_, DecodeHttp(request), /*render=*/true);
}

Answer FakeNotion::Call(const ApiCall& call, bool render) { return Run(*impl_, call, render); }

// ---------------------------------------------------------------------------------------------
// The proxy's pipeline (forward.h): route, caller and fault decision; the target does the rest.

bool FakeNotion::DecideForward(const HttpRequestView& request, Answer& answer) {
  Core& m = *impl_;
  const ApiCall in = DecodeHttp(request);
  struct Call c(in);
  Start(m, c);
  FaultDecision d;
  if (!m.config.faults.rules().empty() || m.config.faults.replaying()) {
    d = DecideFault(m, c, in.path, in.operation);
  }
  answer = Answer{};
  if (PreEmpts(d.action)) {
    ApplyScripted(c, d);
    Finish(m, c, d, answer, /*render=*/true);
    return false;
  }
  answer.action = d.action;
  answer.injected = d.fired();
  answer.fault_rule_id = d.rule_id;
  answer.delay_us = d.delay_us;
  answer.loss = d.loss;
  answer.seq = c.seq;
  return true;
}

Answer FakeNotion::FinishForward(const HttpRequestView& request, const Answer& decided,
                                 const ForwardedAnswer& target) {
  Core& m = *impl_;
  const ApiCall in = DecodeHttp(request);
  struct Call c(in);
  // A journal seq of its own: forwarded requests end in any order, and the journal holds them in
  // the order their answers came back.
  Start(m, c);
  FaultDecision d;
  d.action = decided.action;
  d.rule_id = decided.fault_rule_id;
  d.delay_us = decided.delay_us;
  d.loss = decided.loss;
  Answer a;
  if (target.status == 0) {
    c.Fail(502, ApiCode::kBadGateway,
           "notion-sim proxy: the target gave no answer (" + target.error + ").");
    Finish(m, c, d, a, /*render=*/true);
    return a;
  }
  c.status = target.status;
  const json body = ParseBoundedJson(target.body);
  if (body.is_object()) {
    if (auto it = body.find("code"); c.failed() && it != body.end() && it->is_string()) {
      c.code = engine::ParseApiCode(it->get<std::string>());
    }
    if (auto it = body.find("id"); it != body.end() && it->is_string()) {
      if (std::optional<ObjectId> id = ObjectId::Parse(it->get<std::string>())) c.object = *id;
    }
  }
  c.committed = !c.failed() && c.method != engine::Method::kGet;
  if (d.action == FaultAction::kCommitThen503 && c.committed) {
    CommitThen503(c);
    Finish(m, c, d, a, /*render=*/true);
    return a;
  }
  Finish(m, c, d, a, /*render=*/false);
  a.body = target.body;
  a.headers = target.headers;
  for (const auto& [name, value] : a.headers) {
    if (name.size() == 11 &&
        std::equal(name.begin(), name.end(), "retry-after", [](char x, char y) {
          return std::tolower(static_cast<unsigned char>(x)) == y;
        })) {
      a.response.retry_after = value;
    }
  }
  return a;
}

void FakeNotion::SetChangeSink(std::function<void(const Change&)> sink) {
  impl_->change_sink = std::move(sink);
}

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kPageCreated:
      return "page.created";
    case ChangeKind::kPagePropertiesUpdated:
      return "page.properties_updated";
    case ChangeKind::kPageContentUpdated:
      return "page.content_updated";
    case ChangeKind::kPageMoved:
      return "page.moved";
    case ChangeKind::kPageDeleted:
      return "page.deleted";
    case ChangeKind::kPageRestored:
      return "page.undeleted";
    case ChangeKind::kDatabaseCreated:
      return "database.created";
    case ChangeKind::kDatabaseUpdated:
      return "database.content_updated";
    case ChangeKind::kDataSourceCreated:
      return "data_source.created";
    case ChangeKind::kDataSourceSchemaUpdated:
      return "data_source.schema_updated";
    case ChangeKind::kDataSourceUpdated:
      return "data_source.content_updated";
    case ChangeKind::kCommentCreated:
      return "comment.created";
    case ChangeKind::kCommentUpdated:
      return "comment.updated";
    case ChangeKind::kCommentDeleted:
      return "comment.deleted";
    case ChangeKind::kFileUploaded:
      return "file_upload.updated";
    case ChangeKind::kViewChanged:
      return "view.updated";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Admin views

FaultPlan& FakeNotion::faults() { return impl_->config.faults; }
WebhookHub& FakeNotion::webhooks() { return *impl_->webhooks; }
const WebhookHub& FakeNotion::webhooks() const { return *impl_->webhooks; }
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
  m.payload_cache = {};
  m.config.faults.Reseed(m.root_rng.Fork("faults"));
  m.Build();
  m.webhooks->Reset();
}

json FakeNotion::HealthJson() const {
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
          {"comments", m.comments.size()},
          {"file_uploads", m.file_uploads.size()},
          {"views", m.views.size()},
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

json FakeNotion::UpstreamHealthJson() const { return impl_->upstream->HealthJson(impl_->stats); }

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

std::vector<std::pair<ObjectId, std::string>> FakeNotion::databases() const {
  std::vector<std::pair<ObjectId, std::string>> out;
  for (const DatabaseRec& db : impl_->databases) out.emplace_back(db.id, db.title);
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
  if (std::optional<engine::ObjectReader> w = root.OptionalObject("webhooks")) {
    Result<WebhookConfig> hooks = ParseWebhookConfig(*w);
    if (!hooks.ok()) return hooks.error();
    config.webhooks = std::move(hooks).value();
  }
  if (!root.ok()) return root.error();
  return config;
}

}  // namespace notion_sim::sim
