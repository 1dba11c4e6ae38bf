// OAuth, authenticated with the integration's client id and secret (HTTP Basic): exchange an
// authorization code or a refresh token for an access token the fake then accepts, introspect a
// token, revoke one (it answers 401 from then on).
#include "notion_sim/simulator/redact.h"
#include "ops.h"

namespace notion_sim::sim {

using engine::ApiCode;
using engine::ObjectId;
using nlohmann::json;

namespace {

std::string NewSecret(Core& m, const char* prefix) {
  const ObjectId a = ObjectId::Random(m.ids);
  return std::string(prefix) + Hex32(a);
}

}  // namespace

void OauthToken(Core& m, Call& c) {
  const json& body = *c.body;
  const std::string grant = Str(body, "grant_type");
  int token = -1;
  if (grant == "authorization_code") {
    const std::string code = Str(body, "code");
    if (code.empty()) {
      c.Fail(400, ApiCode::kValidationError,
             "body failed validation: body.code should be defined, instead was `undefined`.");
      return;
    }
    if (m.used_oauth_codes.count(code) != 0) {
      c.Fail(400, ApiCode::kInvalidGrant, "Invalid code: this code has been revoked.");
      return;
    }
    TokenRec t;
    t.spec.token = NewSecret(m, "ntn_oauth_");
    t.spec.name = "oauth" + std::to_string(m.tokens.size() + 1);
    t.spec.tenant = static_cast<std::uint16_t>(m.tokens.size());
    t.bot = ObjectId::Random(m.ids);
    t.oauth = true;
    t.refresh_token = NewSecret(m, "nrt_");
    t.issued_us = c.now_us;
    token = static_cast<int>(m.tokens.size());
    m.used_oauth_codes[code] = token;
    UserRec bot;
    bot.id = t.bot;
    bot.name = t.spec.name;
    bot.token = token;
    m.index.Insert(bot.id, Ref{Kind::kUser, static_cast<std::uint32_t>(m.users.size())});
    m.users.push_back(std::move(bot));
    m.token_of_bearer[t.spec.token] = token;
    m.token_of_refresh[t.refresh_token] = token;
    m.tokens.push_back(std::move(t));
  } else if (grant == "refresh_token") {
    auto it = m.token_of_refresh.find(Str(body, "refresh_token"));
    if (it == m.token_of_refresh.end()) {
      c.Fail(400, ApiCode::kInvalidGrant, "Invalid refresh token.");
      return;
    }
    token = it->second;
    TokenRec& t = m.tokens[static_cast<std::size_t>(token)];
    m.token_of_bearer.erase(t.spec.token);
    t.spec.token = NewSecret(m, "ntn_oauth_");
    t.revoked = false;
    t.issued_us = c.now_us;
    m.token_of_bearer[t.spec.token] = token;
  } else {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.grant_type should be `\"authorization_code\"` or "
           "`\"refresh_token\"`, instead was `" +
               Quoted(Field(body, "grant_type")) + "`.");
    return;
  }
  c.object = m.tokens[static_cast<std::size_t>(token)].bot;
  c.reply.kind = ReplyKind::kOauthToken;
  c.reply.number = token;
}

void OauthIntrospect(Core& m, Call& c) {
  const std::string token = Str(*c.body, "token");
  auto it = m.token_of_bearer.find(token);
  const bool active =
      it != m.token_of_bearer.end() && !m.tokens[static_cast<std::size_t>(it->second)].revoked;
  c.reply.kind = ReplyKind::kIntrospect;
  c.reply.number = active ? it->second : -1;
}

void OauthRevoke(Core& m, Call& c) {
  const std::string token = Str(*c.body, "token");
  if (token.empty()) {
    c.Fail(400, ApiCode::kValidationError,
           "body failed validation: body.token should be defined, instead was `undefined`.");
    return;
  }
  if (auto it = m.token_of_bearer.find(token); it != m.token_of_bearer.end()) {
    m.tokens[static_cast<std::size_t>(it->second)].revoked = true;
  }
  c.reply.kind = ReplyKind::kEmpty;
}

}  // namespace notion_sim::sim
