// Runs the bad-input catalogue (tests/bad_input/catalogue.json) against the real notion-sim
// binary. Every case feeds one broken thing -- a scenario file, a fault plan for `serve --faults`,
// a command line, or an HTTP request to `notion-sim serve` -- and states what must come back: exit
// 2 and the substrings the output must hold (file, JSON path, flag...), files that must stay
// untouched, or Notion's status, `code` and message substrings. Every child runs under a timeout;
// serve listens on port 0 and is killed at the end. A case id given in NSIM_BAD_INPUT_CASE runs
// alone.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_test_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using notion_sim::httptest::BannerField;
using notion_sim::httptest::ChildProcess;
using notion_sim::httptest::Fetch;
using notion_sim::httptest::HttpCall;
using notion_sim::httptest::HttpReply;

constexpr long kProcessTimeoutMs = 15000;
constexpr long kServeFailTimeoutMs = 5000;  // a serve that should refuse its input and exit

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class Runner {
 public:
  Runner(std::string binary, fs::path src, fs::path work)
      : binary_(std::move(binary)), src_(std::move(src)), work_(std::move(work)) {
    vars_["src"] = src_.string();
    vars_["sample"] = (src_ / "scenarios/library/steady_budget.json").string();
    // 100,000 nested arrays (200 KB): the input that once overflowed the stack of every JSON door.
    // Arguments get 50,000 (one argv string may not exceed 128 KB).
    vars_["deep_array"] = std::string(100'000, '[') + std::string(100'000, ']');
    vars_["deep_array_arg"] = std::string(50'000, '[') + std::string(50'000, ']');
  }

  // {name} -> its value; unknown names stay as they are (JSON bodies are full of braces).
  std::string Sub(const std::string& text) const {
    static const std::regex kVar(R"(\{(\w+)\})");
    std::string out;
    auto begin = std::sregex_iterator(text.begin(), text.end(), kVar);
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      const auto found = vars_.find((*it)[1].str());
      out += text.substr(last, it->position() - last);
      out += found != vars_.end() ? found->second : it->str();
      last = it->position() + it->length();
    }
    return out + text.substr(last);
  }

  // Returns the output shown when the case fails; adds one gtest failure per unmet expectation.
  std::string Run(const json& c) {
    const std::string kind = c.at("kind");
    if (kind == "http") return RunHttp(c);
    return RunProcess(c);
  }

 private:
  void WriteFiles(const fs::path& dir, const json& files) {
    for (const auto& [name, body] : files.items()) {
      WriteAll(dir / name, Sub(body.is_string() ? body.get<std::string>() : body.dump(2)));
    }
  }

  std::string RunProcess(const json& c) {
    const std::string kind = c.at("kind");
    const fs::path dir = work_ / c.at("id").get<std::string>();
    fs::create_directories(dir);
    json files = c.value("files", json::object());
    std::vector<std::string> args;
    long timeout_ms = kProcessTimeoutMs;
    if (kind == "scenario") {
      const std::string name = c.value("file", "scenario.json");
      files[name] = c.at("body");
      args = {c.value("command", "validate"), name};
      for (const auto& a : c.value("args", json::array())) args.push_back(a);
    } else if (kind == "faults") {
      files["faults.json"] = c.at("body");
      args = {"serve", "--port", "0", "--faults", "faults.json"};
      timeout_ms = kServeFailTimeoutMs;
    } else {
      EXPECT_EQ(kind, "cli") << "unknown kind";
      for (const auto& a : c.at("args")) args.push_back(Sub(a.get<std::string>()));
    }
    WriteFiles(dir, files);
    const json& expect = c.at("expect");
    std::map<std::string, std::string> before;
    for (const auto& name : expect.value("unchanged", json::array())) {
      before[name] = ReadAll(dir / name.get<std::string>());
    }
    // env(1) gives the child its working directory and removes variables (ChildProcess adds
    // variables only).
    std::vector<std::string> argv = {"/usr/bin/env", "-C", dir.string()};
    for (const auto& name : c.value("unset_env", json::array())) {
      argv.push_back("-u");
      argv.push_back(name);
    }
    const json env = c.value("env", json::object());
    for (const auto& [name, value] : env.items()) {
      argv.push_back(name + "=" + Sub(value.get<std::string>()));
    }
    argv.push_back(binary_);
    argv.insert(argv.end(), args.begin(), args.end());
    std::optional<ChildProcess> child = ChildProcess::Start(argv);
    if (!child) {
      ADD_FAILURE() << "could not start " << binary_;
      return "";
    }
    const std::optional<int> code = child->Wait(timeout_ms);
    // ReadLine(0) would only hand back what was already read: a timeout lets it drain the pipe
    // (it returns at once when the child has exited and nothing is left).
    if (code) {
      while (child->ReadLine(1000)) {
      }
    }
    std::string output = child->stdout_text() + child->Stderr();
    if (!code) {
      ADD_FAILURE() << "no exit within " << timeout_ms << " ms (or killed by a signal)";
    } else {
      EXPECT_EQ(*code, expect.value("exit", 2)) << "exit code";
    }
    for (const auto& s : expect.value("stderr", json::array())) {
      EXPECT_NE(output.find(s.get<std::string>()), std::string::npos)
          << "output lacks " << s.dump();
    }
    for (const auto& [name, content] : before) {
      EXPECT_TRUE(fs::exists(dir / name) && ReadAll(dir / name) == content)
          << name << " was changed or removed";
    }
    return output;
  }

  void StartServe() {
    std::optional<ChildProcess> started =
        ChildProcess::Start({binary_, "serve", "--port", "0", "--seed", "3"});
    ASSERT_TRUE(started.has_value()) << "could not start notion-sim serve";
    serve_.emplace(std::move(*started));
    const std::optional<std::string> banner = serve_->ReadLine(kProcessTimeoutMs);
    ASSERT_TRUE(banner.has_value()) << "serve printed no banner: " << serve_->Stderr();
    const std::smatch m = [&] {
      std::smatch found;
      std::regex_search(*banner, found, std::regex(R"(http://127\.0\.0\.1:\d+)"));
      return found;
    }();
    ASSERT_FALSE(m.empty()) << *banner;
    vars_["url"] = m.str();
    for (const char* key : {"token", "root_page", "database", "data_source"}) {
      vars_[key] = BannerField(*banner, key);
      ASSERT_FALSE(vars_[key].empty()) << key << " missing from " << *banner;
    }
  }

  std::string RunHttp(const json& c) {
    if (!serve_) StartServe();
    if (!serve_) return "";
    std::map<std::string, std::optional<std::string>> headers = {
        {"Authorization", "Bearer {token}"},
        {"Notion-Version", "2025-09-03"},
        {"Content-Type", "application/json"}};
    const json overrides = c.value("headers", json::object());
    for (const auto& [name, value] : overrides.items()) {
      headers[name] = value.is_null() ? std::nullopt : std::optional<std::string>(value);
    }
    HttpCall call;
    call.method = c.value("method", "GET");
    call.url = vars_["url"] + Sub(c.at("path"));
    call.timeout_ms = kProcessTimeoutMs;
    if (c.contains("body")) {
      const json& body = c.at("body");
      call.body = Sub(body.is_string() ? body.get<std::string>() : body.dump());
    }
    for (const auto& [name, value] : headers) {
      if (value) call.headers.push_back(name + ": " + Sub(*value));
    }
    const HttpReply reply = Fetch(call);
    const json& expect = c.at("expect");
    EXPECT_TRUE(reply.ok()) << reply.curl_error;
    EXPECT_EQ(reply.status, expect.at("status").get<long>()) << "HTTP status";
    const json answer = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(answer.is_object()) << "the answer is not a JSON object";
    if (!answer.is_object()) return reply.body;
    EXPECT_EQ(answer.value("object", ""), "error");
    EXPECT_EQ(answer.value("status", 0L), expect.at("status").get<long>()) << "body status";
    EXPECT_EQ(answer.value("code", ""), expect.at("code").get<std::string>()) << "Notion code";
    const std::string message = answer.value("message", "");
    for (const auto& s : expect.value("message", json::array())) {
      EXPECT_NE(message.find(s.get<std::string>()), std::string::npos)
          << "message lacks " << s.dump();
    }
    return reply.body;
  }

  std::string binary_;
  fs::path src_;
  fs::path work_;
  std::map<std::string, std::string> vars_;
  std::optional<ChildProcess> serve_;  // killed by its destructor
};

TEST(BadInput, EveryCaseGivesItsError) {
  const fs::path src = NSIM_SOURCE_DIR;
  const fs::path work = NSIM_WORK_DIR;
  fs::remove_all(work);
  fs::create_directories(work);
  const json catalogue = json::parse(ReadAll(src / "tests/bad_input/catalogue.json"));
  const json& cases = catalogue.at("cases");
  const char* only = std::getenv("NSIM_BAD_INPUT_CASE");

  std::set<std::string> ids;
  std::map<std::string, int> kinds;
  for (const json& c : cases) {
    EXPECT_TRUE(ids.insert(c.at("id").get<std::string>()).second) << "duplicate id " << c["id"];
    ++kinds[c.at("kind").get<std::string>()];
  }
  EXPECT_GE(cases.size(), 50u);
  for (const char* kind : {"scenario", "faults", "cli", "http"}) {
    EXPECT_GE(kinds[kind], 5) << "too few cases of kind " << kind;
  }

  Runner runner(NSIM_CLI_PATH, src, work);
  for (const json& c : cases) {
    const std::string id = c.at("id");
    if (only != nullptr && id != only) continue;
    SCOPED_TRACE("case " + id);
    const int parts_before =
        ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
    std::string output;
    try {
      output = runner.Run(c);
    } catch (const std::exception& e) {  // a harness error fails the case, never skips it
      ADD_FAILURE() << "harness: " << e.what();
    }
    const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
    bool failed = false;
    for (int i = parts_before; i < result->total_part_count(); ++i) {
      failed = failed || result->GetTestPartResult(i).failed();
    }
    if (failed) std::cout << "FAIL " << id << "\n  output: " << output << "\n";
  }
  std::cout << cases.size() << " cases:";
  for (const auto& [kind, n] : kinds) std::cout << " " << kind << " " << n;
  std::cout << "\n";
}

}  // namespace
