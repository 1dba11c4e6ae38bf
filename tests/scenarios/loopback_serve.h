// A test fixture for live runs: the fake Notion's HTTP door on 127.0.0.1 (port picked by the
// kernel) with one known token and the default serve workspace, a fresh temporary directory per
// test, and a look at the server's ledger. Holds (hang, stall) are capped at 5 s; the server's
// request log is kept for checks. Test-only.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "notion_sim/engine/ledger.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_server.h"

namespace notion_sim::testing {

class LoopbackServe : public ::testing::Test {
 protected:
  explicit LoopbackServe(std::string token, std::uint64_t seed)
      : token_(std::move(token)), seed_(seed) {}

  void SetUp() override {
    sim::FakeConfig config;
    config.workspace = sim::DefaultServeWorkspace(seed_);
    sim::TokenSpec t;
    t.token = token_;
    t.name = "integration";
    config.workspace.tokens.push_back(t);
    fake_ = std::make_unique<sim::FakeNotion>(clock_, engine::Rng(seed_).Fork("fake"), nullptr,
                                              std::move(config));
    auto root = sim::CreateRootPage(*fake_, token_);
    ASSERT_TRUE(root.ok()) << root.error().message;
    root_page_ = root->ToString();
    sim::HttpServerOptions options;
    options.max_hold_us = Sec(5);
    options.admin_token = admin_token_;
    options.observer = observer_;
    options.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      server_log_ += std::string(line) + "\n";
    };
    server_ = std::make_unique<sim::HttpServer>(*fake_, options);
    ASSERT_TRUE(server_->Start().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("nsim-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  // Writes the scenario document to DIR/NAME.json and returns the path.
  std::string WriteScenario(const nlohmann::json& j) {
    const std::string path = (dir_ / (j.at("name").get<std::string>() + ".json")).string();
    std::ofstream(path) << j.dump(2);
    return path;
  }
  // Creates of the workload committed on the server, by op id (op id 0 is a run's own set-up).
  std::map<std::uint64_t, int> CreatesByOp() {
    return server_->WithCore([](sim::FakeNotion& f) {
      std::map<std::uint64_t, int> n;
      for (const engine::LedgerEntry& e : f.ledger()) {
        if (e.operation == engine::Operation::kCreatePage && e.op_id != 0) ++n[e.op_id];
      }
      return n;
    });
  }
  std::string ServerLog() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return server_log_;
  }

  std::string token_;
  std::uint64_t seed_;
  std::string admin_token_;                   // set before SetUp: the admin API then needs it
  sim::TrafficObserver* observer_ = nullptr;  // set before SetUp: sees every API exchange
  sim::SteadyClock clock_;
  std::unique_ptr<sim::FakeNotion> fake_;
  std::unique_ptr<sim::HttpServer> server_;
  std::string root_page_;
  std::filesystem::path dir_;

 private:
  std::mutex log_mu_;
  std::string server_log_;
};

}  // namespace notion_sim::testing
