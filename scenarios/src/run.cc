#include "notion_sim/scenarios/run.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/policies/error_budget.h"
#include "notion_sim/policies/health.h"
#include "notion_sim/policies/stack_config.h"
#include "notion_sim/scenarios/recording.h"
#include "notion_sim/scenarios/workload.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/in_process.h"
#include "scenario_client.h"
#include "webhook_consumer.h"
#include "world.h"

namespace notion_sim::scenarios {
namespace {

// The ids the workload aims at, read the way a client would: through the API of a fresh fake with
// the same seed and workspace (ids depend only on those), without faults.
Result<WorkloadTargets> DiscoverTargets(const ScenarioSpec& spec, const sim::FakeConfig& config,
                                        engine::Rng rng) {
  engine::ManualClock clock;
  sim::FakeConfig clean = config;
  clean.faults.Clear();
  sim::FakeNotion fake(clock, rng, nullptr, clean);
  WorkloadTargets targets;
  const std::vector<engine::ObjectId> sources = fake.data_sources();
  if (sources.empty()) return Error{ErrorCode::kInternal, "the workspace has no data source"};
  targets.data_source = sources.front();
  targets.users = fake.users();
  const std::string token = spec.tenants.front().token;
  const std::string path = "/v1/data_sources/" + targets.data_source.ToString() + "/query";
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    nlohmann::json body = {{"page_size", 100}};
    if (!cursor.empty()) body["start_cursor"] = cursor;
    const std::string text = body.dump();
    sim::HttpRequestView view;
    view.method = "POST";
    view.path = path;
    view.header = [&token](std::string_view name) -> std::optional<std::string> {
      if (name == "authorization" || name == "Authorization") return "Bearer " + token;
      if (name == "notion-version" || name == "Notion-Version") return std::string("2025-09-03");
      if (name == "content-type" || name == "Content-Type") return std::string("application/json");
      return std::nullopt;
    };
    view.body = text;
    clock.Advance(Sec(1));
    const sim::Answer answer = fake.HandleHttp(view);
    if (answer.response.status != 200) {
      return Error{ErrorCode::kInternal,
                   "discovering the workspace's pages failed: " + answer.body};
    }
    const nlohmann::json j = nlohmann::json::parse(answer.body);
    for (const auto& r : j.at("results")) {
      if (auto id = engine::ObjectId::Parse(r.at("id").get<std::string>())) {
        targets.pages.push_back(*id);
      }
    }
    if (!j.value("has_more", false) || !j.at("next_cursor").is_string()) break;
    cursor = j.at("next_cursor").get<std::string>();
  }
  targets.blocks = targets.pages;
  return targets;
}

std::string Reproduce(const ScenarioSpec& spec) {
  return "notion-sim run " + spec.path + " --seed " + std::to_string(spec.seed);
}

}  // namespace

void CountServer(const sim::FakeNotion& fake, RunResult& result) {
  const sim::FakeStats& stats = fake.stats();
  result.server_requests = stats.requests;
  result.server_writes = stats.writes;
  result.server_faults_injected = stats.faults_injected;
  result.server_rate_limited = stats.rate_limited;
  result.server_pages = fake.page_count();
}

Result<RunResult> RunScenario(const ScenarioSpec& spec, const SimOptions& options) {
  if (spec.replay && !options.replay) {  // the file's own recording, unless one is given
    SimOptions replayed = options;
    SimOptions recorded = ReplayOptions(*spec.replay);
    replayed.replay = std::move(recorded.replay);
    replayed.replay_key = recorded.replay_key;
    replayed.replay_client_view = recorded.replay_client_view;
    replayed.replay_targets = recorded.replay_targets;
    return RunScenario(spec, replayed);
  }
  auto sections = PrepareSections(spec);
  if (!sections.ok()) return sections.error();
  Sections& s = sections.value();
  // A webhook trigger's items come from the fake's deliveries to the scenario's subscriptions
  // (or, in tests, from options.webhook_events).
  for (const WorkflowSpec& wf : spec.workflows) {
    if (wf.trigger != TriggerKind::kWebhook || !options.webhook_events.empty()) continue;
    const auto& subs = s.fake.webhooks.subscriptions;
    const bool delivered = std::any_of(subs.begin(), subs.end(), [&](const auto& sub) {
      return sub.event_types.empty() || std::find(sub.event_types.begin(), sub.event_types.end(),
                                                  wf.event) != sub.event_types.end();
    });
    if (!delivered) {
      return InvalidInput(spec.path + ": workflow \"" + wf.name + "\" is triggered by webhook \"" +
                          wf.event + "\" events, but no subscription in \"webhooks\" receives " +
                          "them: subscribe an endpoint to \"" + wf.event + "\"");
    }
  }
  engine::Rng root(spec.seed);
  auto targets = DiscoverTargets(spec, s.fake, root.Fork("simulator"));
  if (!targets.ok()) return targets.error();
  if (options.replay_targets) {
    auto keep = [](std::vector<engine::ObjectId>& ids, std::size_t n) {
      if (n > 0 && n < ids.size()) ids.resize(n);
    };
    keep(targets->pages, options.replay_targets->pages);
    keep(targets->blocks, options.replay_targets->blocks);
    keep(targets->users, options.replay_targets->users);
  }
  if (options.replay) s.fake.faults.SetReplay(*options.replay, options.replay_key);
  if (options.replay_client_view) {
    s.network = sim::NetworkModel::Fixed(0, 0);
    s.fake.workspace.rate_limits.mode = sim::RateLimitMode::kOff;
  }

  engine::SimLoop loop;
  // One calendar for the run: the workspace's epoch, on which the fake dates its headers and the
  // stack reads them.
  loop.set_epoch_unix_us(s.fake.workspace.epoch_unix_s * kUsPerSec);
  Observers observers(spec, s);
  engine::Trace& trace = observers.trace;
  if (options.observer != nullptr) trace.AddSink(options.observer);
  sim::FakeNotion fake(loop, root.Fork("simulator"), &trace, s.fake);
  sim::InProcessTransport transport(loop, fake, s.network, root.Fork("network"), &trace);
  // Logging only observes (a sink and a tap); without a log neither exists.
  std::unique_ptr<RunLogger> logger;
  std::unique_ptr<AttemptTap> tap;
  engine::Transport* stack_transport = &transport;
  if (options.log != nullptr) {
    options.log->SetScenario(spec.name);
    options.log->Write({{"kind", "run"}, {"t_ms", 0}, {"seed", spec.seed}, {"mode", "sim"}});
    logger = std::make_unique<RunLogger>(*options.log);
    trace.AddSink(logger.get());
    tap = std::make_unique<AttemptTap>(
        transport, loop,
        [&loop, l = logger.get()](const engine::Request& q, const engine::Response& r,
                                  TimeUs sent_us) { l->OnAttempt(q, r, sent_us, loop.NowUs()); });
    stack_transport = tap.get();
  }
  std::unique_ptr<engine::Client> notion =
      policies::BuildStack(s.stack, loop, trace, *stack_transport, root.Fork("stack"));
  WorkflowClients flows = BuildWorkflowClients(spec, s, observers, loop, *stack_transport, root);
  ScenarioClient client(spec, loop, trace, *notion, flows.upstream.get(), flows.StepPointers(),
                        targets->data_source, s.stack.retry.deadline_us);
  // Webhook subscriptions: the integration behind the endpoint answers on the loop and fetches
  // what each event names, through the same stack, or hands the event to the workflows it
  // triggers.
  std::unique_ptr<WebhookConsumer> consumer;
  if (fake.webhooks().active()) {
    WebhookConsumer::Workflows workflows;
    if (std::any_of(spec.workflows.begin(), spec.workflows.end(),
                    [](const WorkflowSpec& wf) { return wf.trigger == TriggerKind::kWebhook; })) {
      workflows = [&client](const sim::WebhookDelivery& d) {
        return client.OnWebhook(d.type, d.entity) > 0;
      };
    }
    consumer = std::make_unique<WebhookConsumer>(
        loop, fake.webhooks(), *notion, root.Fork("webhooks.consumer"), std::move(workflows));
    fake.SetChangeSink([c = consumer.get()](const sim::Change&) { c->Wake(); });
  }
  ScenarioWorkload workload(spec, targets.value(), root.Fork("workload"));
  engine::Runner runner(loop, trace, workload, client);
  for (const WebhookEvent& event : options.webhook_events) {
    const std::vector<engine::ObjectId>& pages = targets->pages;
    if (pages.empty()) break;
    loop.ScheduleAt(event.at_us, [&client, &event, &pages] {
      (void)client.OnWebhook(event.type, pages[event.page % pages.size()]);
    });
  }

  engine::RunSummary summary =
      runner.Run(engine::RunOptions{spec.duration_us, spec.drain_limit_us});
  if (!summary.status.ok()) return summary.status.error();
  RunResult result =
      Conclude(spec, s, observers, client, std::move(summary), loop.NowUs(), &fake.ledger());
  if (options.ledger) options.ledger(fake.ledger());
  result.reproduce = Reproduce(spec);
  if (options.replay) {
    result.reproduce += " (replayed with recorded fault decisions: notion-sim replay)";
  }
  CountServer(fake, result);
  if (consumer) result.webhooks = consumer->Result();
  return result;
}

}  // namespace notion_sim::scenarios
