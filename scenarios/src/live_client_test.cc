// `notion-sim test`: the fake served on loopback, the command under test run against it, and the
// traffic judged. Real time, processes and sockets live here (scenarios_live; the determinism
// guard exempts "live" files).
#include "notion_sim/scenarios/client_test.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/curl_transport.h"
#include "notion_sim/engine/retry_after.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/trace.h"
#include "notion_sim/scenarios/recording.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_server.h"
#include "notion_sim/simulator/redact.h"

extern char** environ;

namespace notion_sim::scenarios {
namespace {

using json = nlohmann::json;

constexpr auto kPollEvery = std::chrono::milliseconds(20);
constexpr auto kKillGrace = std::chrono::seconds(2);
constexpr std::size_t kTailLines = 20;
constexpr std::size_t kTailBytes = 4000;
constexpr std::uint32_t kMaxExpectPages = 1'000'000;

checks::ExchangeEnd EndOf(sim::DoorEnd end) {
  switch (end) {
    case sim::DoorEnd::kAnswered:
      return checks::ExchangeEnd::kAnswered;
    case sim::DoorEnd::kReset:
      return checks::ExchangeEnd::kReset;
    case sim::DoorEnd::kLost:
      return checks::ExchangeEnd::kLost;
    case sim::DoorEnd::kHung:
      return checks::ExchangeEnd::kHung;
    case sim::DoorEnd::kStalled:
      return checks::ExchangeEnd::kStalled;
  }
  return checks::ExchangeEnd::kReset;
}

// The command's executable: argv[0] itself when it has a '/', else the first match on PATH.
std::optional<std::string> FindExecutable(const std::string& name) {
  auto runnable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    return runnable(name) ? std::optional<std::string>(name) : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (runnable(candidate)) return candidate;
  }
  return std::nullopt;
}

// The last lines of a file, bounded, with the scenario's tokens redacted.
std::string Tail(const std::string& path, const std::vector<TenantSpec>& tenants) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - kTailBytes);
  in.seekg(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (from > 0) {
    const std::size_t nl = text.find('\n');
    text = nl == std::string::npos ? text : text.substr(nl + 1);
  }
  std::size_t lines = 0;
  for (std::size_t i = text.size(); i > 0; --i) {
    if (text[i - 1] == '\n' && i != text.size() && ++lines == kTailLines) {
      text = text.substr(i);
      break;
    }
  }
  for (const TenantSpec& t : tenants) {
    if (t.token.empty()) continue;
    for (std::size_t at = text.find(t.token); at != std::string::npos;
         at = text.find(t.token, at)) {
      const std::string shown = sim::RedactToken(t.token);
      text.replace(at, t.token.size(), shown);
      at += shown.size();
    }
  }
  return text;
}

struct Child {
  ClientCommandRun run;
  pid_t pid = -1;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::steady_clock::time_point kill_at;
  bool term_sent = false;
  bool done = false;
};

// Starts one copy in its own process group, stdin from /dev/null, stdout and stderr to files.
Result<pid_t> Spawn(const std::string& exe, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, const ClientCommandRun& run) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, run.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&files, 2, run.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group (so a time limit reaches its children too), default SIGPIPE (the
  // server here ignores it) and nothing blocked.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &files, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Error{ErrorCode::kIo, "cannot start " + exe + ": " + std::strerror(rc)};
  }
  return pid;
}

// Waits for every child, enforcing each one's deadline. Bounded: a child past its deadline gets
// SIGTERM, then SIGKILL after the grace period, and a killed process always ends.
void WaitAll(std::vector<Child>& children, const sim::SteadyClock& clock) {
  while (true) {
    bool all_done = true;
    for (Child& c : children) {
      if (c.done) continue;
      int status = 0;
      const pid_t r = ::waitpid(c.pid, &status, WNOHANG);
      if (r == c.pid) {
        c.done = true;
        c.run.ended_us = clock.NowUs();
        c.run.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                          : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                                : 1;
        ::kill(-c.pid, SIGKILL);  // whatever it left behind in its group
        continue;
      }
      if (r < 0 && errno != EINTR) {  // not our child any more (cannot happen): stop waiting
        c.done = true;
        c.run.ended_us = clock.NowUs();
        c.run.exit_code = 1;
        continue;
      }
      all_done = false;
      const auto now = std::chrono::steady_clock::now();
      if (!c.term_sent && now >= c.deadline) {
        c.run.timed_out = true;
        c.term_sent = true;
        c.kill_at = now + kKillGrace;
        ::kill(-c.pid, SIGTERM);
      } else if (c.term_sent && now >= c.kill_at) {
        ::kill(-c.pid, SIGKILL);
      }
    }
    if (all_done) return;
    std::this_thread::sleep_for(kPollEvery);
  }
}

// The environment of the command: ours without NOTION_*, then the test's variables.
std::vector<std::string> CommandEnv(const std::vector<std::pair<std::string, std::string>>& add) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    if (entry.rfind("NOTION_", 0) == 0) continue;
    const std::size_t eq = entry.find('=');
    const std::string name = entry.substr(0, eq);
    const bool replaced =
        std::any_of(add.begin(), add.end(), [&](const auto& kv) { return kv.first == name; });
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [name, value] : add) env.push_back(name + "=" + value);
  return env;
}

std::string PropertyText(const json& value) {
  if (!value.is_object()) return value.dump();
  const std::string type = value.value("type", "");
  if ((type == "title" || type == "rich_text") && value.contains(type) && value[type].is_array()) {
    std::string text;
    for (const json& run : value[type]) {
      if (run.is_object() && run.contains("plain_text") && run["plain_text"].is_string()) {
        text += run["plain_text"].get<std::string>();
      }
    }
    return text;
  }
  return type.empty() || !value.contains(type) ? value.dump() : value[type].dump();
}

std::string SecondsText(TimeUs us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(us) / 1e6);
  return buf;
}

}  // namespace

checks::ObservedExchange ToObservedExchange(const sim::DoorExchange& d) {
  checks::ObservedExchange x;
  x.token = d.caller.empty() ? std::string("(no token)") : d.caller;
  x.connection = d.remote;
  x.arrived_us = d.arrived_us;
  x.answered_us = d.answered_us;
  x.ended_us = d.ended_us;
  x.method = d.method;
  x.path = d.path;
  x.query = d.query;
  x.status = d.status;
  if (d.code != engine::ApiCode::kNone) x.code = std::string(engine::ApiCodeName(d.code));
  x.retry_after = d.retry_after;
  if (!d.retry_after.empty()) {
    // A date is read against the wall clock at the answer (the client's calendar).
    const engine::RetryAfterValue value =
        engine::ParseRetryAfter(d.retry_after, engine::RetryAfterMode::kStrict, d.answered_wall_us);
    if (value.form == engine::RetryAfterForm::kSeconds ||
        value.form == engine::RetryAfterForm::kDate) {
      x.retry_after_until_us = d.answered_us + value.delay_us;
    }
  }
  x.injected = d.injected;
  x.fault = d.fault;
  x.request_id = d.request_id;
  x.sim_op_id = d.op_id;
  x.sim_attempt = d.attempt;
  x.committed = d.committed;
  x.end = EndOf(d.end);
  return x;
}

ClientObserver::ClientObserver(checks::ClientJudgeConfig config, bool active)
    : judge_(std::move(config)), active_(active) {}

void ClientObserver::OnExchange(const sim::DoorExchange& exchange) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!active_) return;
  judge_.Observe(ToObservedExchange(exchange), exchange.body);
}

void ClientObserver::Restart(checks::ClientJudgeConfig config) {
  std::lock_guard<std::mutex> lock(mu_);
  judge_ = checks::ClientJudge(std::move(config));
  active_ = true;
}

bool ClientObserver::active() const {
  std::lock_guard<std::mutex> lock(mu_);
  return active_;
}

std::size_t ClientObserver::observed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return judge_.size();
}

checks::ClientVerdict ClientObserver::Verdict(const std::vector<checks::CommandOutcome>& runs,
                                              const std::vector<checks::ExpectOutcome>& expects,
                                              std::vector<checks::JudgedExchange>* grouped) const {
  std::lock_guard<std::mutex> lock(mu_);
  return judge_.Verdict(runs, expects, grouped);
}

std::string ShellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,+@%", c) != nullptr;
    });
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

std::vector<checks::ExpectOutcome> EvaluateExpectations(sim::FakeNotion& fake,
                                                        const std::vector<ExpectSpec>& expect,
                                                        const std::string& token) {
  std::vector<checks::ExpectOutcome> out;
  if (expect.empty()) return out;
  // The fault plan is for clients: set it aside while reading, then put it back.
  sim::FaultPlan& plan = fake.faults();
  const std::vector<sim::FaultRule> rules = plan.rules();
  plan.Clear();
  const std::string auth = "Bearer " + token;
  const auto& databases = fake.config().workspace.databases;
  const std::vector<engine::ObjectId> sources = fake.data_sources();
  for (const ExpectSpec& e : expect) {
    checks::ExpectOutcome o;
    o.what = DescribeExpect(e);
    // The data source: by title or id among the configured ones (ids drawn at start are in
    // data_sources(), in the same order).
    std::string id;
    std::size_t index = 0;
    for (const sim::DatabaseSpec& db : databases) {
      for (const sim::DataSourceSpec& ds : db.data_sources) {
        const std::string this_id =
            index < sources.size() ? sources[index].ToString() : std::string();
        if (id.empty() && (e.data_source.empty() || ds.title == e.data_source ||
                           (!ds.id.empty() && ds.id.ToString() == e.data_source))) {
          id = this_id;
        }
        ++index;
      }
    }
    std::vector<json> pages;
    std::string cursor;
    std::string failure;
    while (failure.empty() && pages.size() < kMaxExpectPages) {
      json body = {{"page_size", 100}};
      if (!cursor.empty()) body["start_cursor"] = cursor;
      const std::string text = body.dump();
      const std::string path = "/v1/data_sources/" + id + "/query";
      sim::HttpRequestView view;
      view.method = "POST";
      view.path = path;
      view.body = text;
      view.header = [&auth](std::string_view name) -> std::optional<std::string> {
        auto is = [&](std::string_view want) {
          return name.size() == want.size() &&
                 std::equal(name.begin(), name.end(), want.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == b;
                 });
        };
        if (is("authorization")) return auth;
        if (is("notion-version")) return std::string("2025-09-03");
        if (is("content-type")) return std::string("application/json");
        return std::nullopt;
      };
      const sim::Answer answer = fake.HandleHttp(view);
      const json reply = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
      if (answer.response.status != 200 || !reply.is_object() || !reply.contains("results")) {
        failure = "could not read the data source: HTTP " + std::to_string(answer.response.status) +
                  " " + answer.body.substr(0, 200);
        break;
      }
      for (const json& p : reply["results"]) pages.push_back(p);
      if (!reply.value("has_more", false) || !reply["next_cursor"].is_string()) break;
      cursor = reply["next_cursor"].get<std::string>();
    }
    if (!failure.empty()) {
      o.held = false;
      o.found = failure;
      out.push_back(std::move(o));
      continue;
    }
    std::vector<std::string> problems;
    if (e.pages && pages.size() != *e.pages) {
      problems.push_back("it holds " + std::to_string(pages.size()) + " pages");
    }
    auto repeated = [&](const std::function<std::string(const json&)>& key, const char* what) {
      std::map<std::string, int> seen;
      for (const json& p : pages) ++seen[key(p)];
      for (const auto& [value, n] : seen) {
        if (n > 1) {
          problems.push_back(std::to_string(n) + " pages share the " + what + " \"" + value + "\"");
          return;
        }
      }
    };
    auto property = [](const json& page,
                       const std::function<bool(const std::string&, const json&)>& pick) {
      if (!page.contains("properties") || !page["properties"].is_object()) return std::string();
      for (auto it = page["properties"].begin(); it != page["properties"].end(); ++it) {
        if (pick(it.key(), *it)) return PropertyText(*it);
      }
      return std::string();
    };
    if (e.distinct_titles) {
      repeated(
          [&](const json& p) {
            return property(p, [](const std::string&, const json& v) {
              return v.is_object() && v.value("type", "") == "title";
            });
          },
          "title");
    }
    if (!e.distinct.empty()) {
      repeated(
          [&](const json& p) {
            return property(
                p, [&](const std::string& name, const json&) { return name == e.distinct; });
          },
          e.distinct.c_str());
    }
    o.held = problems.empty();
    for (std::size_t i = 0; i < problems.size(); ++i) o.found += (i ? "; " : "") + problems[i];
    out.push_back(std::move(o));
  }
  for (const sim::FaultRule& rule : rules) (void)plan.Add(rule);  // same ids: they were unique
  return out;
}

Status CheckClientTest(const ClientScenario& spec, const ClientTestOptions& options) {
  (void)spec;
  if (options.command.empty() || options.command.front().empty()) {
    return InvalidInput("no command to test: give it after --, e.g. notion-sim test " +
                        std::string("SCENARIO -- node sync.js"));
  }
  if (!FindExecutable(options.command.front())) {
    return InvalidInput(
        "the command \"" + options.command.front() + "\" was not found (not an executable file" +
        (options.command.front().find('/') == std::string::npos ? std::string(" on PATH)")
                                                                : std::string(")")));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec || !std::filesystem::is_directory(options.out_dir, ec)) {
    return InvalidInput("--out " + options.out_dir + ": cannot make the directory");
  }
  if (!options.recording_path.empty()) {  // before the runs, not after them
    const std::filesystem::path parent =
        std::filesystem::path(options.recording_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (!std::ofstream(options.recording_path, std::ios::app)) {
      return InvalidInput("--recording: cannot write " + options.recording_path);
    }
  }
  return {};
}

RunResult ClientVerdictResult(const ClientScenario& spec, const checks::ClientVerdict& verdict,
                              TimeUs end_us) {
  RunResult result;
  result.mode = "client";
  result.scenario = spec.name;
  result.purpose = spec.purpose;
  result.path = spec.path;
  result.scenario_hash = spec.hash;
  result.profile = "client";
  result.seed = spec.seed;
  for (const TenantSpec& t : spec.tenants) result.tenants.push_back(t.name);
  result.rate_budget = spec.judge.rate_budget;
  result.rate_window_us = spec.judge.rate_budget > 0 ? spec.judge.rate_window_us : 0;
  result.summary.virtual_time_us = end_us;
  result.summary.last_finish_us = end_us;
  checks::MetricsReport& m = result.checks.metrics;
  m.end_us = end_us;
  m.work_end_us = verdict.traffic.last_us;
  m.first_start_us = verdict.traffic.first_us;
  m.span_us = verdict.traffic.last_us - verdict.traffic.first_us;
  for (const checks::TokenTraffic& t : verdict.traffic.tokens) {
    m.attempts += t.requests;
    m.http_2xx += t.http_2xx;
    m.http_429 += t.http_429;
    m.http_4xx += t.http_4xx;
    m.http_5xx += t.http_5xx;
    m.transport_errors += t.no_answer;
    m.faults_injected += t.injected;
    m.retries += t.repeats;
  }
  m.requests = m.attempts;
  m.retry_ratio =
      m.requests > 0 ? static_cast<double>(m.retries) / static_cast<double>(m.requests) : 0;
  m.requests_per_min =
      m.span_us > 0 ? static_cast<double>(m.requests) * 60e6 / static_cast<double>(m.span_us) : 0;
  m.bucket_us = verdict.traffic.bucket_us;
  for (const checks::TrafficBucket& b : verdict.traffic.series) {
    checks::SeriesBucket s;
    s.start_us = b.start_us;
    s.requests = b.requests;
    s.http_429 = b.http_429;
    s.http_5xx = b.http_5xx;
    m.series.push_back(s);
  }
  result.checks.invariants = verdict.invariants;
  result.verdict = verdict.held() ? checks::RunVerdict::kPass : checks::RunVerdict::kFail;
  ClientReport report;
  report.tokens = verdict.traffic.tokens;
  report.unjudged = verdict.traffic.unjudged;
  result.client = std::move(report);
  return result;
}

Result<RunResult> RunClientTest(const ClientScenario& spec, const ClientTestOptions& options) {
  if (Status st = CheckClientTest(spec, options); !st.ok()) return st.error();
  const std::string exe = *FindExecutable(options.command.front());

  // The fake, with a token of notion-sim's own (its own rate window and workspace budget) to
  // read the final state with.
  sim::FakeConfig config = spec.fake;
  sim::TokenSpec own;
  engine::Rng token_rng = engine::Rng(spec.seed).Fork("test.expect_token");
  own.token = "notion_sim_expect_" + engine::HexDigest(token_rng.NextU64());
  own.name = "notion-sim";
  own.tenant = static_cast<std::uint16_t>(spec.tenants.size());
  own.workspace = 1;
  for (const sim::TokenSpec& t : config.workspace.tokens) {
    own.workspace =
        std::max<std::uint16_t>(own.workspace, static_cast<std::uint16_t>(t.workspace + 1));
  }
  config.workspace.tokens.push_back(own);
  const std::string bootstrap_token = config.workspace.tokens.front().token;

  ClientObserver observer(spec.judge);
  sim::SteadyClock clock;  // the test's clock: fault windows count from here
  sim::FakeNotion fake(clock, engine::Rng(spec.seed).Fork("fake"), nullptr, std::move(config));
  auto root_page = sim::CreateRootPage(fake, bootstrap_token);
  if (!root_page.ok()) return root_page.error();
  sim::HttpServerOptions server_options;
  server_options.observer = &observer;
  server_options.max_hold_us = std::max<TimeUs>(Sec(1), spec.duration_us);
  server_options.log = options.request_log;
  sim::HttpServer server(fake, server_options);
  auto port = server.Start();
  if (!port.ok()) return port.error();
  // The root page's create is not the client's: judge from here on.
  observer.Restart(spec.judge);

  std::vector<std::pair<std::string, std::string>> vars = {{"NOTION_BASE_URL", server.BaseUrl()}};
  for (std::size_t i = 0; i < spec.tenants.size(); ++i) {
    vars.emplace_back(i == 0 ? "NOTION_TOKEN" : "NOTION_TOKEN_" + std::to_string(i + 1),
                      spec.tenants[i].token);
  }
  const std::vector<engine::ObjectId> sources = fake.data_sources();
  if (!sources.empty()) vars.emplace_back("NOTION_DATA_SOURCE_ID", sources.front().ToString());
  const auto& dbs = fake.config().workspace.databases;
  if (!dbs.empty() && !dbs.front().id.empty()) {
    vars.emplace_back("NOTION_DATABASE_ID", dbs.front().id.ToString());
  }
  vars.emplace_back("NOTION_PAGE_ID", root_page->ToString());
  for (const auto& kv : spec.env) vars.push_back(kv);

  const std::string command = ShellQuote(options.command);
  std::vector<ClientCommandRun> runs;
  std::vector<checks::CommandOutcome> outcomes;
  for (std::uint32_t r = 1; r <= spec.runs; ++r) {
    std::vector<Child> children;
    for (std::uint32_t c = 1; c <= spec.concurrency; ++c) {
      Child child;
      child.run.run = r;
      child.run.copy = c;
      std::string stem = options.out_dir + "/" + spec.name + ".run" + std::to_string(r);
      if (spec.concurrency > 1) stem += ".copy" + std::to_string(c);
      child.run.stdout_path = stem + ".stdout";
      child.run.stderr_path = stem + ".stderr";
      std::vector<std::pair<std::string, std::string>> own_vars = vars;
      own_vars.emplace_back("NOTION_SIM_RUN", std::to_string(r));
      own_vars.emplace_back("NOTION_SIM_COPY", std::to_string(c));
      own_vars.emplace_back("NOTION_SIM_COPIES", std::to_string(spec.concurrency));
      child.run.started_us = clock.NowUs();
      child.deadline =
          std::chrono::steady_clock::now() + std::chrono::microseconds(spec.duration_us);
      auto pid = Spawn(exe, options.command, CommandEnv(own_vars), child.run);
      if (!pid.ok()) {
        server.Stop();
        return pid.error();
      }
      child.pid = *pid;
      children.push_back(std::move(child));
    }
    if (options.progress != nullptr) {
      *options.progress << "  run " << r << "/" << spec.runs << ": " << command
                        << (spec.concurrency > 1
                                ? " (" + std::to_string(spec.concurrency) + " copies)"
                                : std::string())
                        << " ...\n"
                        << std::flush;
    }
    WaitAll(children, clock);
    for (Child& c : children) {
      c.run.stdout_tail = Tail(c.run.stdout_path, spec.tenants);
      c.run.stderr_tail = Tail(c.run.stderr_path, spec.tenants);
      std::string label = "run " + std::to_string(c.run.run);
      if (spec.concurrency > 1) label += " copy " + std::to_string(c.run.copy);
      if (options.progress != nullptr) {
        *options.progress << "  " << label << ": "
                          << (c.run.timed_out
                                  ? "killed at the " + SecondsText(spec.duration_us) + " limit"
                                  : "exited " + std::to_string(c.run.exit_code))
                          << " after " << SecondsText(c.run.ended_us - c.run.started_us) << "\n";
      }
      outcomes.push_back({label, c.run.exit_code, c.run.timed_out, c.run.ended_us});
      runs.push_back(std::move(c.run));
    }
  }
  // Every exchange has ended (and been reported) once the server has stopped.
  server.Stop();
  const TimeUs end_us = clock.NowUs();
  std::vector<checks::ExpectOutcome> expects = EvaluateExpectations(fake, spec.expect, own.token);
  std::vector<checks::JudgedExchange> grouped;
  const checks::ClientVerdict verdict = observer.Verdict(
      outcomes, expects,
      options.log != nullptr || !options.recording_path.empty() ? &grouped : nullptr);
  if (options.log != nullptr) {
    options.log->SetScenario(spec.name);
    options.log->Write({{"kind", "run"},
                        {"t_ms", 0},
                        {"seed", spec.seed},
                        {"mode", "test"},
                        {"command", command}});
    WriteClientLines(*options.log, grouped, verdict);
  }
  if (!options.recording_path.empty()) {
    const json header = {
        {"source", "test"},           {"scenario", spec.name},        {"seed", spec.seed},
        {"scenario_hash", spec.hash}, {"base_url", server.BaseUrl()}, {"command", command}};
    if (Status st = WriteDoorRecording(options.recording_path, header, grouped); !st.ok()) {
      return st.error();
    }
  }

  RunResult result = ClientVerdictResult(spec, verdict, end_us);
  result.base_url = server.BaseUrl();
  result.reproduce = "notion-sim test " + ShellQuote({spec.path}) + " --seed " +
                     std::to_string(spec.seed) + " -- " + command;
  CountServer(fake, result);
  result.client->command = command;
  result.client->runs = std::move(runs);
  result.client->expects = std::move(expects);
  return result;
}

}  // namespace notion_sim::scenarios
