// `notion-sim test`: a team's real integration, any language, judged under a client scenario.
//
//   ClientTestOptions o;
//   o.command = {"node", "sync.js"};
//   o.out_dir = "out";
//   Result<RunResult> r = RunClientTest(spec, o);   // r->verdict, r->client, r->checks
//
// RunClientTest starts the fake on 127.0.0.1 (a free port) with the scenario's workspace,
// tenants, rate limits and faults (fault windows count real seconds from now), makes a root page,
// and runs the command `runs` times, `concurrency` copies at a time, each within `duration_s`
// (then SIGTERM to its process group, SIGKILL 2 s later). The command's environment is this
// process's without any NOTION_* variable (a real token in the shell never reaches it), plus:
//   NOTION_BASE_URL        http://127.0.0.1:PORT (no trailing slash: the SDK's baseUrl)
//   NOTION_TOKEN           the first tenant's token; NOTION_TOKEN_2, ... the others'
//   NOTION_DATA_SOURCE_ID  the first data source;  NOTION_DATABASE_ID  its database
//   NOTION_PAGE_ID         the root page (a parent for pages and blocks)
//   NOTION_SIM_RUN, NOTION_SIM_COPY   which run and which copy this is (1-based), and
//   NOTION_SIM_COPIES                 how many copies run at once
//   and the scenario's client.env.
// Each run's stdout and stderr go to OUT/NAME.run<R>[.copy<C>].stdout|stderr. Every API request is
// judged (checks::ClientJudge) from the door's side, per token; after the last run the server
// stops, the `expect` assertions are read from the fake's final state, and the result carries the
// invariants, the traffic (as metrics: requests, 429s, 5xx, no answers, injected faults, a time
// series), the runs and the command. Blocks for the runs' duration. Not thread-safe.
//
// ClientObserver is the same judge behind the HTTP door's observer seam, for `notion-sim serve`'s
// admin API (POST /__admin/scenario, GET /__admin/verdict) as well as for RunClientTest.
#pragma once

#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "notion_sim/checks/client_judge.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/scenarios/client_scenario.h"
#include "notion_sim/scenarios/event_log.h"
#include "notion_sim/scenarios/run.h"
#include "notion_sim/simulator/traffic_observer.h"

namespace notion_sim::scenarios {

// The exchange as the judge reads it: the token by its journal name, the Retry-After header
// parsed (engine::ParseRetryAfter: seconds or an HTTP-date, the date read against the wall clock
// at the answer) into the time it names on the fake's clock.
checks::ObservedExchange ToObservedExchange(const sim::DoorExchange& exchange);

// A ClientJudge fed by the HTTP door. Thread-safe: the door calls it from its serving threads.
class ClientObserver final : public sim::TrafficObserver {
 public:
  // Inactive observers ignore traffic (serve before a scenario is loaded).
  explicit ClientObserver(checks::ClientJudgeConfig config, bool active = true);
  void OnExchange(const sim::DoorExchange& exchange) override;
  // Forgets what was observed and judges from now on with `config`.
  void Restart(checks::ClientJudgeConfig config);
  bool active() const;
  std::size_t observed() const;
  // `grouped`: see ClientJudge::Verdict (its pointers hold while nothing more is observed).
  checks::ClientVerdict Verdict(const std::vector<checks::CommandOutcome>& runs = {},
                                const std::vector<checks::ExpectOutcome>& expects = {},
                                std::vector<checks::JudgedExchange>* grouped = nullptr) const;

 private:
  mutable std::mutex mu_;
  checks::ClientJudge judge_;
  bool active_;
};

struct ClientTestOptions {
  std::vector<std::string> command;  // argv; argv[0] is looked up on PATH when it has no '/'
  std::string out_dir = "out";       // the runs' stdout and stderr files go here
  std::ostream* progress = nullptr;  // a line per run; null: quiet
  // The door's one line per request (method, path, status, fault; never a token): where a
  // request log (`--log FILE`) attaches. Called on the serving threads; may be empty.
  std::function<void(std::string_view line)> request_log;
  // `--log FILE`: the traffic's attempt lines and the judge's decisions (WriteClientLines), after
  // the last run; null: none.
  EventLog* log = nullptr;
  // `--recording FILE`: the traffic as a recording `notion-sim replay --recording` reads
  // (WriteDoorRecording), after the last run; empty: none.
  std::string recording_path;
};

// Checks what can be checked before starting anything: the command is not empty and can be
// found, the output directory can be made (kInvalidInput names what is wrong).
Status CheckClientTest(const ClientScenario& spec, const ClientTestOptions& options);

Result<RunResult> RunClientTest(const ClientScenario& spec, const ClientTestOptions& options);

// A client result from a verdict (the scenario's fields, the traffic as metrics, the invariants and
// the verdict, the tokens' traffic in `client`), for `test` and `proxy`; the caller adds its
// base URL, reproducing command, runs, expectations and the server's counters. Pure.
RunResult ClientVerdictResult(const ClientScenario& spec, const checks::ClientVerdict& verdict,
                              TimeUs end_us);

// The command as one shell-quoted line ("node 'my sync.js'").
std::string ShellQuote(const std::vector<std::string>& argv);

// The `expect` assertions against a fake's state, read through its HTTP door in-process with
// `token` (faults set aside meanwhile; the reads are journaled and spend the token's budget). Not
// thread-safe: call with the server stopped, or inside HttpServer::WithCore.
std::vector<checks::ExpectOutcome> EvaluateExpectations(sim::FakeNotion& fake,
                                                        const std::vector<ExpectSpec>& expect,
                                                        const std::string& token);

}  // namespace notion_sim::scenarios
