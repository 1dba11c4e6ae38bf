// notion-sim proxy: the fault plan and the judge of `notion-sim test`, in front of the real API
// (or another serve).
//
//   notion-sim proxy --target https://api.notion.com [SCENARIO] [--port N] [--record FILE]
//                    [--out DIR] [--log FILE] [--duration-s S]
//
// Every request to /v1/... is forwarded whole to the target unless the client scenario's faults
// pre-empt it (429 with Retry-After, 5xx, resets, hangs, edge errors); delays, lost answers
// (forwarded, then dropped) and stalled bodies are applied around the target's answer. The judge
// watches the traffic per token. GET /__admin/verdict answers the verdict so far; at SIGINT,
// SIGTERM or --duration-s the proxy stops, prints the verdict and writes the same outputs as
// `test` under --out. Exit 0 every invariant held, 1 a violation, 2 bad input.
#include <signal.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/reports/render.h"
#include "notion_sim/reports/result_json.h"
#include "notion_sim/scenarios/client_scenario.h"
#include "notion_sim/scenarios/client_test.h"
#include "notion_sim/scenarios/conformance.h"
#include "notion_sim/scenarios/event_log.h"
#include "notion_sim/scenarios/recording.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/forward.h"
#include "notion_sim/simulator/http_server.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;

struct ProxyArgs {
  std::string target;
  std::string scenario;
  int port = 7701;
  std::string bind = "127.0.0.1";
  std::string record;
  std::string log_file;
  std::string recording;
  std::string out_dir;
  std::optional<std::uint64_t> seed;
  std::string admin_token_env;
  std::int64_t max_hold_s = 120;
  std::int64_t timeout_s = 60;
  std::int64_t duration_s = 0;
  bool log_requests = false;
};

int Proxy(const ProxyArgs& args) {
  const std::string me = "notion-sim proxy: ";
  // Everything that can fail on input is decided before a port is bound.
  ns::scenarios::ClientScenario spec;
  spec.name = "proxy";
  spec.purpose = "traffic through notion-sim proxy";
  if (!args.scenario.empty()) {
    auto loaded = ns::scenarios::LoadClientScenario(args.scenario);
    if (!loaded.ok()) {
      std::cerr << me << loaded.error().message << "\n";
      return kExitBadInput;
    }
    spec = std::move(loaded).value();
    if (!spec.expect.empty()) {
      std::cerr << me << "note: the scenario's \"expect\" is not evaluated (the state is the "
                << "target's)\n";
    }
  }
  if (args.seed) spec.seed = *args.seed;
  auto forwarder = ns::sim::CurlForwarder::Create(args.target, Sec(args.timeout_s));
  if (!forwarder.ok()) {
    std::cerr << me << forwarder.error().message << "\n";
    return kExitBadInput;
  }
  std::unique_ptr<ns::scenarios::ExchangeWriter> recorder;
  if (!args.record.empty()) {
    auto opened = ns::scenarios::ExchangeWriter::Open(args.record);
    if (!opened.ok()) {
      std::cerr << me << opened.error().message << "\n";
      return kExitBadInput;
    }
    recorder = std::move(opened).value();
  }
  std::unique_ptr<ns::scenarios::EventLog> log;
  if (!args.log_file.empty()) {
    std::vector<std::string> secrets;
    for (const auto& t : spec.tenants) secrets.push_back(t.token);
    auto opened = ns::scenarios::EventLog::Open(args.log_file, std::move(secrets));
    if (!opened.ok()) {
      std::cerr << me << "--log: " << opened.error().message << "\n";
      return kExitBadInput;
    }
    log = std::move(opened).value();
  }
  if (!args.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.out_dir, ec);
    if (ec || !std::filesystem::is_directory(args.out_dir, ec)) {
      std::cerr << me << "--out " << args.out_dir << ": cannot make the directory\n";
      return kExitBadInput;
    }
  }
  ns::sim::HttpServerOptions options;
  options.bind_address = args.bind;
  options.port = args.port;
  options.max_hold_us = Sec(args.max_hold_s);
  if (!args.admin_token_env.empty()) {
    const char* value = std::getenv(args.admin_token_env.c_str());
    if (value == nullptr || *value == '\0') {
      std::cerr << me << "--admin-token-env " << args.admin_token_env
                << ": the environment variable is not set or empty\n";
      return kExitBadInput;
    }
    options.admin_token = value;
  }

  // The proxy's core holds no workspace (the target's is the real one) and accepts any token,
  // each named by its redacted form; it keeps the fault plan, the journal and the counters.
  ns::sim::FakeConfig config;
  config.faults = spec.fake.faults;
  ns::sim::SteadyClock clock;  // fault windows count from here
  ns::sim::FakeNotion fake(clock, ns::engine::Rng(spec.seed).Fork("fake"), nullptr,
                           std::move(config));
  ns::scenarios::ClientObserver observer(spec.judge);
  options.observer = &observer;
  const ns::sim::CurlForwarder& target = **forwarder;
  ns::scenarios::ExchangeWriter* record = recorder.get();
  options.forward = [&target, record, &clock](const ns::sim::ForwardRequest& request) {
    ns::sim::ForwardedAnswer answer = target.Forward(request);
    if (record != nullptr) record->Record(request, answer, clock.NowUs());
    return answer;
  };
  options.admin_extension.families = {"verdict"};
  options.admin_extension.handle = [&observer](const ns::sim::AdminCall& call) {
    ns::sim::AdminReply reply;
    if (call.segments.size() != 1 || call.method != "GET") {
      reply.status = call.segments.size() != 1 ? 404 : 405;
      reply.error_code = call.segments.size() != 1 ? "invalid_request_url" : "invalid_request";
      reply.error_message = "GET /__admin/verdict only";
      return reply;
    }
    reply.json = ns::reports::ClientVerdictToJson(observer.Verdict(), {}).dump();
    return reply;
  };
  if (args.log_requests) {
    options.log = [](std::string_view line) { std::cerr << "notion-sim proxy: " << line << "\n"; };
  }

  // The serving threads inherit this mask, so SIGINT/SIGTERM reach only the wait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ns::sim::HttpServer server(fake, options);
  auto port = server.Start();
  if (!port.ok()) {
    std::cerr << me << port.error().message << "\n";
    return kExitBadInput;
  }
  std::cout << "notion-sim proxy: listening on " << server.BaseUrl() << " -> " << target.target()
            << "  scenario=" << spec.name << "  faults=" << spec.fake.faults.rules().size()
            << "  seed=" << spec.seed
            << (args.record.empty() ? std::string() : "  record=" + args.record) << std::endl;
  std::cerr << me << "verdict so far at " << server.BaseUrl()
            << "/__admin/verdict; faults, journal and health under /__admin/; "
            << (args.duration_s > 0 ? "stops after " + std::to_string(args.duration_s) +
                                          " s, on SIGINT or SIGTERM\n"
                                    : std::string("SIGINT or SIGTERM stops\n"));
  int signal_number = 0;
  if (args.duration_s > 0) {
    const timespec limit{static_cast<std::time_t>(args.duration_s), 0};
    signal_number = sigtimedwait(&stop_signals, nullptr, &limit);
  } else {
    sigwait(&stop_signals, &signal_number);
  }
  std::cerr << me
            << (signal_number == SIGINT    ? "SIGINT"
                : signal_number == SIGTERM ? "SIGTERM"
                                           : "--duration-s passed")
            << ", stopping\n";
  // Every exchange has ended (and been judged) once the server has stopped.
  server.Stop();

  const TimeUs end_us = clock.NowUs();
  std::vector<ns::checks::JudgedExchange> grouped;
  const ns::checks::ClientVerdict verdict =
      observer.Verdict({}, {}, log != nullptr || !args.recording.empty() ? &grouped : nullptr);
  if (log != nullptr) {
    log->SetScenario(spec.name);
    log->Write({{"kind", "run"},
                {"t_ms", 0},
                {"seed", spec.seed},
                {"mode", "proxy"},
                {"target", target.target()}});
    ns::scenarios::WriteClientLines(*log, grouped, verdict);
    log->Close();
    std::cerr << me << "log: " << log->Note() << "\n";
  }
  if (!args.recording.empty()) {
    const nlohmann::json header = {{"source", "proxy"},
                                   {"scenario", spec.name},
                                   {"seed", spec.seed},
                                   {"base_url", target.target()}};
    if (auto st = ns::scenarios::WriteDoorRecording(args.recording, header, grouped); !st.ok()) {
      std::cerr << me << "--recording: " << st.error().message << "\n";
      return kExitFailed;
    }
    std::cerr << me << "recording of " << grouped.size() << " request(s) in " << args.recording
              << " (notion-sim replay --recording " << args.recording << " SCENARIO)\n";
  }
  ns::scenarios::RunResult result = ns::scenarios::ClientVerdictResult(spec, verdict, end_us);
  result.base_url = server.BaseUrl();
  result.reproduce = "notion-sim proxy --target " + target.target() +
                     (args.scenario.empty() ? std::string() : " " + args.scenario) + " --seed " +
                     std::to_string(spec.seed);
  result.client->command = "traffic through notion-sim proxy to " + target.target();
  const ns::sim::FakeStats& stats = fake.stats();
  result.server_requests = stats.requests;
  result.server_faults_injected = stats.faults_injected;
  result.wall_time_ms = static_cast<double>(end_us) / 1e3;
  std::cout << ns::reports::SummaryLine(result) << "\n";
  if (recorder)
    std::cerr << me << recorder->recorded() << " exchange(s) recorded in " << args.record << "\n";
  const bool held = result.verdict == ns::checks::RunVerdict::kPass;
  if (!held) {
    std::cerr << "\n" << spec.name << " failed:\n";
    for (const auto& inv : result.checks.invariants) {
      if (!inv.held())
        std::cerr << "  invariant " << inv.name << ": " << inv.first_violation << "\n";
    }
  }
  if (!args.out_dir.empty()) {
    nlohmann::json j = ns::reports::ResultToJson(result);
    auto st = ns::reports::WriteJsonFile(args.out_dir + "/" + spec.name + ".result.json", j);
    if (st.ok()) {
      st =
          ns::reports::WriteJsonFile(args.out_dir + "/results.json", ns::reports::IndexToJson({j}));
    }
    if (!st.ok()) {
      std::cerr << me << st.error().message << "\n";
      return kExitFailed;
    }
    auto written = ns::reports::WriteReports({result}, args.out_dir);
    if (!written.ok()) {
      std::cerr << me << written.error().message << "\n";
      return kExitFailed;
    }
    std::cerr << me << "result, summary.md, junit.xml and " << spec.name << ".html in "
              << args.out_dir << "/\n";
  }
  return held ? kExitOk : kExitFailed;
}

}  // namespace

Command AddProxyCommand(CLI::App& app) {
  auto args = std::make_shared<ProxyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "proxy",
      "Stand in front of the real API (or another serve): forward every request to --target, "
      "apply a client scenario's faults, judge the traffic per token, optionally record the real "
      "answers (tokens redacted) for `conformance`. Stops on SIGINT/SIGTERM or after "
      "--duration-s; exit 0 held, 1 violated");
  cmd->add_option("--target", args->target,
                  "where requests go: https://api.notion.com, or another serve's base URL")
      ->required();
  cmd->add_option("scenario", args->scenario,
                  "a client scenario (scenarios/client/*.json): its faults and invariants "
                  "(default: no faults, every invariant with its defaults)");
  cmd->add_option("--port", args->port, "TCP port; 0 picks a free one (printed)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", args->bind, "address to listen on")->capture_default_str();
  cmd->add_option("--record", args->record,
                  "write every forwarded exchange to this JSON Lines file, tokens redacted");
  cmd->add_option("--log", args->log_file,
                  "write one JSON line per request and per judge decision to FILE at exit, grouped "
                  "into operations (notion-sim log FILE --op ID tells one's story)");
  cmd->add_option("--recording", args->recording,
                  "write the traffic at exit as a recording notion-sim replay --recording reads "
                  "(--record writes exchanges for conformance)");
  cmd->add_option("--out", args->out_dir,
                  "write the result, summary.md, junit.xml and HTML here at exit");
  cmd->add_option("--seed", args->seed, "override the scenario's seed (fault decisions)");
  cmd->add_option("--admin-token-env", args->admin_token_env,
                  "name of an environment variable holding a token the admin API requires");
  cmd->add_option("--max-hold-s", args->max_hold_s,
                  "upper bound of any injected delay, hang or stalled body, in seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--timeout-s", args->timeout_s, "time limit of each forwarded request")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--duration-s", args->duration_s,
                  "stop by itself after this many seconds (0: only on a signal)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  cmd->add_flag("--log-requests", args->log_requests, "one stderr line per request");
  return Command{cmd, [args] { return Proxy(*args); }};
}

}  // namespace notion_sim::cli
