// Recordings and conformance (scenarios/conformance.h): redaction, reading back, ids translated
// between two fakes, and every kind of difference reported exactly.
#include "notion_sim/scenarios/conformance.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "notion_sim/engine/sim_loop.h"
#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_server.h"  // CreateRootPage

namespace notion_sim::scenarios {
namespace {

using json = nlohmann::json;

constexpr const char* kToken = "secret_conformance_abcd1234";

sim::ForwardRequest Request(std::string method, std::string path, std::string body = "") {
  sim::ForwardRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.headers = {{"Authorization", std::string("Bearer ") + kToken},
               {"Notion-Version", "2025-09-03"}};
  if (!r.body.empty()) r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

// A fake as serve builds it, with fixed database and data source ids so two seeds share them.
struct Fake {
  explicit Fake(std::uint64_t seed) {
    sim::FakeConfig config;
    config.workspace = sim::DefaultServeWorkspace(seed);
    config.workspace.databases.front().id =
        *engine::ObjectId::Parse("11111111-1111-4111-8111-111111111111");
    config.workspace.databases.front().data_sources.front().id =
        *engine::ObjectId::Parse("22222222-2222-4222-8222-222222222222");
    sim::TokenSpec token;
    token.token = kToken;
    token.name = "default";
    config.workspace.tokens.push_back(token);
    fake = std::make_unique<sim::FakeNotion>(loop, engine::Rng(seed).Fork("fake"), nullptr,
                                             std::move(config));
  }
  engine::SimLoop loop;
  std::unique_ptr<sim::FakeNotion> fake;
};

const std::string kDataSource = "22222222-2222-4222-8222-222222222222";

std::string CreateBody(const std::string& title) {
  return json{{"parent", {{"data_source_id", kDataSource}}},
              {"properties", {{"Name", {{"title", {{{"text", {{"content", title}}}}}}}}}}}
      .dump();
}

// Sends `requests` to `fake`, as a proxy in front of it would record them.
std::vector<RecordedExchange> RecordFrom(sim::FakeNotion& fake,
                                         const std::vector<sim::ForwardRequest>& requests) {
  Sender send = InProcessSender(fake);
  std::vector<RecordedExchange> out;
  for (const sim::ForwardRequest& r : requests) {
    RecordedExchange x;
    x.line = out.size() + 1;
    x.request = r;
    x.answer = send(r);
    // The recording holds the redacted token, as the proxy writes it.
    const json line = RecordExchange(r, x.answer, x.line, 0);
    x.request.headers.clear();
    for (const json& h : line["request_headers"]) x.request.headers.emplace_back(h[0], h[1]);
    out.push_back(std::move(x));
  }
  return out;
}

TEST(Recording, RedactsTheTokenEverywhere) {
  sim::ForwardRequest r =
      Request("POST", "/v1/search", R"({"query": "secret_conformance_abcd1234"})");
  r.query = std::string("token=") + kToken;
  r.headers.emplace_back("Cookie", "session=s3cr3t");
  r.headers.emplace_back("X-Api-Key", "key_abcdefgh9876");
  sim::ForwardedAnswer a;
  a.status = 200;
  a.headers = {{"Set-Cookie", "session=s3cr3t"}, {"content-type", "application/json"}};
  a.body = std::string(R"({"echo": ")") + kToken + "\"}";
  const json line = RecordExchange(r, a, 7, Ms(1500));
  const std::string text = line.dump();
  EXPECT_EQ(text.find(kToken), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
  EXPECT_EQ(text.find("key_abcdefgh9876"), std::string::npos) << text;
  EXPECT_EQ(line["n"], 7);
  EXPECT_EQ(line["at_ms"], 1500);
  EXPECT_EQ(line["request_headers"],
            json::parse(R"([["Authorization", "Bearer …1234"], ["Notion-Version", "2025-09-03"],
                            ["Content-Type", "application/json"], ["X-Api-Key", "…9876"]])"));
  EXPECT_EQ(line["query"], "token=…1234");
  EXPECT_EQ(line["request_body"], R"({"query": "…1234"})");
  EXPECT_EQ(line["response_headers"], json::parse(R"([["content-type", "application/json"]])"));
  EXPECT_EQ(line["response_body"], R"({"echo": "…1234"})");
  EXPECT_FALSE(line.contains("error"));
}

TEST(Recording, WrittenThenReadBack) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "notion_sim_conformance_test.jsonl").string();
  {
    auto writer = ExchangeWriter::Open(path);
    ASSERT_TRUE(writer.ok());
    sim::ForwardedAnswer ok;
    ok.status = 201;
    ok.body = "{}";
    (*writer)->Record(Request("PATCH", "/v1/pages/x", R"({"a": 1})"), ok, Ms(10));
    sim::ForwardedAnswer none;
    none.error = "Couldn't connect to server";
    (*writer)->Record(Request("GET", "/v1/users/me"), none, Ms(20));
    EXPECT_EQ((*writer)->recorded(), 2u);
  }
  auto loaded = LoadExchanges(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 2u);
  const RecordedExchange& a = (*loaded)[0];
  EXPECT_EQ(a.line, 1u);
  EXPECT_EQ(a.request.method, "PATCH");
  EXPECT_EQ(a.request.path, "/v1/pages/x");
  EXPECT_EQ(a.request.body, R"({"a": 1})");
  EXPECT_EQ(a.request.headers.front().second, "Bearer …1234");
  EXPECT_EQ(a.answer.status, 201);
  EXPECT_EQ((*loaded)[1].answer.status, 0);
  std::remove(path.c_str());
}

TEST(Conformance, SameFakeSameSeedHasNoDifference) {
  Fake a(1), b(1);
  const auto recording = RecordFrom(
      *a.fake, {Request("GET", "/v1/users/me"), Request("POST", "/v1/pages", CreateBody("one")),
                Request("POST", "/v1/data_sources/" + kDataSource + "/query", "{}"),
                Request("GET", "/v1/pages/00000000-0000-4000-8000-000000000001"),
                Request("POST", "/v1/pages", R"({"parent": {}})")});
  ConformanceOptions options;
  options.token = kToken;
  const ConformanceReport report = Conform(recording, InProcessSender(*b.fake), options);
  EXPECT_EQ(report.replayed, 5u);
  EXPECT_EQ(report.differing, 0u);
  EXPECT_TRUE(report.differences.empty()) << DescribeDifference(report.differences.front());
}

// Another seed draws other page ids: the created page is found through the id learned from the
// create's answer, not the recorded one.
TEST(Conformance, IdsLearnedFromAnswersAreTranslated) {
  Fake a(1), b(2);
  const auto recording = RecordFrom(*a.fake, {Request("POST", "/v1/pages", CreateBody("one"))});
  const std::string page = json::parse(recording[0].answer.body)["id"];
  auto more = RecordFrom(*a.fake, {Request("GET", "/v1/pages/" + page),
                                   Request("PATCH", "/v1/pages/" + page, R"({"in_trash": true})")});
  std::vector<RecordedExchange> all = recording;
  for (auto& x : more) {
    x.line = all.size() + 1;
    all.push_back(x);
  }
  ConformanceOptions options;
  options.token = kToken;
  const ConformanceReport report = Conform(all, InProcessSender(*b.fake), options);
  EXPECT_EQ(report.replayed, 3u);
  EXPECT_TRUE(report.differences.empty()) << DescribeDifference(report.differences.front());
  // The recorded id is not the second fake's: without translation the GET would be a 404.
  EXPECT_EQ(InProcessSender(*b.fake)(Request("GET", "/v1/pages/" + page)).status, 404);
}

TEST(Conformance, EveryKindOfDifferenceIsReported) {
  Fake a(1), b(1);
  auto recording =
      RecordFrom(*a.fake, {Request("GET", "/v1/users/me"), Request("POST", "/v1/pages", "{"),
                           Request("GET", "/v1/pages/00000000-0000-4000-8000-000000000001")});
  // users/me: a discriminator changed, a key renamed, a type changed, a null made a number (not
  // compared: nulls are data).
  json me = json::parse(recording[0].answer.body);
  me["type"] = "person";
  me["full_name"] = me["name"];
  me.erase("name");
  me["bot"] = "not an object";
  me["avatar_url"] = 5;
  recording[0].answer.body = me.dump();
  // The invalid body: another code.
  json error = json::parse(recording[1].answer.body);
  error["code"] = "validation_error";
  recording[1].answer.body = error.dump();
  // The 404: another status.
  recording[2].answer.status = 400;
  ConformanceOptions options;
  options.token = kToken;
  const ConformanceReport report = Conform(recording, InProcessSender(*b.fake), options);
  std::vector<std::string> lines;
  for (const Difference& d : report.differences) lines.push_back(DescribeDifference(d));
  // NOLINTBEGIN(bugprone-suspicious-missing-comma): the split literals are one line each
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "line 1 GET /v1/users/me: shape $.bot: string recorded, object from the fake",
                "line 1 GET /v1/users/me: shape $.full_name: missing from the fake (string "
                "recorded)",
                "line 1 GET /v1/users/me: shape $.type: \"person\" recorded, \"bot\" from "
                "the fake",
                "line 1 GET /v1/users/me: shape $.name: only the fake has it (string)",
                "line 2 POST /v1/pages: code validation_error recorded, invalid_json from "
                "the fake",
                "line 3 GET /v1/pages/00000000-0000-4000-8000-000000000001: status 400 "
                "recorded, 404 from the fake"}));
  // NOLINTEND(bugprone-suspicious-missing-comma)
  EXPECT_EQ(report.differing, 3u);
  const json j = ConformanceToJson(report);
  EXPECT_EQ(j["differences"].size(), 6u);
  EXPECT_EQ(j["differences"][0]["where"], "$.bot");
}

TEST(Conformance, A401IsReplayedWithAnUnknownTokenAndUnansweredOnesAreSkipped) {
  Fake b(1);
  std::vector<RecordedExchange> recording(2);
  recording[0].line = 1;
  recording[0].request = Request("GET", "/v1/users/me");
  recording[0].answer.status = 401;
  recording[0].answer.body = R"({"object": "error", "status": 401, "code": "unauthorized",
                                 "message": "API token is invalid.", "request_id": "x"})";
  recording[1].line = 2;
  recording[1].request = Request("GET", "/v1/users/me");
  recording[1].answer.status = 0;
  ConformanceOptions options;
  options.token = kToken;
  const ConformanceReport report = Conform(recording, InProcessSender(*b.fake), options);
  EXPECT_EQ(report.replayed, 1u);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_TRUE(report.differences.empty()) << DescribeDifference(report.differences.front());
}

TEST(Recording, BadLinesNameTheFileLineAndField) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "notion_sim_conformance_bad.jsonl").string();
  auto load = [&](const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
    auto r = LoadExchanges(path);
    return r.ok() ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(load(""), path + ": the recording holds no exchange");
  EXPECT_EQ(load("\n7\n"), path +
                               ":2: expected one JSON object per line (a recording of "
                               "notion-sim proxy --record)");
  EXPECT_EQ(load(R"({"method": "GET"})"), path + ":1: path: expected a string");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace notion_sim::scenarios
