// `notion-sim serve` as a child process: port 0 and the banner, a request through the printed URL
// and token, clean exits on SIGTERM and SIGINT, --faults errors with file:line:col (exit 2), and
// no token in the logs. Every wait is bounded; a child still running at the end is killed.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http_test_util.h"

namespace notion_sim::httptest {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr long kStartMs = 10'000;
constexpr long kExitMs = 10'000;

std::string TempFile(const std::string& name, const std::string& text) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nsim_serve_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> ServeArgs(std::vector<std::string> extra) {
  std::vector<std::string> argv = {NSIM_CLI_PATH, "serve", "--port", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::string UrlOf(const std::string& banner) {
  const std::size_t at = banner.find("http://");
  if (at == std::string::npos) return "";
  const std::size_t end = banner.find(' ', at);
  return banner.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST(ServeCliTest, PortZeroBannerRequestAndSigterm) {
  auto child = ChildProcess::Start(ServeArgs({"--seed", "5"}));
  ASSERT_TRUE(child.has_value());
  const auto banner = child->ReadLine(kStartMs);
  ASSERT_TRUE(banner.has_value()) << child->Stderr();
  EXPECT_THAT(*banner, HasSubstr("notion-sim serve: listening on http://127.0.0.1:"));
  const std::string url = UrlOf(*banner);
  ASSERT_FALSE(url.empty()) << *banner;
  EXPECT_NE(url, "http://127.0.0.1:0");
  const std::string token = BannerField(*banner, "token");
  ASSERT_FALSE(token.empty()) << *banner;
  const std::string root_page = BannerField(*banner, "root_page");
  const std::string data_source = BannerField(*banner, "data_source");
  EXPECT_EQ(root_page.size(), 36u) << *banner;
  EXPECT_EQ(data_source.size(), 36u) << *banner;

  NotionClient client(url, token);
  EXPECT_EQ(client.Get("/v1/users/me").status, 200);
  EXPECT_EQ(client.Get("/v1/pages/" + root_page).status, 200);
  EXPECT_EQ(client.Post("/v1/data_sources/" + data_source + "/query", json::object()).status, 200);
  EXPECT_EQ(client.Admin("GET", "/__admin/health").status, 200);

  EXPECT_EQ(child->SignalAndWait(SIGTERM, kExitMs), 0) << child->Stderr();
  EXPECT_THAT(child->Stderr(), HasSubstr("SIGTERM, stopping"));
}

TEST(ServeCliTest, SameSeedSameTokenAndIds) {
  std::string first;
  for (int run = 0; run < 2; ++run) {
    auto child = ChildProcess::Start(ServeArgs({"--seed", "42"}));
    ASSERT_TRUE(child.has_value());
    const auto banner = child->ReadLine(kStartMs);
    ASSERT_TRUE(banner.has_value()) << child->Stderr();
    const std::string ids = BannerField(*banner, "token") + BannerField(*banner, "root_page") +
                            BannerField(*banner, "data_source");
    if (run == 0) {
      first = ids;
    } else {
      EXPECT_EQ(ids, first);
    }
    EXPECT_EQ(child->SignalAndWait(SIGINT, kExitMs), 0) << child->Stderr();
  }
}

TEST(ServeCliTest, GivenTokensAreNeverPrinted) {
  const std::string a = "secret_alpha_0123456789abcdef";
  const std::string b = "secret_bravo_0123456789abcdef";
  auto child = ChildProcess::Start(ServeArgs({"--tokens", a + "," + b, "--log-requests"}));
  ASSERT_TRUE(child.has_value());
  const auto banner = child->ReadLine(kStartMs);
  ASSERT_TRUE(banner.has_value()) << child->Stderr();
  EXPECT_THAT(*banner, HasSubstr("tokens="));
  const std::string url = UrlOf(*banner);
  EXPECT_EQ(NotionClient(url, a).Get("/v1/users/me").status, 200);
  EXPECT_EQ(NotionClient(url, b).Get("/v1/users/me").status, 200);
  EXPECT_EQ(NotionClient(url, "secret_other_0123456789abcdef").Get("/v1/users/me").status, 401);
  EXPECT_EQ(child->SignalAndWait(SIGTERM, kExitMs), 0);
  const std::string everything = child->stdout_text() + child->Stderr();
  EXPECT_THAT(everything, HasSubstr("GET /v1/users/me 200"));  // the request log is on
  EXPECT_THAT(everything, Not(HasSubstr(a)));
  EXPECT_THAT(everything, Not(HasSubstr(b)));
}

TEST(ServeCliTest, FaultsFileIsApplied) {
  const std::string faults = TempFile(
      "faults.json",
      R"({"faults": [{"match": {"path": "/v1/users/me"}, "action": "respond", "status": 503}]})");
  auto child = ChildProcess::Start(ServeArgs({"--faults", faults}));
  ASSERT_TRUE(child.has_value());
  const auto banner = child->ReadLine(kStartMs);
  ASSERT_TRUE(banner.has_value()) << child->Stderr();
  NotionClient client(UrlOf(*banner), BannerField(*banner, "token"));
  HttpReply r = client.Get("/v1/users/me");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Json()["code"], "service_unavailable");
  EXPECT_EQ(client.Get("/v1/users").status, 200);
  // The bootstrap root page went around the fault plan.
  EXPECT_EQ(BannerField(*banner, "root_page").size(), 36u);
  EXPECT_EQ(child->SignalAndWait(SIGTERM, kExitMs), 0);
}

TEST(ServeCliTest, BrokenFaultsFileExits2WithFileLineColumn) {
  const std::string bad_syntax = TempFile("syntax.json", "{\n  \"faults\": [\n    {,\n  ]\n}\n");
  auto c1 = ChildProcess::Start(ServeArgs({"--faults", bad_syntax}));
  ASSERT_TRUE(c1.has_value());
  EXPECT_EQ(c1->Wait(kExitMs), 2);
  EXPECT_THAT(c1->Stderr(), HasSubstr(bad_syntax + ":3:"));

  const std::string bad_field =
      TempFile("field.json", "{\"faults\": [\n  {\"action\": \"explode\"}\n]}\n");
  auto c2 = ChildProcess::Start(ServeArgs({"--faults", bad_field}));
  ASSERT_TRUE(c2.has_value());
  EXPECT_EQ(c2->Wait(kExitMs), 2);
  const std::string err = c2->Stderr();
  EXPECT_THAT(err, HasSubstr(bad_field + ":2:"));
  EXPECT_THAT(err, HasSubstr("/faults/0/action"));

  auto c3 = ChildProcess::Start(ServeArgs({"--faults", "/nonexistent/faults.json"}));
  ASSERT_TRUE(c3.has_value());
  EXPECT_EQ(c3->Wait(kExitMs), 2);
}

TEST(ServeCliTest, BadUsageExits2) {
  auto unset = ChildProcess::Start(ServeArgs({"--admin-token-env", "NSIM_SURELY_UNSET_VARIABLE"}));
  ASSERT_TRUE(unset.has_value());
  EXPECT_EQ(unset->Wait(kExitMs), 2);
  EXPECT_THAT(unset->Stderr(), HasSubstr("NSIM_SURELY_UNSET_VARIABLE"));

  // 192.0.2.1 (TEST-NET-1) is not an address of this machine: the warning, then a bind error.
  auto elsewhere = ChildProcess::Start(ServeArgs({"--bind", "192.0.2.1"}));
  ASSERT_TRUE(elsewhere.has_value());
  EXPECT_EQ(elsewhere->Wait(kExitMs), 2);
  const std::string err = elsewhere->Stderr();
  EXPECT_THAT(err, HasSubstr("warning: binding to 192.0.2.1"));
  EXPECT_THAT(err, HasSubstr("cannot listen"));

  auto bad_port = ChildProcess::Start({NSIM_CLI_PATH, "serve", "--port", "70000"});
  ASSERT_TRUE(bad_port.has_value());
  EXPECT_EQ(bad_port->Wait(kExitMs), 2);
}

TEST(ServeCliTest, AdminTokenFromTheEnvironment) {
  auto child = ChildProcess::Start(ServeArgs({"--admin-token-env", "NSIM_TEST_ADMIN_TOKEN"}),
                                   {"NSIM_TEST_ADMIN_TOKEN=let-me-in-please"});
  ASSERT_TRUE(child.has_value());
  const auto banner = child->ReadLine(kStartMs);
  ASSERT_TRUE(banner.has_value()) << child->Stderr();
  NotionClient client(UrlOf(*banner), BannerField(*banner, "token"));
  EXPECT_EQ(client.Admin("GET", "/__admin/health").status, 401);
  EXPECT_EQ(client.Admin("GET", "/__admin/health", "", "let-me-in-please").status, 200);
  EXPECT_EQ(child->SignalAndWait(SIGTERM, kExitMs), 0);
  EXPECT_THAT(child->stdout_text() + child->Stderr(), Not(HasSubstr("let-me-in-please")));
}

// The harness every CLI test runs children with: a child that writes more than a pipe holds
// (64 KiB) before it exits must not block until the timeout while it is waited for.
TEST(ChildProcessTest, WaitReadsOutputLargerThanAPipe) {
  std::optional<ChildProcess> child = ChildProcess::Start(
      {"/bin/sh", "-c",
       "head -c 300000 /dev/zero | tr '\\0' o; head -c 300000 /dev/zero >&2; exit 3"});
  ASSERT_TRUE(child.has_value());
  EXPECT_EQ(child->Wait(15000), 3);
  EXPECT_EQ(child->stdout_text().size(), 300000U);
  EXPECT_EQ(child->Stderr().size(), 300000U);
}

}  // namespace
}  // namespace notion_sim::httptest
