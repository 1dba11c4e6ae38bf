// Bearer auth and per-token access: tokens map to tenants and workspaces; objects a token was not
// shared are 404, forbidden ones 403 restricted_resource; capabilities gate writes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notion_sim/simulator/fake_notion.h"
#include "notion_sim/simulator/http_call.h"

namespace notion_sim::sim {
namespace {

using engine::ApiCode;
using engine::ObjectId;
using engine::Operation;
using nlohmann::json;

constexpr const char* kDs = "11111111-1111-4111-8111-111111111111";
constexpr const char* kSecretDs = "44444444-4444-4444-8444-444444444444";

FakeConfig Config() {
  FakeConfig c;
  TokenSpec acme{"secret_acme_1234", "acme", 0, 0, kCapAll, {}, {}};
  acme.hidden.push_back(*ObjectId::Parse(kSecretDs));
  TokenSpec reader{"secret_reader_9999", "reader", 1, 0, kCapRead, {}, {}};
  TokenSpec locked{"secret_locked", "locked", 2, 0, kCapAll, {}, {}};
  locked.forbidden.push_back(*ObjectId::Parse(kDs));
  c.workspace.tokens = {acme, reader, locked};
  for (const char* id : {kDs, kSecretDs}) {
    DatabaseSpec db;
    DataSourceSpec ds;
    ds.id = *ObjectId::Parse(id);
    ds.pages = 2;
    db.data_sources.push_back(ds);
    c.workspace.databases.push_back(db);
  }
  return c;
}

class AuthTest : public ::testing::Test {
 protected:
  Answer Get(const std::string& path, const std::string& token) {
    return HttpCall::Notion("GET", path, token).SendTo(fake_);
  }
  Answer Query(const char* ds, const std::string& token) {
    return HttpCall::Notion("POST", std::string("/v1/data_sources/") + ds + "/query", token)
        .SendTo(fake_);
  }
  engine::ManualClock clock_;
  FakeNotion fake_{clock_, engine::Rng(9), nullptr, Config()};
};

TEST_F(AuthTest, MissingOrUnknownTokenIsUnauthorized) {
  for (const std::string& token : {std::string(""), std::string("secret_wrong")}) {
    Answer a = Get("/v1/users/me", token);
    EXPECT_EQ(a.response.status, 401);
    EXPECT_EQ(a.response.code, ApiCode::kUnauthorized);
    EXPECT_EQ(json::parse(a.body)["message"], "API token is invalid.");
  }
  HttpCall lower = HttpCall::Notion("GET", "/v1/users/me", "");
  lower.Header("authorization", "bearer secret_acme_1234");
  EXPECT_EQ(lower.SendTo(fake_).response.status, 200);  // the scheme is case-insensitive
}

TEST_F(AuthTest, TokensSeeTheirOwnBot) {
  EXPECT_EQ(json::parse(Get("/v1/users/me", "secret_acme_1234").body)["name"], "acme");
  EXPECT_EQ(json::parse(Get("/v1/users/me", "secret_reader_9999").body)["name"], "reader");
}

TEST_F(AuthTest, HiddenObjectsAreNotFoundForbiddenOnesRestricted) {
  Answer hidden = Query(kSecretDs, "secret_acme_1234");
  EXPECT_EQ(hidden.response.status, 404);
  EXPECT_EQ(hidden.response.code, ApiCode::kObjectNotFound);
  EXPECT_EQ(Query(kSecretDs, "secret_reader_9999").response.status, 200);
  Answer forbidden = Query(kDs, "secret_locked");
  EXPECT_EQ(forbidden.response.status, 403);
  EXPECT_EQ(forbidden.response.code, ApiCode::kRestrictedResource);
  EXPECT_EQ(json::parse(forbidden.body)["message"],
            "API token does not have access to this resource.");
  // Pages hidden from a token drop out of its search, too.
  json search = json::parse(HttpCall::Notion("POST", "/v1/search", "secret_acme_1234")
                                .Body(R"({"filter":{"property":"object","value":"data_source"}})")
                                .SendTo(fake_)
                                .body);
  EXPECT_EQ(search["results"].size(), 1u);
}

TEST_F(AuthTest, CapabilitiesGateWrites) {
  const std::string create = std::string(R"({"parent":{"data_source_id":")") + kDs + "\"}}";
  Answer denied =
      HttpCall::Notion("POST", "/v1/pages", "secret_reader_9999").Body(create).SendTo(fake_);
  EXPECT_EQ(denied.response.status, 403);
  EXPECT_EQ(fake_.ledger().size(), 0u);
  Answer allowed =
      HttpCall::Notion("POST", "/v1/pages", "secret_acme_1234").Body(create).SendTo(fake_);
  ASSERT_EQ(allowed.response.status, 200);
  const std::string page = "/v1/pages/" + allowed.response.object_id.ToString();
  EXPECT_EQ(Get(page, "secret_reader_9999").response.status, 200);
  EXPECT_EQ(HttpCall::Notion("PATCH", page, "secret_reader_9999")
                .Body("{}")
                .SendTo(fake_)
                .response.status,
            403);
}

TEST_F(AuthTest, InProcessTenantsStandForTokens) {
  engine::Request r;
  r.operation = Operation::kRetrieveDataSource;
  r.target = *ObjectId::Parse(kSecretDs);
  r.tenant = 0;
  EXPECT_EQ(fake_.Handle(r).response.status, 404);
  r.tenant = 1;
  EXPECT_EQ(fake_.Handle(r).response.status, 200);
  r.tenant = 7;  // no token for this tenant
  EXPECT_EQ(fake_.Handle(r).response.status, 401);
}

TEST_F(AuthTest, JournalNeverHoldsTheToken) {
  Get("/v1/users/me", "secret_acme_1234");
  Get("/v1/users/me", "secret_nobody_5678");
  const std::string dump = fake_.journal().ToJson().dump();
  EXPECT_EQ(dump.find("secret_"), std::string::npos) << dump;
  EXPECT_EQ(fake_.journal().Entries()[0].caller, "acme");
  // With no tokens configured any bearer works, named by its last four characters.
  engine::ManualClock clock;
  FakeNotion open(clock, engine::Rng(1), nullptr, FakeConfig{});
  EXPECT_EQ(
      HttpCall::Notion("GET", "/v1/users/me", "secret_open_abcd").SendTo(open).response.status,
      200);
  EXPECT_EQ(open.journal().Entries()[0].caller, "…abcd");
  EXPECT_EQ(open.journal().ToJson().dump().find("secret_open"), std::string::npos);
}

}  // namespace
}  // namespace notion_sim::sim
