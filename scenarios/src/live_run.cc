// The live run: LiveLoop + CurlTransport under the stack and workload the simulation uses.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "live_http.h"
#include "live_state.h"
#include "notion_sim/engine/curl_transport.h"
#include "notion_sim/engine/live_loop.h"
#include "notion_sim/engine/retry_after.h"
#include "notion_sim/engine/runner.h"
#include "notion_sim/policies/idempotency.h"
#include "notion_sim/scenarios/live.h"
#include "notion_sim/scenarios/recording.h"
#include "notion_sim/scenarios/workload.h"
#include "notion_sim/simulator/fault_plan.h"
#include "world.h"

namespace notion_sim::scenarios {
namespace {

using nlohmann::json;

// Notion's per-connection budget (docs/sources.md#notions-request-limits): 180 requests per 60 s,
// 3/s on average.
constexpr std::int64_t kNotionBudgetPerMinute = 180;
constexpr std::size_t kMaxDiscoveredPages = 1000;
constexpr int kSeedPages = 5;
constexpr const char* kNotionVersion = "2025-09-03";

// The first operation of the scenario that writes, if any.
std::optional<engine::Operation> FirstWrite(const ScenarioSpec& spec) {
  for (const OpStream& s : spec.streams) {
    if (engine::IsWrite(s.operation)) return s.operation;
  }
  for (const BatchSpec& b : spec.batches) {
    if (engine::IsWrite(b.operation)) return b.operation;
  }
  for (const WorkflowSpec& wf : spec.workflows) {
    for (const StepSpec& step : wf.steps) {
      if (engine::IsWrite(step.operation)) return step.operation;
    }
  }
  return std::nullopt;
}

// How the limiter's worst 60 s window follows from its settings, for the refusal.
std::string WorstWindowText(const policies::RateLimiterConfig& l) {
  char buf[160];
  switch (l.kind) {
    case policies::LimiterKind::kTokenBucket:
      std::snprintf(buf, sizeof buf, "burst %g + %g/s x 60 s", l.burst, l.rate_per_s);
      return buf;
    case policies::LimiterKind::kFixedWindow:
      std::snprintf(buf, sizeof buf,
                    "%lld per fixed window of %g s, as many windows as 60 s can "
                    "touch",
                    static_cast<long long>(l.limit), static_cast<double>(l.window_us) / 1e6);
      return buf;
    case policies::LimiterKind::kSlidingWindow:
      std::snprintf(buf, sizeof buf, "%lld per sliding window of %g s",
                    static_cast<long long>(l.limit), static_cast<double>(l.window_us) / 1e6);
      return buf;
    case policies::LimiterKind::kNone:
      break;
  }
  return "no bound";
}

// Notion's rule for a limiter: in no 60 s window (Notion's windows need not line up with the
// limiter's) may it send more than 180 requests per token. Judged on its worst case, not its
// average: a token bucket at 3/s with a burst of 180 can send 360 in one minute.
Status CheckLimiterFits(const ScenarioSpec& spec, const std::string& host,
                        const policies::RateLimiterConfig& limiter) {
  if (limiter.kind == policies::LimiterKind::kNone) return {};  // gets Notion's budget (FitLimiter)
  const std::optional<std::int64_t> most = policies::MaxRequestsInWindow(limiter, Min(1));
  if (most && *most <= kNotionBudgetPerMinute) return {};
  return InvalidInput(spec.path + ": /stack/limiter can send " +
                      (most ? std::to_string(*most) : std::string("an unbounded number of")) +
                      " requests in one 60 s window (" + WorstWindowText(limiter) +
                      "), above Notion's budget for " + host +
                      " of 180 per 60 s per token; lower it or drop the limiter to get the budget");
}

// For a host that is not loopback: a scenario without a limiter gets Notion's budget, as a
// sliding window (safe however Notion's windows are aligned); any other must fit it.
Status FitLimiter(const ScenarioSpec& spec, const std::string& host,
                  policies::RateLimiterConfig& limiter, std::ostream* log) {
  if (limiter.kind == policies::LimiterKind::kNone) {
    limiter.kind = policies::LimiterKind::kSlidingWindow;
    limiter.limit = kNotionBudgetPerMinute;
    limiter.window_us = Min(1);
    limiter.scope = policies::LimiterScope::kPerTenant;
    if (log != nullptr) {
      *log << "live: " << spec.name << " has no rate limiter; against " << host
           << " it gets Notion's budget (at most 180 requests in any 60 s, per token)\n";
    }
    return {};
  }
  return CheckLimiterFits(spec, host, limiter);
}

Result<std::vector<engine::ObjectId>> IdsOf(const json& list, const std::string& what) {
  std::vector<engine::ObjectId> ids;
  if (!list.is_object() || !list.contains("results") || !list["results"].is_array()) {
    return Error{ErrorCode::kIo, what + ": the answer has no results array"};
  }
  for (const json& r : list["results"]) {
    if (!r.is_object() || !r.contains("id") || !r["id"].is_string()) continue;
    if (auto id = engine::ObjectId::Parse(r["id"].get<std::string>())) ids.push_back(*id);
  }
  return ids;
}

json IdsToJson(const std::vector<engine::ObjectId>& ids) {
  json out = json::array();
  for (const engine::ObjectId& id : ids) out.push_back(id.ToString());
  return out;
}

Result<std::vector<engine::ObjectId>> IdsFromJson(const json& list, const std::string& key) {
  std::vector<engine::ObjectId> ids;
  if (!list.is_array()) return Error{ErrorCode::kIo, "state: targets." + key + " is not a list"};
  for (const json& v : list) {
    auto id = v.is_string() ? engine::ObjectId::Parse(v.get<std::string>()) : std::nullopt;
    if (!id) return Error{ErrorCode::kIo, "state: a bad id in targets." + key};
    ids.push_back(*id);
  }
  return ids;
}

// Paces setup calls against a real host (Notion's budget); none on loopback.
class Pacer {
 public:
  explicit Pacer(bool loopback) : gap_(loopback ? 0 : 350) {}
  void Wait() {
    if (gap_ > 0 && calls_++ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(gap_));
  }

 private:
  int gap_;
  int calls_ = 0;
};

// Hands every page a data source's query returns (up to `max`), in order, to `each`.
Status ForEachPage(const LiveHttp& api, Pacer& pacer, const engine::ObjectId& data_source,
                   std::size_t max, const std::function<void(const json&)>& each) {
  std::string cursor;
  const std::string path = "/v1/data_sources/" + data_source.ToString() + "/query";
  std::size_t seen = 0;
  while (seen < max) {
    json body = {{"page_size", 100}};
    if (!cursor.empty()) body["start_cursor"] = cursor;
    pacer.Wait();
    auto list = api.Json("POST", path, body);
    if (!list.ok()) return list.error();
    const json& results = (*list)["results"];
    if (!results.is_array()) return Error{ErrorCode::kIo, "POST " + path + ": no results array"};
    for (const json& page : results) {
      if (seen++ == max) break;
      if (page.is_object()) each(page);
    }
    if (!list->value("has_more", false) || !(*list)["next_cursor"].is_string()) break;
    cursor = (*list)["next_cursor"].get<std::string>();
  }
  return {};
}

Result<std::vector<engine::ObjectId>> QueryAll(const LiveHttp& api, Pacer& pacer,
                                               const engine::ObjectId& data_source,
                                               std::size_t max) {
  std::vector<engine::ObjectId> pages;
  Status st = ForEachPage(api, pacer, data_source, max, [&](const json& page) {
    if (auto id = engine::ObjectId::Parse(page.value("id", std::string()))) pages.push_back(*id);
  });
  if (!st.ok()) return st.error();
  return pages;
}

// The sandbox: a database under the parent page whose data source holds every page the run makes.
Result<engine::ObjectId> CreateSandbox(const LiveHttp& api, Pacer& pacer, const ScenarioSpec& spec,
                                       const std::string& parent) {
  const json body = {
      {"parent", {{"type", "page_id"}, {"page_id", parent}}},
      {"title", json::array({{{"type", "text"},
                              {"text", {{"content", "notion-sim live run: " + spec.name}}}}})},
      {"initial_data_source",
       {{"properties",
         {{"Name", {{"title", json::object()}}},
          {"Status", {{"rich_text", json::object()}}},
          {"idempotency_key", {{"rich_text", json::object()}}}}}}}};
  pacer.Wait();
  auto db = api.Json("POST", "/v1/databases", body);
  if (!db.ok()) return db.error();
  const json& sources = (*db)["data_sources"];
  if (!sources.is_array() || sources.empty() || !sources[0].contains("id")) {
    return Error{ErrorCode::kIo, "POST /v1/databases: the answer names no data source"};
  }
  auto id = engine::ObjectId::Parse(sources[0]["id"].get<std::string>());
  if (!id) return Error{ErrorCode::kIo, "POST /v1/databases: a bad data source id"};
  return *id;
}

// The workload's targets: read from the state on resume, else found (or made, in a sandbox).
Result<WorkloadTargets> Targets(const ScenarioSpec& spec, const LiveOptions& options,
                                const LiveHttp& api, Pacer& pacer, LiveState& state,
                                bool may_seed) {
  WorkloadTargets t;
  const json& kept = state.Meta("targets");
  if (!kept.is_null()) {
    auto ds = kept.contains("data_source") && kept["data_source"].is_string()
                  ? engine::ObjectId::Parse(kept["data_source"].get<std::string>())
                  : std::nullopt;
    if (!ds) return Error{ErrorCode::kIo, state.path() + ": targets.data_source is missing"};
    t.data_source = *ds;
    for (auto [key, out] : {std::pair{"pages", &t.pages}, std::pair{"blocks", &t.blocks},
                            std::pair{"users", &t.users}}) {
      auto ids = IdsFromJson(kept.value(key, json::array()), key);
      if (!ids.ok()) return ids.error();
      *out = std::move(ids).value();
    }
    return t;
  }
  json sandbox = nullptr;
  if (!options.sandbox_parent.empty()) {
    auto ds = CreateSandbox(api, pacer, spec, options.sandbox_parent);
    if (!ds.ok()) return ds.error();
    t.data_source = *ds;
    sandbox = t.data_source.ToString();
  } else if (!options.data_source.empty()) {
    auto ds = engine::ObjectId::Parse(options.data_source);
    if (!ds) return InvalidInput("--data-source: \"" + options.data_source + "\" is not an id");
    t.data_source = *ds;
  } else {
    pacer.Wait();
    auto found = api.Json(
        "POST", "/v1/search",
        {{"filter", {{"property", "object"}, {"value", "data_source"}}}, {"page_size", 10}});
    if (!found.ok()) return found.error();
    auto ids = IdsOf(*found, "POST /v1/search");
    if (!ids.ok()) return ids.error();
    if (ids->empty()) {
      return InvalidInput("the token sees no data source at " + api.base_url() +
                          " (share one with the integration, or name one with --data-source)");
    }
    t.data_source = ids->front();
  }
  auto pages = QueryAll(api, pacer, t.data_source, kMaxDiscoveredPages);
  if (!pages.ok()) return pages.error();
  t.pages = std::move(pages).value();
  if (t.pages.empty() && may_seed) {
    // A few pages for reads and updates to aim at (a new sandbox, or an empty `serve`): nothing
    // outside the run's own pages is read or changed.
    for (int i = 0; i < kSeedPages; ++i) {
      const json title = json::array({{{"text", {{"content", "seed " + std::to_string(i + 1)}}}}});
      const json page = {{"parent", {{"data_source_id", t.data_source.ToString()}}},
                         {"properties", {{"Name", {{"title", title}}}}}};
      pacer.Wait();
      auto made = api.Json("POST", "/v1/pages", page);
      if (!made.ok()) return made.error();
      if (auto id = engine::ObjectId::Parse(made->value("id", std::string()))) {
        t.pages.push_back(*id);
      }
    }
  }
  t.blocks = t.pages;
  pacer.Wait();
  auto users = api.Json("GET", "/v1/users?page_size=100");
  if (users.ok()) {
    auto ids = IdsOf(*users, "GET /v1/users");
    if (ids.ok()) t.users = std::move(ids).value();
  }
  if (t.pages.empty() && spec.streams.size() > 0) {
    return InvalidInput("data source " + t.data_source.ToString() +
                        " holds no page for the workload's reads to aim at");
  }
  json kept_now = {{"data_source", t.data_source.ToString()},
                   {"pages", IdsToJson(t.pages)},
                   {"blocks", IdsToJson(t.blocks)},
                   {"users", IdsToJson(t.users)},
                   {"sandbox", sandbox}};
  if (auto st = state.SetMeta("targets", kept_now); !st.ok()) return st.error();
  return t;
}

// Skips operations that ended in an earlier run of the same state.
class ResumeWorkload final : public engine::Workload {
 public:
  ResumeWorkload(engine::Workload& inner, const LiveState& state) : inner_(inner), state_(state) {}
  std::optional<engine::LogicalOp> Next() override {
    while (std::optional<engine::LogicalOp> op = inner_.Next()) {
      if (!state_.Ended(op->op_id)) return op;
      ++skipped_;
    }
    return std::nullopt;
  }
  std::uint64_t skipped() const { return skipped_; }

 private:
  engine::Workload& inner_;
  const LiveState& state_;
  std::uint64_t skipped_ = 0;
};

// Keeps every operation's end, and every create's idempotency key, in the state file; a create
// whose key an earlier run claimed and never completed may have been applied, so it reconciles
// before it creates.
class DurableClient final : public engine::Client {
 public:
  DurableClient(engine::Client& inner, engine::Loop& loop, LiveState& state, bool reconciles)
      : inner_(inner), loop_(loop), state_(state), reconciles_(reconciles) {}

  void Execute(const engine::LogicalOp& logical, engine::OpCompletion done) override {
    engine::LogicalOp op = logical;
    std::optional<policies::IdempotencyKey> key;
    if (reconciles_ && engine::IsCreate(op.operation)) {
      key = policies::IdempotencyKeyFor(op);
      auto found = state_.keys().Find(*key, loop_.NowUs());
      if (found.ok() && found->has_value() && (*found)->state == policies::KeyState::kCompleted) {
        // Made by an earlier run that died before it wrote the operation's end.
        engine::OpResult result;
        result.status = engine::OpStatus::kSucceeded;
        result.last.object_id = (*found)->result;
        loop_.ScheduleAfter(0, [this, id = op.op_id, result, done = std::move(done)]() mutable {
          Ended(id, result, std::nullopt);
          done(std::move(result));
        });
        return;
      }
      if (found.ok() && found->has_value()) {
        op.maybe_applied = true;
      } else {
        (void)state_.keys().Claim(*key, op.op_id, loop_.NowUs());
      }
    }
    inner_.Execute(op, [this, id = op.op_id, key, done = std::move(done)](engine::OpResult r) {
      Ended(id, r, key);
      done(std::move(r));
    });
  }
  void Finish() override { inner_.Finish(); }
  const Status& store_status() const { return store_status_; }

 private:
  void Ended(std::uint64_t op_id, const engine::OpResult& r,
             const std::optional<policies::IdempotencyKey>& key) {
    if (key) {
      if (r.status == engine::OpStatus::kSucceeded) {
        Keep(state_.keys().Complete(*key, r.last.object_id, loop_.NowUs()));
      } else if (r.last.outcome == engine::TransportOutcome::kResponse && r.last.status >= 400 &&
                 r.last.status < 500 && r.last.status != 429) {
        Keep(state_.keys().Release(*key));  // refused outright: nothing was made
      }
    }
    Keep(state_.RecordEnd(op_id, r.status, r.attempts));
  }
  void Keep(Status st) {
    if (!st.ok() && store_status_.ok()) store_status_ = std::move(st);
  }

  engine::Client& inner_;
  engine::Loop& loop_;
  LiveState& state_;
  bool reconciles_;
  Status store_status_;
};

engine::Ledger LedgerFromJson(const json& list, std::size_t skip) {
  engine::Ledger ledger;
  if (!list.is_array()) return ledger;
  for (std::size_t i = skip; i < list.size(); ++i) {
    const json& e = list[i];
    engine::LedgerEntry entry;
    entry.at_us = e.value("at_us", TimeUs{0});
    entry.op_id = e.value("op_id", std::uint64_t{0});
    entry.fingerprint = e.value("fingerprint", std::uint64_t{0});
    entry.operation = engine::ParseOperation(e.value("operation", std::string()))
                          .value_or(engine::Operation::kCount);
    entry.object =
        engine::ObjectId::Parse(e.value("object", std::string())).value_or(engine::ObjectId{});
    entry.tenant = e.value("tenant", std::uint16_t{0});
    entry.injected_loss = e.value("injected_loss", false);
    entry.answered_status = e.value("answered_status", 0);
    ledger.push_back(entry);
  }
  return ledger;
}

// How a sandbox page's idempotency key (64 hex digits) stands in the ledger.
std::uint64_t KeyFingerprint(const std::string& hex) { return std::hash<std::string>{}(hex); }

// The pages of the sandbox grouped by idempotency key, as a ledger: against a real API this is how
// a duplicate create shows (two pages with one key).
Result<engine::Ledger> SandboxLedger(const LiveHttp& api, Pacer& pacer,
                                     const engine::ObjectId& data_source) {
  engine::Ledger ledger;
  static const json::json_pointer kKey("/properties/idempotency_key/rich_text/0");
  Status st = ForEachPage(api, pacer, data_source, SIZE_MAX, [&](const json& page) {
    if (!page.contains(kKey) || !page[kKey].is_object()) return;
    const json& key = page[kKey];
    const std::string hex =
        key.value("plain_text", key.value(json::json_pointer("/text/content"), std::string()));
    if (hex.empty()) return;
    engine::LedgerEntry entry;
    entry.operation = engine::Operation::kCreatePage;
    entry.fingerprint = KeyFingerprint(hex);
    entry.object =
        engine::ObjectId::Parse(page.value("id", std::string())).value_or(engine::ObjectId{});
    ledger.push_back(entry);
  });
  if (!st.ok()) return st.error();
  return ledger;
}

// Moves the sandbox's pages, then its database, to the trash.
Status TrashSandbox(const LiveHttp& api, Pacer& pacer, const engine::ObjectId& data_source,
                    std::ostream* log) {
  auto pages = QueryAll(api, pacer, data_source, SIZE_MAX);
  if (!pages.ok()) return pages.error();
  for (const engine::ObjectId& page : *pages) {
    pacer.Wait();
    auto done = api.Json("PATCH", "/v1/pages/" + page.ToString(), {{"in_trash", true}});
    if (!done.ok()) return done.error();
  }
  pacer.Wait();
  auto ds = api.Json("GET", "/v1/data_sources/" + data_source.ToString());
  if (ds.ok() && (*ds)["parent"].is_object() && (*ds)["parent"].contains("database_id")) {
    pacer.Wait();
    const std::string db = (*ds)["parent"]["database_id"].get<std::string>();
    auto done = api.Json("PATCH", "/v1/databases/" + db, {{"in_trash", true}});
    if (!done.ok()) return done.error();
  }
  if (log != nullptr) *log << "live: moved " << pages->size() << " sandbox page(s) to the trash\n";
  return {};
}

// The delay a Retry-After header asks for, in whole seconds rounded up, read now (a date against
// the wall clock); -1 when absent or unreadable.
std::int64_t RetryAfterSeconds(const std::string& header) {
  if (header.empty()) return -1;
  const std::int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const engine::RetryAfterValue v =
      engine::ParseRetryAfter(header, engine::RetryAfterMode::kStrict, now_us);
  if (v.form != engine::RetryAfterForm::kSeconds && v.form != engine::RetryAfterForm::kDate) {
    return -1;
  }
  return (v.delay_us + kUsPerSec - 1) / kUsPerSec;
}

std::uint64_t Count(const json& health, const char* key) {
  return health.is_object() ? health.value(key, std::uint64_t{0}) : 0;
}

}  // namespace

Status CheckLiveSafety(const ScenarioSpec& spec, const LiveOptions& options) {
  const std::string host = HostOf(options.base_url);
  if (host.empty()) {
    return InvalidInput("--base-url: \"" + options.base_url +
                        "\" is not http(s)://host[:port] (e.g. http://127.0.0.1:8080 or "
                        "https://api.notion.com)");
  }
  if (options.allow_writes && options.sandbox_parent.empty()) {
    return InvalidInput(
        "--allow-writes needs --sandbox-parent PAGE_ID: every page the run creates goes under it");
  }
  if (!options.sandbox_parent.empty()) {
    if (!options.allow_writes) return InvalidInput("--sandbox-parent is used with --allow-writes");
    if (!engine::ObjectId::Parse(options.sandbox_parent)) {
      return InvalidInput("--sandbox-parent: \"" + options.sandbox_parent + "\" is not a page id");
    }
  }
  if (options.tokens.size() < spec.tenants.size()) {
    return InvalidInput("a live run needs a token for each of the scenario's " +
                        std::to_string(spec.tenants.size()) + " tenants");
  }
  const std::optional<engine::Operation> write = FirstWrite(spec);
  if (write && !IsLoopbackHost(host) && !options.allow_writes) {
    return InvalidInput(spec.path + ": the workload writes (" +
                        std::string(engine::OperationName(*write)) + "); against " + host +
                        " a live run only reads unless --allow-writes --sandbox-parent PAGE_ID "
                        "are given");
  }
  if (!IsLoopbackHost(host)) {
    auto sections = PrepareSections(spec);
    if (!sections.ok()) return sections.error();
    if (Status st = CheckLimiterFits(spec, host, sections->stack.limiter); !st.ok()) return st;
  }
  return {};
}

Result<RunResult> RunScenarioLive(const ScenarioSpec& spec, const LiveOptions& options) {
  if (Status st = CheckLiveSafety(spec, options); !st.ok()) return st.error();
  for (const WorkflowSpec& wf : spec.workflows) {
    if (wf.trigger == TriggerKind::kWebhook) {
      return InvalidInput(spec.path + ": workflow \"" + wf.name +
                          "\" is triggered by webhook events, which live runs do not receive");
    }
  }
  auto sections = PrepareSections(spec);
  if (!sections.ok()) return sections.error();
  Sections& s = sections.value();
  const std::string host = HostOf(options.base_url);
  const bool loopback = IsLoopbackHost(host);
  if (!loopback) {
    if (Status st = FitLimiter(spec, host, s.stack.limiter, options.log); !st.ok()) {
      return st.error();
    }
    if (Status st = policies::ValidateStackConfig(s.stack); !st.ok()) return st.error();
  }
  std::ostream* log = options.log;

  const LiveHttp api(options.base_url, options.tokens.front(), kNotionVersion);
  const LiveHttp admin(options.base_url,
                       options.admin_token.empty() ? options.tokens.front() : options.admin_token,
                       "");
  Pacer pacer(loopback);
  json health_before = nullptr;
  if (loopback) {
    auto health = admin.Json("GET", "/__admin/health");
    if (health.ok() && health->contains("now_us")) health_before = std::move(health).value();
  }
  const bool serve = !health_before.is_null();

  const json identity = {{"scenario_hash", spec.hash},
                         {"seed", spec.seed},
                         {"base_url", options.base_url},
                         {"sandbox_parent", options.sandbox_parent}};
  auto state = LiveState::Open(options.state_path, identity, options.resume);
  if (!state.ok()) return state.error();
  LiveState& st = **state;
  if (log != nullptr && st.began_anew()) {
    *log << "live: " << st.path() << " holds no earlier run of " << spec.name
         << " (it ended before its first write); starting from the beginning\n";
  } else if (log != nullptr && options.resume) {
    *log << "live: resuming " << spec.name << ": " << st.EndedCount()
         << " operation(s) ended in earlier runs\n";
  }

  // The scenario's faults replace whatever serve holds (an earlier run's, left by a kill), from
  // before the set-up, which must not meet them, to the end of the run. A scenario without faults
  // leaves serve's own (`serve --faults`) in place.
  const std::vector<sim::FaultRule>& rules = s.fake.faults.rules();
  if (serve && !rules.empty()) {
    auto cleared = admin.Json("DELETE", "/__admin/faults");
    if (!cleared.ok()) return cleared.error();
  }
  auto targets =
      Targets(spec, options, api, pacer, st, loopback || !options.sandbox_parent.empty());
  if (!targets.ok()) return targets.error();

  if (serve) {
    if (st.Meta("ledger_start").is_null()) {
      auto ledger = admin.Json("GET", "/__admin/ledger?limit=1");
      if (!ledger.ok()) return ledger.error();
      if (Status w = st.SetMeta("ledger_start", ledger->value("count", std::uint64_t{0}));
          !w.ok()) {
        return w.error();
      }
    }
    if (!rules.empty()) {
      // The scenario's faults, in the server's time: shifted so that they start with the run.
      auto now = admin.Json("GET", "/__admin/health");
      if (!now.ok()) return now.error();
      const TimeUs shift = now->value("now_us", TimeUs{0});
      json list = json::array();
      for (sim::FaultRule rule : rules) {
        rule.id = 0;
        rule.match.from_us += shift;
        if (rule.match.until_us != kTimeNever) rule.match.until_us += shift;
        json wire = sim::FaultRuleToJson(rule);
        // The listing form redacts a matched token; the rule serve installs needs the token itself
        // (it travels in the admin request's body only).
        if (!rule.match.token.empty()) wire["match"]["token"] = rule.match.token;
        list.push_back(std::move(wire));
      }
      auto added = admin.Json("POST", "/__admin/faults", {{"faults", list}});
      if (!added.ok()) return added.error();
      if (log != nullptr) {
        *log << "live: installed " << list.size() << " fault rule(s) on " << options.base_url
             << "\n";
      }
    }
    if (!options.resume || st.began_anew()) (void)admin.Json("DELETE", "/__admin/journal");
  }

  Observers observers(spec, s);
  engine::LiveLoop loop;
  engine::CurlTransportOptions topts;
  topts.base_url = options.base_url;
  topts.token_provider = [tokens = options.tokens](std::uint16_t tenant) {
    return tenant < tokens.size() ? tokens[tenant] : std::string();
  };
  topts.notion_version = kNotionVersion;
  topts.trace = &observers.trace;
  auto transport = engine::CurlTransport::Create(loop, topts);
  if (!transport.ok()) return transport.error();

  // The client's view of every request: the structured log and the recording (both only observe).
  // The recording's "commits" line: the create operations sent, with their key when they had one.
  std::map<std::uint64_t, std::optional<std::uint64_t>> creates_sent;  // op -> key fingerprint
  std::unique_ptr<RunLogger> logger;
  std::unique_ptr<RecordingWriter> recording;
  std::unique_ptr<AttemptTap> tap;
  engine::Transport* stack_transport = transport->get();
  if (options.event_log != nullptr) {
    options.event_log->SetScenario(spec.name);
    options.event_log->Write({{"kind", "run"},
                              {"t_ms", 0},
                              {"seed", spec.seed},
                              {"mode", "live"},
                              {"base_url", options.base_url}});
    logger = std::make_unique<RunLogger>(*options.event_log);
    observers.trace.AddSink(logger.get());
  }
  if (!options.recording_path.empty()) {
    const json header = {{"scenario", spec.name},
                         {"seed", spec.seed},
                         {"scenario_hash", spec.hash},
                         {"source", "run --live"},
                         {"base_url", options.base_url},
                         {"key", "op_attempt"},
                         {"targets",
                          {{"pages", targets->pages.size()},
                           {"blocks", targets->blocks.size()},
                           {"users", targets->users.size()}}}};
    auto opened =
        RecordingWriter::Open(options.recording_path, header, options.resume && !st.began_anew());
    if (!opened.ok()) return opened.error();
    recording = std::move(opened).value();
  }
  if (logger || recording) {
    tap = std::make_unique<AttemptTap>(
        **transport, loop,
        [&loop, &creates_sent, l = logger.get(), w = recording.get()](
            const engine::Request& q, const engine::Response& r, TimeUs sent_us) {
          const TimeUs now = loop.NowUs();
          if (l != nullptr) l->OnAttempt(q, r, sent_us, now);
          if (w == nullptr) return;
          w->OnAttempt(q, r, sent_us, now, RetryAfterSeconds(r.retry_after));
          if (engine::IsCreate(q.operation) && !q.reconcile_lookup) {
            auto& key = creates_sent[q.op_id];
            if (q.idempotency_key) key = KeyFingerprint(policies::KeyToHex(*q.idempotency_key));
          }
        });
    stack_transport = tap.get();
  }

  engine::Rng root(spec.seed);
  std::unique_ptr<engine::Client> notion = policies::BuildStack(
      s.stack, loop, observers.trace, *stack_transport, root.Fork("stack"), &st.dlq());
  WorkflowClients flows = BuildWorkflowClients(spec, s, observers, loop, *stack_transport, root);
  ScenarioClient client(spec, loop, observers.trace, *notion, flows.upstream.get(),
                        flows.StepPointers(), targets->data_source, s.stack.retry.deadline_us);
  DurableClient durable(client, loop, st,
                        s.stack.reconcile == policies::Reconcile::kLookupBeforeRetry);
  ScenarioWorkload workload(spec, targets.value(), root.Fork("workload"));
  ResumeWorkload resumable(workload, st);
  engine::Runner runner(loop, observers.trace, resumable, durable);
  if (log != nullptr) {
    *log << "live: running " << spec.name << " against " << options.base_url << " for "
         << static_cast<double>(spec.duration_us) / 1e6 << " s (real time)\n";
  }
  // Background timers: they neither keep the drain going nor change what the run does.
  std::function<void()> report;
  if (options.progress) {
    report = [&] {
      const engine::RunSummary& so_far = runner.SoFar();
      options.progress(LiveProgress{
          loop.NowUs(), spec.duration_us, so_far.ops_started,
          so_far.ops_succeeded + so_far.ops_fallback + so_far.ops_failed + so_far.ops_dead_lettered,
          so_far.ops_failed + so_far.ops_dead_lettered});
      loop.ScheduleBackgroundAt(loop.NowUs() + Sec(1), report);
    };
    loop.ScheduleBackgroundAt(Sec(1), report);
  }
  engine::RunSummary summary =
      runner.Run(engine::RunOptions{spec.duration_us, spec.drain_limit_us}, options.stop);
  if (!summary.status.ok()) return summary.status.error();
  const TimeUs end_us = loop.NowUs();
  transport->reset();
  if (!durable.store_status().ok()) return durable.store_status().error();

  engine::Ledger ledger;
  const engine::Ledger* ledger_seen = nullptr;
  json health_after = nullptr;
  if (serve) {
    auto list = admin.Json("GET", "/__admin/ledger?limit=100000");
    if (!list.ok()) return list.error();
    const std::uint64_t total = list->value("count", std::uint64_t{0});
    const json& entries = (*list)["entries"];
    const std::uint64_t first_held = total - entries.size();
    const std::uint64_t start = st.Meta("ledger_start").get<std::uint64_t>();
    ledger = LedgerFromJson(entries, start > first_held ? start - first_held : 0);
    ledger_seen = &ledger;
    if (!options.decisions_path.empty()) {
      auto decisions = admin.Json("GET", "/__admin/journal/decisions");
      if (!decisions.ok()) return decisions.error();
      std::ofstream out(options.decisions_path, std::ios::trunc);
      out << decisions->dump(2) << "\n";
      if (!out) return Error{ErrorCode::kIo, "cannot write " + options.decisions_path};
    }
    auto health = admin.Json("GET", "/__admin/health");
    if (health.ok()) health_after = std::move(health).value();
    if (!rules.empty()) (void)admin.Json("DELETE", "/__admin/faults");  // they end with the run
  }
  const json& sandbox = st.Meta("targets")["sandbox"];
  if (sandbox.is_string()) {
    const engine::ObjectId ds = targets->data_source;
    if (!serve) {
      auto seen = SandboxLedger(api, pacer, ds);
      if (!seen.ok()) return seen.error();
      ledger = std::move(seen).value();
      ledger_seen = &ledger;
    }
    if (Status t = TrashSandbox(api, pacer, ds, log); !t.ok()) return t.error();
  }
  if (recording) {
    // What the target holds for each create, so that a replay commits as many pages (serve's
    // ledger names the operation; the sandbox's pages only the key, when there was one).
    if (ledger_seen != nullptr) {
      std::map<std::uint64_t, std::uint32_t> by_op, by_key;
      for (const engine::LedgerEntry& e : ledger) {
        if (!engine::IsCreate(e.operation)) continue;
        ++(e.op_id != 0 ? by_op[e.op_id] : by_key[e.fingerprint]);
      }
      std::map<std::uint64_t, std::uint32_t> commits;
      for (const auto& [op, key] : creates_sent) {
        if (serve) {
          commits[op] = by_op.count(op) > 0 ? by_op.at(op) : 0;
        } else if (key) {
          commits[op] = by_key.count(*key) > 0 ? by_key.at(*key) : 0;
        }
      }
      recording->WriteCommits(commits, serve ? "serve ledger" : "sandbox pages");
    }
    recording->Close();  // complete on disk before the checks
  }

  RunResult result = Conclude(spec, s, observers, client, std::move(summary), end_us, ledger_seen);
  result.mode = "live";
  result.base_url = options.base_url;
  result.ops_resumed = resumable.skipped();
  result.reproduce = "notion-sim run --live --base-url " + options.base_url + " " + spec.path;
  if (serve && health_after.is_object()) {
    result.server_requests = Count(health_after, "requests") - Count(health_before, "requests");
    result.server_writes = Count(health_after, "writes") - Count(health_before, "writes");
    result.server_faults_injected =
        Count(health_after, "faults_injected") - Count(health_before, "faults_injected");
    result.server_rate_limited =
        Count(health_after, "rate_limited") - Count(health_before, "rate_limited");
    result.server_pages = Count(health_after, "pages");
  }
  return result;
}

}  // namespace notion_sim::scenarios
