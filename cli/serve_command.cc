// notion-sim serve: the fake Notion over HTTP, for the official SDK and real
// integrations.
//
// Prints one banner line on stdout with everything a client needs (base URL,
// token, ids), then serves until SIGINT or SIGTERM (exit 0). Log lines go to
// stderr and never contain a token other than the default one, which the banner
// prints on purpose.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/client_scenario.h"
#include "notion_sim/scenarios/client_test.h"
#include "notion_sim/scenarios/event_log.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/fault_plan.h"
#include "notion_sim/simulator/http_server.h"
#include "notion_sim/simulator/redact.h"
#include "notion_sim/simulator/workspace.h"
#include "secrets.h"
#include "workspace_file.h"

namespace notion_sim::cli {
namespace {

namespace sim = notion_sim::sim;

struct ServeArgs {
  int port = 7700;
  std::string bind = "127.0.0.1";
  std::uint64_t seed = 1;
  std::string faults_file;
  std::string tokens;
  std::string workspace_file;
  std::string webhooks_file;
  std::size_t journal_size = 10'000;
  std::string admin_token_env;
  std::string tokens_env;
  int threads = 16;
  int max_threads = 256;
  std::int64_t max_hold_s = 120;
  bool log_requests = false;
  std::string log_file;
};

// Numeric loopback addresses and "localhost" only: a host name that merely starts with "127."
// may resolve anywhere, so it gets the warning.
bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// The value of the environment variable `name` that `flag` names, or nullopt after saying on
// stderr that it is not set (the name shown redacted when it looks like a token).
std::optional<std::string> FromEnv(const std::string& me, const char* flag,
                                   const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    std::cerr << me << flag << " " << ShownEnvName(name)
              << ": the environment variable is not set or empty\n";
    return std::nullopt;
  }
  return std::string(value);
}

std::vector<std::string> SplitTokens(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// A token that looks like Notion's ("ntn_" + hex), reproducible from the seed
// so a CI job can restart the server and keep its client configuration.
std::string DefaultToken(std::uint64_t seed) {
  engine::Rng rng = engine::Rng(seed).Fork("serve.token");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = "ntn_sim_";
  for (int word = 0; word < 2; ++word) {
    std::uint64_t v = rng.NextU64();
    for (int i = 0; i < 16; ++i, v >>= 4) token += kHex[v & 0xF];
  }
  return token;
}

// Reads a fault plan file: {"faults": [rule, ...]}.
Result<sim::FaultPlan> LoadFaults(const std::string& path) {
  auto doc = engine::JsonDocument::Load(path);
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  if (!reader.ok()) return reader.error();
  auto plan = sim::ParseFaultPlan(root);
  root.Finish();
  if (!plan.ok()) return plan.error();
  if (!reader.ok()) return reader.error();
  return plan;
}

// POST /__admin/scenario (a client scenario: its faults replace serve's, their windows counted
// from now, and its invariants judge the traffic from now on) and GET /__admin/verdict (the
// verdict so far, with the scenario's `expect` read from the current state).
struct JudgeRoutes {
  JudgeRoutes(const sim::SteadyClock& c, std::string t) : clock(c), token(std::move(t)) {}

  sim::AdminExtension Extension() {
    sim::AdminExtension ext;
    ext.families = {"scenario", "verdict"};
    ext.handle = [this](const sim::AdminCall& call) { return Handle(call); };
    return ext;
  }

  static sim::AdminReply Error(int status, const char* code, std::string message) {
    sim::AdminReply r;
    r.status = status;
    r.error_code = code;
    r.error_message = std::move(message);
    return r;
  }

  sim::AdminReply Handle(const sim::AdminCall& call) {
    if (call.segments.size() != 1) {
      return Error(404, "invalid_request_url", "Expected /__admin/" + call.segments[0] + ".");
    }
    if (call.segments[0] == "scenario") {
      if (call.method != "POST")
        return Error(405, "invalid_request", "POST /__admin/scenario only");
      return Load(call.body);
    }
    if (call.method != "GET") return Error(405, "invalid_request", "GET /__admin/verdict only");
    return Verdict();
  }

  sim::AdminReply Load(const std::string& body) {
    if (auto doc = engine::JsonDocument::Parse(body, "request body"); !doc.ok()) {
      return Error(400, "invalid_json", doc.error().message);
    }
    auto spec = scenarios::ParseClientScenario(body, "request body");
    if (!spec.ok()) return Error(400, "validation_error", spec.error().message);
    std::size_t added = 0;
    server->WithCore([&](sim::FakeNotion& f) {
      const TimeUs now_us = clock.NowUs();
      sim::FaultPlan& plan = f.faults();
      plan.Clear();
      for (sim::FaultRule rule : spec->fake.faults.rules()) {
        rule.id = 0;
        rule.match.from_us += now_us;
        if (rule.match.until_us != kTimeNever) rule.match.until_us += now_us;
        added += plan.Add(std::move(rule)).ok() ? 1 : 0;
      }
    });
    {
      std::lock_guard<std::mutex> lock(mu);
      config = spec->judge;
      expect = spec->expect;
    }
    observer.Restart(spec->judge);
    nlohmann::json names = nlohmann::json::array();
    for (int i = 0; i < checks::kClientInvariantCount; ++i) {
      const auto inv = static_cast<checks::ClientInvariant>(i);
      if (spec->judge.IsOn(inv)) names.push_back(std::string(checks::ClientInvariantName(inv)));
    }
    sim::AdminReply r;
    r.status = 201;
    r.json =
        nlohmann::json{{"scenario", spec->name}, {"faults", added}, {"invariants", names}}.dump();
    return r;
  }

  sim::AdminReply Verdict() {
    if (!observer.active()) {
      return Error(400, "invalid_request",
                   "No client scenario is loaded: POST one to /__admin/scenario first.");
    }
    std::vector<scenarios::ExpectSpec> wanted;
    {
      std::lock_guard<std::mutex> lock(mu);
      wanted = expect;
    }
    const std::vector<checks::ExpectOutcome> expects = server->WithCore(
        [&](sim::FakeNotion& f) { return scenarios::EvaluateExpectations(f, wanted, token); });
    sim::AdminReply r;
    r.json = reports::ClientVerdictToJson(observer.Verdict({}, expects), expects).dump();
    return r;
  }

  // POST /__admin/reset: the judge starts over too (under the core's lock; the observer has its
  // own, never taken the other way round).
  void AfterReset() {
    if (!observer.active()) return;
    std::lock_guard<std::mutex> lock(mu);
    observer.Restart(config);
  }

  const sim::SteadyClock& clock;
  std::string token;  // reads the state for `expect`
  scenarios::ClientObserver observer{checks::ClientJudgeConfig{}, /*active=*/false};
  sim::HttpServer* server = nullptr;
  std::mutex mu;  // config and expect
  checks::ClientJudgeConfig config;
  std::vector<scenarios::ExpectSpec> expect;
};

// Reads a webhooks file: the "webhooks" section itself, or a document holding one under
// "webhooks" (a scenario file: its other sections are not read).
Result<sim::WebhookConfig> LoadWebhooks(const std::string& path) {
  auto doc = engine::JsonDocument::Load(path);
  if (!doc.ok()) return doc.error();
  engine::JsonReader reader(*doc);
  engine::ObjectReader root = reader.Root();
  if (!reader.ok()) return reader.error();
  if (doc->root().contains("webhooks")) {
    engine::ObjectReader inner = root.Object("webhooks");
    return sim::ParseWebhookConfig(inner);
  }
  return sim::ParseWebhookConfig(root);
}

int Serve(const ServeArgs& args) {
  const std::string me = "notion-sim serve: ";
  // Decide everything that can fail on input before binding a port.
  sim::FakeConfig config;
  if (!args.workspace_file.empty()) {
    auto ws = LoadWorkspace(args.workspace_file);
    if (!ws.ok()) {
      std::cerr << me << ws.error().message << "\n";
      return kExitBadInput;
    }
    config.workspace = std::move(ws).value();
  } else {
    config.workspace = sim::DefaultServeWorkspace(args.seed);
  }
  std::string token_list = args.tokens;
  if (!args.tokens_env.empty()) {
    auto value = FromEnv(me, "--tokens-env", args.tokens_env);
    if (!value) return kExitBadInput;
    token_list = *value;
  }
  std::vector<std::string> tokens = SplitTokens(token_list);
  bool default_token = false;
  if (!tokens.empty()) {
    config.workspace.tokens.clear();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      sim::TokenSpec spec;
      spec.token = tokens[i];
      spec.name = "token" + std::to_string(i + 1);
      spec.tenant = static_cast<std::uint16_t>(i);
      config.workspace.tokens.push_back(spec);
    }
  } else if (config.workspace.tokens.empty()) {
    sim::TokenSpec spec;
    spec.token = DefaultToken(args.seed);
    spec.name = "default";
    config.workspace.tokens.push_back(spec);
    default_token = true;
  }
  if (!args.faults_file.empty()) {
    auto plan = LoadFaults(args.faults_file);
    if (!plan.ok()) {
      std::cerr << me << plan.error().message << "\n";
      return kExitBadInput;
    }
    config.faults = std::move(plan).value();
  }
  if (!args.webhooks_file.empty()) {
    auto hooks = LoadWebhooks(args.webhooks_file);
    if (!hooks.ok()) {
      std::cerr << me << hooks.error().message << "\n";
      return kExitBadInput;
    }
    config.webhooks = std::move(hooks).value();
  }
  config.journal_capacity = args.journal_size;
  sim::HttpServerOptions options;
  options.bind_address = args.bind;
  options.port = args.port;
  options.threads = args.threads;
  options.max_threads = args.max_threads;
  options.max_hold_us = Sec(args.max_hold_s);
  if (!args.admin_token_env.empty()) {
    auto value = FromEnv(me, "--admin-token-env", args.admin_token_env);
    if (!value) return kExitBadInput;
    options.admin_token = *value;
  }
  if (!IsLoopback(args.bind)) {
    std::cerr << me << "warning: binding to " << args.bind
              << " exposes the fake and its admin API beyond this machine"
              << (options.admin_token.empty() ? " (no --admin-token-env set)" : "") << "\n";
  }
  if (args.log_requests) {
    options.log = [](std::string_view line) { std::cerr << "notion-sim serve: " << line << "\n"; };
  }
  // --log FILE: one JSON line per request, with the trace id of the client's operation (sent in
  // x-notion-sim-op-id by notion-sim's live runs), so client and server lines join.
  std::unique_ptr<scenarios::EventLog> event_log;
  auto log_mutex = std::make_shared<std::mutex>();
  if (!args.log_file.empty()) {
    std::vector<std::string> secrets;
    for (const auto& t : config.workspace.tokens) secrets.push_back(t.token);
    if (!options.admin_token.empty()) secrets.push_back(options.admin_token);
    auto opened = scenarios::EventLog::Open(args.log_file, std::move(secrets));
    if (!opened.ok()) {
      std::cerr << me << "--log: " << opened.error().message << "\n";
      return kExitBadInput;
    }
    event_log = std::move(opened).value();
    options.record = [log = event_log.get(),
                      log_mutex](const sim::HttpServerOptions::RequestRecord& r) {
      nlohmann::json line = {{"kind", "request"},
                             {"t_ms", static_cast<double>(r.at_us) / 1000.0},
                             {"method", r.method},
                             {"path", r.path},
                             {"route", r.route},
                             {"status", r.status},
                             {"latency_ms", static_cast<double>(r.latency_us) / 1000.0},
                             {"tenant", r.tenant}};
      if (r.op_id != 0) {
        line["op"] = r.op_id;
        line["trace_id"] = scenarios::TraceIdFor(r.op_id);
        line["attempt"] = r.attempt;
      }
      if (!r.fault.empty()) line["fault"] = r.fault;
      if (!r.request_id.empty()) line["request_id"] = r.request_id;
      std::lock_guard<std::mutex> lock(*log_mutex);
      log->Write(line);
    };
  }

  // The serving threads inherit this mask, so SIGINT/SIGTERM reach only sigwait
  // below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string bootstrap_token = config.workspace.tokens.front().token;
  sim::SteadyClock clock;
  sim::FakeNotion fake(clock, engine::Rng(args.seed).Fork("fake"), nullptr, std::move(config));
  auto root_page = sim::CreateRootPage(fake, bootstrap_token);
  if (!root_page.ok()) {
    std::cerr << me << "warning: no root page: " << root_page.error().message << "\n";
  }
  // The judge of `notion-sim test`, for other test frameworks: idle until a client scenario is
  // posted to /__admin/scenario.
  JudgeRoutes judge(clock, bootstrap_token);
  options.observer = &judge.observer;
  options.admin_extension = judge.Extension();
  options.after_reset = [bootstrap_token, &judge](sim::FakeNotion& f) {
    (void)sim::CreateRootPage(f, bootstrap_token);
    judge.AfterReset();
  };
  sim::HttpServer server(fake, options);
  judge.server = &server;
  auto port = server.Start();
  if (!port.ok()) {
    std::cerr << me << port.error().message << "\n";
    return kExitBadInput;
  }

  std::string shown_tokens;
  if (default_token) {
    shown_tokens = "token=" + bootstrap_token;
  } else {
    shown_tokens = "tokens=";
    const auto& specs = fake.config().workspace.tokens;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      shown_tokens += (i ? "," : "") + sim::RedactToken(specs[i].token);
    }
  }
  // Every id the workspace created, so a client (or a script reading the banner) needs no
  // discovery calls: the first database and data source under their singular names, then all of
  // them.
  const std::vector<engine::ObjectId> sources = fake.data_sources();
  const auto databases = fake.databases();
  std::string all_databases, all_sources;
  for (const auto& [id, title] : databases) {
    all_databases += (all_databases.empty() ? "" : ",") + id.ToString();
  }
  for (const engine::ObjectId& id : sources) {
    all_sources += (all_sources.empty() ? "" : ",") + id.ToString();
  }
  std::cout << "notion-sim serve: listening on " << server.BaseUrl() << "  " << shown_tokens
            << "  root_page=" << (root_page.ok() ? root_page->ToString() : std::string("none"))
            << "  database="
            << (databases.empty() ? std::string("none") : databases.front().first.ToString())
            << "  data_source="
            << (sources.empty() ? std::string("none") : sources.front().ToString())
            << "  databases=" << (all_databases.empty() ? "none" : all_databases)
            << "  data_sources=" << (all_sources.empty() ? "none" : all_sources)
            << "  oauth_client=" << fake.config().workspace.oauth_client_id
            << "  seed=" << args.seed << std::endl;
  std::cerr << me << "admin API at " << server.BaseUrl()
            << "/__admin/ (faults, journal, ledger, reset, health, scenario, verdict, webhooks), "
               "metrics at "
            << server.BaseUrl() << "/metrics; SIGINT or SIGTERM stops\n";

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << me << (signal_number == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping\n";
  server.Stop();
  std::cerr << me << "stopped\n";
  return kExitOk;
}

}  // namespace

Command AddServeCommand(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd =
      app.add_subcommand("serve",
                         "Serve the fake Notion over HTTP (point the SDK's baseUrl at it); admin "
                         "API under "
                         "/__admin/, Prometheus metrics at /metrics. Stops on SIGINT/SIGTERM.");
  cmd->add_option("--port", args->port, "TCP port; 0 picks a free one (printed)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", args->bind, "address to listen on (warns when not loopback)")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed of every id and fault decision")
      ->capture_default_str();
  cmd->add_option("--faults", args->faults_file, "fault plan JSON file: {\"faults\": [rule, ...]}");
  CLI::Option* tokens = cmd->add_option("--tokens", args->tokens,
                                        "comma-separated bearer tokens the fake accepts (default: "
                                        "one token derived from the seed, printed at start)");
  cmd->add_option("--tokens-env", args->tokens_env,
                  "name of an environment variable holding --tokens' list (keeps the tokens "
                  "out of the command line, which ps shows)")
      ->excludes(tokens);
  cmd->add_option("--workspace", args->workspace_file,
                  "workspace JSON file (default: a database with one data source)");
  cmd->add_option("--webhooks", args->webhooks_file,
                  "webhook subscriptions, retries and delivery faults: a JSON file holding the "
                  "\"webhooks\" section (or a scenario file with one)");
  cmd->add_option("--journal-size", args->journal_size, "requests kept in the journal")
      ->capture_default_str();
  cmd->add_option("--admin-token-env", args->admin_token_env,
                  "name of an environment variable holding a token the admin API requires");
  cmd->add_option("--threads", args->threads,
                  "serving threads started at once (a keep-alive connection holds one while open; "
                  "at most half hold an injected delay, hang or stall at a time)")
      ->capture_default_str()
      ->check(CLI::Range(2, 256));
  cmd->add_option("--max-threads", args->max_threads,
                  "serving threads at most: one is added per connection that would wait")
      ->capture_default_str()
      ->check(CLI::Range(2, 4096));
  cmd->add_option("--max-hold-s", args->max_hold_s,
                  "upper bound of any injected delay, hang or stalled body, in seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_flag("--log-requests", args->log_requests, "one stderr line per request");
  cmd->add_option("--log", args->log_file,
                  "one JSON line per request to FILE (trace id, status, fault, request id)");
  return Command{cmd, [args] { return Serve(*args); }};
}

}  // namespace notion_sim::cli
