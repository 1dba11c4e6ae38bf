// Users: the token's bot (users/me), the workspace's people and bots, one user.
#include "ops.h"

namespace notion_sim::sim {

using engine::ObjectId;

void UsersMe(Core& m, Call& c) {
  const TokenRec& t = m.tokens[static_cast<std::size_t>(c.token)];
  c.object = t.bot;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = Ref{Kind::kUser, 0};
  c.reply.number = -1 - c.token;  // the bot of token N (implicit tokens have no user record)
}

void ListUsers(Core& m, Call& c) {
  std::vector<Ref> all;
  all.reserve(m.users.size());
  for (std::uint32_t i = 0; i < m.users.size(); ++i) all.push_back(Ref{Kind::kUser, i});
  Paginate(c, all, "user", ObjectId{});
}

void RetrieveUser(Core& m, Call& c) {
  const Ref* ref = m.Find(c.target);
  if (ref == nullptr || ref->kind != Kind::kUser) {
    const TokenRec& t = m.tokens[static_cast<std::size_t>(c.token)];
    if (c.target == t.bot) {
      UsersMe(m, c);
      return;
    }
    m.NotFound(c, "user", c.target);
    return;
  }
  c.object = c.target;
  c.reply.kind = ReplyKind::kObject;
  c.reply.item = *ref;
}

}  // namespace notion_sim::sim
