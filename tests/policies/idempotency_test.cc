#include "notion_sim/policies/idempotency.h"
#include "notion_sim/policies/sqlite_store.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

namespace notion_sim::policies {
namespace {

engine::LogicalOp CreateOp() {
  engine::LogicalOp op;
  op.op_id = 17;
  op.operation = engine::Operation::kCreatePage;
  op.parent = engine::ObjectId{0x0123456789abcdefULL, 0x4000800000000001ULL};
  op.payload = std::make_shared<const nlohmann::json>(
      nlohmann::json::parse(R"({"properties": {"title": "Q3 plan", "rank": 2}})"));
  op.arrival_us = Sec(3);
  return op;
}

TEST(Sha256Test, MatchesTheFipsVectors) {
  EXPECT_EQ(KeyToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(KeyToHex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(IdempotencyKeyTest, CanonicalJsonSortsKeysAndNamesTheOperation) {
  EXPECT_EQ(CanonicalOpJson(CreateOp()),
            R"({"operation":"create_page","params":{"parent":")" + CreateOp().parent.ToString() +
                R"(","payload":{"properties":{"rank":2,"title":"Q3 plan"}},"target":null}})");
}

TEST(IdempotencyKeyTest, SameWriteSameKeyWhateverTheOpIdArrivalOrKeyOrder) {
  engine::LogicalOp a = CreateOp();
  engine::LogicalOp b = CreateOp();
  b.op_id = 99;
  b.arrival_us = Min(7);
  b.tenant = 3;
  b.payload = std::make_shared<const nlohmann::json>(
      nlohmann::json::parse(R"({"properties": {"rank": 2, "title": "Q3 plan"}})"));
  EXPECT_EQ(IdempotencyKeyFor(a), IdempotencyKeyFor(b));
  EXPECT_EQ(IdempotencyKeyFor(a), Sha256(CanonicalOpJson(a)));
}

TEST(IdempotencyKeyTest, DifferentParamsOrOperationGiveDifferentKeys) {
  const IdempotencyKey base = IdempotencyKeyFor(CreateOp());
  engine::LogicalOp other_payload = CreateOp();
  other_payload.payload = std::make_shared<const nlohmann::json>(
      nlohmann::json::parse(R"({"properties": {"title": "Q4 plan", "rank": 2}})"));
  EXPECT_NE(IdempotencyKeyFor(other_payload), base);
  engine::LogicalOp other_parent = CreateOp();
  other_parent.parent.lo ^= 1;
  EXPECT_NE(IdempotencyKeyFor(other_parent), base);
  engine::LogicalOp other_op = CreateOp();
  other_op.operation = engine::Operation::kUpdatePage;
  EXPECT_NE(IdempotencyKeyFor(other_op), base);
  engine::LogicalOp no_payload = CreateOp();
  no_payload.payload = nullptr;
  EXPECT_NE(IdempotencyKeyFor(no_payload), base);
}

TEST(IdempotencyKeyTest, HexRoundTripsAndRejectsBadText) {
  const IdempotencyKey key = IdempotencyKeyFor(CreateOp());
  const std::string hex = KeyToHex(key);
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(KeyFromHex(hex), key);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(KeyFromHex(upper), key);
  EXPECT_FALSE(KeyFromHex(hex.substr(1)).has_value());
  EXPECT_FALSE(KeyFromHex(std::string(63, '0') + "g").has_value());
}

RC_GTEST_PROP(IdempotencyKeyProperties, HexRoundTripsForAnyKey,
              (std::array<std::uint8_t, 32> key)) {
  RC_ASSERT(KeyFromHex(KeyToHex(key)) == key);
}

// ---- the KeyStore contract, run against both stores ----

struct StoreFactory {
  const char* name;
  std::function<std::unique_ptr<KeyStore>(KeyStoreConfig)> make;
};

class KeyStoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  std::unique_ptr<KeyStore> Make(KeyStoreConfig config = {}) { return GetParam().make(config); }
};

std::string FreshDbPath(const std::string& stem) {
  const std::string dir = ::testing::TempDir();
  std::string path = dir + "nsim_" + stem + "_" + std::to_string(::getpid()) + ".db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

TEST_P(KeyStoreContract, ClaimOnceThenDuplicateUntilTheTtlEndsExactly) {
  auto store = Make({.ttl_us = Sec(10), .max_entries = 100});
  const IdempotencyKey key = Sha256("k1");
  Result<KeyClaim> first = store->Claim(key, 1, Sec(1));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first.value(), KeyClaim::kClaimed);
  EXPECT_EQ(store->Claim(key, 2, Sec(2)).value(), KeyClaim::kDuplicate);
  Result<std::optional<KeyRecord>> found = store->Find(key, Sec(2));
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found.value().has_value());
  EXPECT_EQ(found.value()->op_id, 1u);
  EXPECT_EQ(found.value()->state, KeyState::kInFlight);
  EXPECT_EQ(found.value()->expires_us, Sec(11));
  EXPECT_EQ(store->Claim(key, 3, Sec(11) - 1).value(), KeyClaim::kDuplicate);
  EXPECT_FALSE(store->Find(key, Sec(11)).value().has_value());
  EXPECT_EQ(store->Claim(key, 4, Sec(11)).value(), KeyClaim::kClaimed);
  EXPECT_EQ(store->Find(key, Sec(11)).value()->op_id, 4u);
}

TEST_P(KeyStoreContract, CompleteRecordsTheResultAndRestartsTheTtl) {
  auto store = Make({.ttl_us = Sec(10), .max_entries = 100});
  const IdempotencyKey key = Sha256("k2");
  ASSERT_EQ(store->Claim(key, 5, 0).value(), KeyClaim::kClaimed);
  const engine::ObjectId page{0xabcULL, 0x4000800000000002ULL};
  ASSERT_TRUE(store->Complete(key, page, Sec(8)).ok());
  const std::optional<KeyRecord> r = store->Find(key, Sec(15)).value();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->state, KeyState::kCompleted);
  EXPECT_EQ(r->result, page);
  EXPECT_EQ(r->stored_us, Sec(8));
  EXPECT_EQ(r->expires_us, Sec(18));
  EXPECT_EQ(store->Complete(Sha256("never claimed"), page, 0).error().code, ErrorCode::kNotFound);
}

TEST_P(KeyStoreContract, ReleaseLetsTheKeyBeClaimedAgain) {
  auto store = Make();
  const IdempotencyKey key = Sha256("k3");
  ASSERT_EQ(store->Claim(key, 1, 0).value(), KeyClaim::kClaimed);
  ASSERT_TRUE(store->Release(key).ok());
  EXPECT_EQ(store->Claim(key, 2, 1).value(), KeyClaim::kClaimed);
}

TEST_P(KeyStoreContract, ExpireRemovesOnlyExpiredRecords) {
  auto store = Make({.ttl_us = Sec(10), .max_entries = 100});
  ASSERT_TRUE(store->Claim(Sha256("a"), 1, 0).ok());
  ASSERT_TRUE(store->Claim(Sha256("b"), 2, Sec(5)).ok());
  EXPECT_EQ(store->Size().value(), 2u);
  EXPECT_EQ(store->Expire(Sec(10)).value(), 1u);
  EXPECT_EQ(store->Size().value(), 1u);
  EXPECT_TRUE(store->Find(Sha256("b"), Sec(10)).value().has_value());
}

TEST_P(KeyStoreContract, AFullStoreRefusesNewKeysUntilSomeExpire) {
  auto store = Make({.ttl_us = Sec(10), .max_entries = 2});
  ASSERT_EQ(store->Claim(Sha256("a"), 1, 0).value(), KeyClaim::kClaimed);
  ASSERT_EQ(store->Claim(Sha256("b"), 2, Sec(1)).value(), KeyClaim::kClaimed);
  Result<KeyClaim> full = store->Claim(Sha256("c"), 3, Sec(2));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(store->Claim(Sha256("c"), 3, Sec(10)).value(), KeyClaim::kClaimed);  // "a" expired
  EXPECT_EQ(store->Size().value(), 2u);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, KeyStoreContract,
    ::testing::Values(StoreFactory{"memory",
                                   [](KeyStoreConfig c) -> std::unique_ptr<KeyStore> {
                                     return std::make_unique<MemoryKeyStore>(c);
                                   }},
                      StoreFactory{"sqlite",
                                   [](KeyStoreConfig c) -> std::unique_ptr<KeyStore> {
                                     static int n = 0;
                                     auto s = SqliteKeyStore::Open(
                                         FreshDbPath("keys" + std::to_string(++n)), c);
                                     EXPECT_TRUE(s.ok()) << s.error().message;
                                     return std::move(s).value();
                                   }}),
    [](const ::testing::TestParamInfo<StoreFactory>& p) { return p.param.name; });

TEST(SqliteKeyStoreTest, KeysSurviveReopening) {
  const std::string path = FreshDbPath("reopen_keys");
  const IdempotencyKey key = IdempotencyKeyFor(CreateOp());
  {
    auto store = SqliteKeyStore::Open(path).value();
    ASSERT_EQ(store->Claim(key, 17, Sec(1)).value(), KeyClaim::kClaimed);
    ASSERT_TRUE(store->Complete(key, engine::ObjectId{1, 2}, Sec(2)).ok());
  }
  auto again = SqliteKeyStore::Open(path).value();
  const std::optional<KeyRecord> r = again->Find(key, Sec(3)).value();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->op_id, 17u);
  EXPECT_EQ(r->state, KeyState::kCompleted);
  EXPECT_EQ(r->expires_us, Sec(2) + 24 * kUsPerHour);
  EXPECT_EQ(again->Claim(key, 18, Sec(4)).value(), KeyClaim::kDuplicate);
}

TEST(SqliteKeyStoreTest, OpeningAnUnwritablePathIsAnIoError) {
  auto store = SqliteKeyStore::Open("/nonexistent-dir-nsim/keys.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace notion_sim::policies
