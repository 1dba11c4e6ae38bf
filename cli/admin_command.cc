// notion-sim admin: a client for the admin API of `notion-sim serve`, as toxiproxy-cli is for
// Toxiproxy, so scripts and people need no curl lines:
//
//   notion-sim admin faults add '{"match": {"method": "POST"}, "trigger": {"first": 2},
//                                 "action": "respond", "status": 429, "retry_after_s": 1}'
//   notion-sim admin faults add plan.json        # a rule or {"faults": [...]}; - reads stdin
//   notion-sim admin faults list | clear [ID]
//   notion-sim admin journal --limit 20 --method POST
//   notion-sim admin ledger | verdict | health | reset
//
// --url (default $NOTION_SIM_URL, else http://127.0.0.1:7700, serve's default port) names the
// server. The admin token, when serve was started with --admin-token-env, is read from the
// environment variable --admin-token-env names (NOTION_SIM_ADMIN_TOKEN by default) and only goes
// into the Authorization header: never a flag's value, never printed. Human text by default;
// --json prints the server's answer (with "command" and "exit_code") as the one line of stdout.
// Exit 0 done, 1 `verdict` says the traffic broke an invariant, 2 bad input, an unreachable
// server or an error answer (its message is printed).
#include <curl/curl.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "notion_sim/engine/status.h"
#include "secrets.h"

namespace notion_sim::cli {
namespace {

namespace ns = notion_sim;
using nlohmann::json;

constexpr const char* kDefaultUrl = "http://127.0.0.1:7700";
constexpr const char* kDefaultTokenEnv = "NOTION_SIM_ADMIN_TOKEN";

struct AdminArgs {
  std::string url;
  std::string token_env;  // empty: NOTION_SIM_ADMIN_TOKEN if set
  Output out{"admin"};
  // faults add / clear
  std::string rule;
  std::string id;
  // journal / ledger
  std::size_t limit = 0;
  std::string method;
  std::string path;
  std::string operation;
  bool clear = false;
};

struct Answer {
  long status = 0;
  std::string body;
};

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// One request to the admin API. Errors name the URL and what to check; the token is only a header.
ns::Result<Answer> Request(const std::string& method, const std::string& url,
                           const std::string& token, const std::string& body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return ns::Error{ns::ErrorCode::kInternal, "libcurl failed to start"};
  struct curl_slist* raw_headers = nullptr;
  raw_headers = curl_slist_append(raw_headers, "Accept: application/json");
  if (!body.empty()) raw_headers = curl_slist_append(raw_headers, "Content-Type: application/json");
  if (!token.empty()) {
    raw_headers = curl_slist_append(raw_headers, ("Authorization: Bearer " + token).c_str());
  }
  std::unique_ptr<struct curl_slist, decltype(&curl_slist_free_all)> headers(raw_headers,
                                                                             curl_slist_free_all);
  Answer answer;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
  if (!body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return ns::InvalidInput("cannot reach " + url + ": " + curl_easy_strerror(rc) +
                            " (is notion-sim serve running there? --url or NOTION_SIM_URL names "
                            "it)");
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

class Client {
 public:
  Client(const AdminArgs& args, const std::string& command)
      : args_(args), out_(args.out.For(command)) {}

  // The server's JSON answer to METHOD /__admin/ROUTE, or the exit code after saying what failed.
  ns::Result<json> Call(const std::string& method, const std::string& route,
                        const std::string& body = "") const {
    std::string base = args_.url;
    if (base.empty()) {
      const char* env = std::getenv("NOTION_SIM_URL");
      base = env != nullptr && *env != '\0' ? env : kDefaultUrl;
    }
    if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) {
      return ns::InvalidInput("--url " + base +
                              ": expected http://HOST:PORT (where notion-sim serve listens)");
    }
    while (!base.empty() && base.back() == '/') base.pop_back();
    auto token = Token();
    if (!token.ok()) return token.error();
    auto answer = Request(method, base + "/__admin/" + route, *token, body);
    if (!answer.ok()) return answer.error();
    json doc = json::parse(answer->body, nullptr, false);
    if (answer->status == 401) {
      return ns::InvalidInput(
          "the server wants its admin token (401): put it in the environment variable " +
          ShownEnvName(args_.token_env.empty() ? kDefaultTokenEnv : args_.token_env) +
          (args_.token_env.empty() ? " or name another with --admin-token-env NAME" : ""));
    }
    if (answer->status == 404 && route == "verdict") {
      return ns::InvalidInput(
          "this server has no verdict endpoint (GET /__admin/verdict answered 404): it judges "
          "observed traffic only in a notion-sim serve that has it; use the same notion-sim "
          "version for serve and admin");
    }
    if (answer->status < 200 || answer->status >= 300) {
      const std::string message = doc.is_object() && doc.contains("message")
                                      ? doc["message"].get<std::string>()
                                      : "(no message)";
      return ns::InvalidInput(method + " /__admin/" + route + " answered " +
                              std::to_string(answer->status) + ": " + message);
    }
    if (doc.is_discarded() || !doc.is_object()) {
      return ns::InvalidInput(method + " /__admin/" + route +
                              " did not answer a JSON object: is --url a notion-sim serve?");
    }
    return doc;
  }
  const Output& out() const { return out_; }

 private:
  ns::Result<std::string> Token() const {
    const std::string name = args_.token_env.empty() ? kDefaultTokenEnv : args_.token_env;
    const char* value = std::getenv(name.c_str());
    if (value != nullptr && *value != '\0') return std::string(value);
    if (!args_.token_env.empty()) {
      return ns::InvalidInput("--admin-token-env: the environment variable " + ShownEnvName(name) +
                              " is not set or empty");
    }
    return std::string();
  }

  const AdminArgs& args_;
  Output out_;
};

// Finishes a command: the human text (under --json on stderr) and the JSON answer.
int Done(const Client& client, const json& answer, const std::string& text, int code = kExitOk) {
  client.out().text() << text;
  return client.out().Finish(code, answer);
}

std::string Seconds(const json& us) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(3);
  s << (us.is_number() ? us.get<double>() / 1e6 : 0.0) << " s";
  return s.str();
}

std::string RuleLine(const json& r) {
  std::ostringstream s;
  const std::string action = r.value("action", std::string("?"));
  s << "#" << r.value("id", 0) << " " << action;
  // The status is what the rule answers only for these; the others keep the default.
  if (r.contains("status") && (action == "respond" || action == "commit_then_503" ||
                               action == "html_edge" || action == "malformed_json")) {
    s << " " << r["status"].dump();
  }
  if (r.contains("name")) s << " \"" << r["name"].get<std::string>() << "\"";
  s << "  match " << r.value("match", json::object()).dump() << "  trigger "
    << r.value("trigger", json::object()).dump();
  if (r.contains("fired")) {
    s << "  matched " << r.value("matched", 0) << ", fired " << r.value("fired", 0);
  }
  return s.str() + "\n";
}

int FaultsList(const AdminArgs& args) {
  Client client(args, "admin faults list");
  auto answer = client.Call("GET", "faults");
  if (!answer.ok()) return client.out().BadInput(answer.error().message);
  std::string text;
  for (const json& r : answer->value("faults", json::array())) text += RuleLine(r);
  if (text.empty()) text = "no fault rules\n";
  return Done(client, *answer, text);
}

int FaultsAdd(const AdminArgs& args) {
  Client client(args, "admin faults add");
  std::string body = args.rule;
  const bool inline_json = body.find_first_not_of(" \t\r\n") != std::string::npos &&
                           body[body.find_first_not_of(" \t\r\n")] == '{';
  if (!inline_json) {
    const std::string name = body == "-" ? "standard input" : body;
    std::ifstream file;
    if (body != "-") {
      file.open(body, std::ios::binary);
      if (!file)
        return client.out().BadInput(name + ": cannot read (give a rule as JSON, a file or -)");
    }
    std::istream& in = body == "-" ? std::cin : file;
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto answer = client.Call("POST", "faults", body);
  if (!answer.ok()) return client.out().BadInput(answer.error().message);
  std::string text;
  for (const json& r : answer->value("added", json::array())) text += "added " + RuleLine(r);
  return Done(client, *answer, text);
}

int FaultsClear(const AdminArgs& args) {
  Client client(args, "admin faults clear");
  if (!args.id.empty() && args.id.find_first_not_of("0123456789") != std::string::npos) {
    return client.out().BadInput("ID " + args.id + ": expected a rule's number (faults list)");
  }
  auto answer = client.Call("DELETE", args.id.empty() ? "faults" : "faults/" + args.id);
  if (!answer.ok()) return client.out().BadInput(answer.error().message);
  return Done(client, *answer,
              "removed " + std::to_string(answer->value("removed", 0)) + " fault rule(s)\n");
}

// "?limit=5&method=POST" from the options given (values URL-escaped).
std::string Query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    char* escaped = curl_easy_escape(nullptr, value.c_str(), static_cast<int>(value.size()));
    q += (q.empty() ? "?" : "&") + key + "=" + (escaped != nullptr ? escaped : "");
    curl_free(escaped);
  }
  return q;
}

int Journal(const AdminArgs& args) {
  Client client(args, "admin journal");
  if (args.clear) {
    auto answer = client.Call("DELETE", "journal");
    if (!answer.ok()) return client.out().BadInput(answer.error().message);
    return Done(client, *answer, "journal cleared\n");
  }
  auto answer =
      client.Call("GET", "journal" + Query({{"limit", args.limit ? std::to_string(args.limit) : ""},
                                            {"method", args.method},
                                            {"path", args.path},
                                            {"operation", args.operation}}));
  if (!answer.ok()) return client.out().BadInput(answer.error().message);
  std::ostringstream text;
  for (const json& e : answer->value("entries", json::array())) {
    text << Seconds(e.value("at_us", json(0))) << "  " << e.value("method", std::string()) << " "
         << e.value("path", std::string()) << "  " << e.value("status", 0) << "  "
         << e.value("caller", std::string());
    if (e.contains("fault")) text << "  fault " << e["fault"].value("action", std::string());
    if (e.value("committed", false)) text << "  committed";
    text << "\n";
  }
  text << answer->value("count", 0) << " matching request(s) of " << answer->value("held", 0)
       << " held (" << answer->value("dropped", 0) << " dropped from the bounded journal)\n";
  return Done(client, *answer, text.str());
}

int Ledger(const AdminArgs& args) {
  Client client(args, "admin ledger");
  auto answer = client.Call(
      "GET", "ledger" + Query({{"limit", args.limit ? std::to_string(args.limit) : ""}}));
  if (!answer.ok()) return client.out().BadInput(answer.error().message);
  std::ostringstream text;
  for (const json& e : answer->value("entries", json::array())) {
    text << Seconds(e.value("at_us", json(0))) << "  " << e.value("operation", std::string()) << " "
         << e.value("object", std::string()) << "  tenant " << e.value("tenant", 0);
    if (e.value("op_id", 0) != 0) text << "  op " << e.value("op_id", 0);
    if (e.value("injected_loss", false)) text << "  (response lost by a fault)";
    text << "\n";
  }
  text << answer->value("count", 0) << " committed write(s)\n";
  return Done(client, *answer, text.str());
}

// The verdict on the traffic serve observed so far. Its shape is the server's; this reads the
// overall "held" (or "verdict": "pass"/"fail") and each invariant's name and first violation.
int Verdict(const AdminArgs& args) {
  Client client(args, "admin verdict");
  auto answer = client.Call("GET", "verdict");
  if (!answer.ok()) return client.out().BadInput(answer.error().message);
  const json& a = *answer;
  std::optional<bool> held;
  if (a.contains("held") && a["held"].is_boolean()) held = a["held"].get<bool>();
  if (!held && a.contains("verdict") && a["verdict"].is_string()) {
    const std::string v = a["verdict"].get<std::string>();
    if (v == "pass" || v == "held") held = true;  // "held"/"violated": notion-sim test's judge
    if (v == "fail" || v == "violated") held = false;
  }
  std::ostringstream text;
  for (const json& i : a.value("invariants", json::array())) {
    if (!i.is_object()) continue;
    const bool ok = i.value("held", i.value("violations", 0) == 0);
    text << (ok ? "  held      " : "  VIOLATED  ") << i.value("name", std::string("?"));
    if (!ok && i.contains("first_violation")) text << ": " << i["first_violation"].dump();
    text << "\n";
  }
  if (!held) {
    return client.out().BadInput("GET /__admin/verdict answered without \"held\" or \"verdict\": " +
                                 a.dump());
  }
  text << "verdict: " << (*held ? "all held" : "FAIL") << "\n";
  return Done(client, a, text.str(), *held ? kExitOk : kExitFailed);
}

int Health(const AdminArgs& args) {
  Client client(args, "admin health");
  auto answer = client.Call("GET", "health");
  if (!answer.ok()) return client.out().BadInput(answer.error().message);
  return Done(client, *answer, answer->dump(2) + "\n");
}

int Reset(const AdminArgs& args) {
  Client client(args, "admin reset");
  auto answer = client.Call("POST", "reset");
  if (!answer.ok()) return client.out().BadInput(answer.error().message);
  return Done(client, *answer, "reset: workspace, faults, journal and ledger back to the start\n");
}

}  // namespace

Command AddAdminCommand(CLI::App& app) {
  auto args = std::make_shared<AdminArgs>();
  CLI::App* admin = app.add_subcommand(
      "admin",
      "Drive a running notion-sim serve through its admin API: fault rules, journal, ledger, "
      "verdict, health, reset. Exit 0 done, 1 the verdict failed, 2 bad input or an error "
      "answer");
  admin->require_subcommand(1);
  admin->fallthrough();
  admin->add_option("--url", args->url,
                    "Where serve listens (default $NOTION_SIM_URL, else http://127.0.0.1:7700)");
  admin->add_option("--admin-token-env", args->token_env,
                    "Environment variable holding serve's admin token (default "
                    "NOTION_SIM_ADMIN_TOKEN, when set)");
  args->out.AddFlags(admin, /*quiet=*/false);

  std::vector<std::pair<CLI::App*, std::function<int(const AdminArgs&)>>> leaves;
  CLI::App* faults = admin->add_subcommand("faults", "Fault rules: add, list, clear");
  faults->require_subcommand(1);
  faults->fallthrough();
  CLI::App* add = faults->add_subcommand(
      "add", "Add a rule ({\"action\": ...}) or a plan ({\"faults\": [...]}): all or nothing");
  add->add_option("rule", args->rule, "The rule as JSON, a file holding it, or - for stdin")
      ->required();
  leaves.emplace_back(add, FaultsAdd);
  leaves.emplace_back(faults->add_subcommand("list", "List the rules, with how often each fired"),
                      FaultsList);
  CLI::App* clear = faults->add_subcommand("clear", "Remove every rule, or the one numbered ID");
  clear->add_option("id", args->id, "A rule's number (faults list)");
  leaves.emplace_back(clear, FaultsClear);
  CLI::App* journal =
      admin->add_subcommand("journal", "The newest requests serve answered (tokens redacted)");
  journal->add_option("--limit", args->limit, "At most this many (newest)");
  journal->add_option("--method", args->method, "Only this method (GET, POST, PATCH, DELETE)");
  journal->add_option("--path", args->path, "Only paths matching this glob (/v1/pages*)");
  journal->add_option("--operation", args->operation, "Only this operation (create_page, ...)");
  journal->add_flag("--clear", args->clear, "Empty the journal instead");
  leaves.emplace_back(journal, Journal);
  CLI::App* ledger =
      admin->add_subcommand("ledger", "Committed writes, with the operation that caused each");
  ledger->add_option("--limit", args->limit, "At most this many (newest; default 1000)");
  leaves.emplace_back(ledger, Ledger);
  leaves.emplace_back(
      admin->add_subcommand("verdict",
                            "The verdict on the traffic serve observed so far (exit 1 when an "
                            "invariant broke)"),
      Verdict);
  leaves.emplace_back(admin->add_subcommand("health", "The server's counters and state"), Health);
  leaves.emplace_back(
      admin->add_subcommand("reset", "Back to the start: workspace, faults, journal, ledger"),
      Reset);
  return Command{admin, [args, leaves] {
                   for (const auto& [cmd, run] : leaves) {
                     if (cmd->parsed()) return run(*args);
                   }
                   return kExitBadInput;
                 }};
}

}  // namespace notion_sim::cli
