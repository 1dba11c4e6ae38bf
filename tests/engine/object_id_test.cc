#include "notion_sim/engine/object_id.h"

#include <gtest/gtest.h>

#include "notion_sim/engine/protocol.h"
#include "notion_sim/engine/rng.h"

namespace notion_sim::engine {
namespace {

TEST(ObjectId, RandomIdsAreVersion4AndRoundTrip) {
  Rng rng(1);
  for (int i = 0; i < 100; ++i) {
    const ObjectId id = ObjectId::Random(rng);
    const std::string s = id.ToString();
    ASSERT_EQ(s.size(), 36u);
    EXPECT_EQ(s[14], '4');
    EXPECT_TRUE(s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b') << s;
    EXPECT_EQ(ObjectId::Parse(s), id);
  }
}

TEST(ObjectId, ParsesWithoutDashesAndRejectsJunk) {
  const auto a = ObjectId::Parse("59833787-2cf9-4fdf-8782-e53db20768a5");
  const auto b = ObjectId::Parse("598337872cf94fdf8782e53db20768a5");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a, b);
  EXPECT_FALSE(ObjectId::Parse("59833787-2cf9-4fdf-8782-e53db20768a").has_value());
  EXPECT_FALSE(ObjectId::Parse("59833787x2cf9-4fdf-8782-e53db20768a5").has_value());
  EXPECT_FALSE(ObjectId::Parse("z98337872cf94fdf8782e53db20768a5").has_value());
  EXPECT_FALSE(ObjectId::Parse("").has_value());
}

TEST(Protocol, NamesRoundTrip) {
  for (int i = 0; i < kOperationCount; ++i) {
    const auto op = static_cast<Operation>(i);
    EXPECT_EQ(ParseOperation(OperationName(op)), op);
  }
  EXPECT_EQ(ParseApiCode("rate_limited"), ApiCode::kRateLimited);
  EXPECT_EQ(ParseApiCode("service_overload"), ApiCode::kServiceOverload);
  EXPECT_EQ(ParseApiCode("brand_new_code"), ApiCode::kOther);
  EXPECT_EQ(ParseApiCode(""), ApiCode::kNone);
  EXPECT_EQ(DefaultStatusOf(ApiCode::kServiceOverload), 529);
  EXPECT_EQ(DefaultStatusOf(ApiCode::kValidationError), 400);
  EXPECT_EQ(MethodOf(Operation::kCreatePage), Method::kPost);
  EXPECT_TRUE(IsCreate(Operation::kCreatePage));
  EXPECT_FALSE(IsWrite(Operation::kRetrievePage));
  EXPECT_EQ(ParseMethod("PATCH"), Method::kPatch);
}

TEST(Protocol, RoutesRenderAndParse) {
  const std::string id = "59833787-2cf9-4fdf-8782-e53db20768a5";
  for (int i = 0; i < kOperationCount; ++i) {
    const auto op = static_cast<Operation>(i);
    const std::string path = RenderPath(op, id, "title");
    const auto route = ParseRoute(MethodOf(op), path);
    ASSERT_TRUE(route.has_value()) << path;
    EXPECT_EQ(route->operation, op) << path;
  }
  // Two path parameters; a literal segment wins over a parameter; the agents group is one route.
  const auto property = ParseRoute(Method::kGet, "/v1/pages/" + id + "/properties/%3AabC");
  ASSERT_TRUE(property.has_value());
  EXPECT_EQ(property->operation, Operation::kRetrievePageProperty);
  EXPECT_EQ(property->target, id);
  EXPECT_EQ(property->target2, "%3AabC");
  EXPECT_EQ(ParseRoute(Method::kPost, "/v1/blocks/meeting_notes")->operation,
            Operation::kCreateMeetingNote);
  EXPECT_EQ(ParseRoute(Method::kGet, "/v1/blocks/meeting_notes")->operation,
            Operation::kRetrieveBlock);
  EXPECT_EQ(ParseRoute(Method::kPost, "/v1/threads/t1/messages/query")->operation,
            Operation::kAgents);
  EXPECT_EQ(RenderPath(Operation::kDeleteViewQuery, "v", "q"), "/v1/views/v/queries/q");
  EXPECT_EQ(RenderPath(Operation::kAppendBlocks, id), "/v1/blocks/" + id + "/children");
  EXPECT_EQ(ParseRoute(Method::kGet, "/v1/users/me")->operation, Operation::kUsersMe);
  EXPECT_EQ(ParseRoute(Method::kGet, "/v1/users/abc")->target, "abc");
  EXPECT_FALSE(ParseRoute(Method::kDelete, "/v1/pages/abc").has_value());
  EXPECT_FALSE(ParseRoute(Method::kGet, "/v1/pages/").has_value());
  EXPECT_FALSE(ParseRoute(Method::kGet, "/v1/nope").has_value());
  EXPECT_FALSE(ParseRoute(Method::kGet, "/v1/pages/a/b").has_value());
}

}  // namespace
}  // namespace notion_sim::engine
