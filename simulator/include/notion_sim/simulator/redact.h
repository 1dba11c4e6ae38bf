// Redaction: how a secret (a bearer token, serve's admin token, an upstream API key) may appear in
// anything notion-sim writes or prints: logs, the request journal, the fault listing, banners,
// error messages and result files. One form everywhere, so a reader can tell two tokens apart
// without any output holding enough of one to use it.
//
//   RedactToken("secret_acme_1234")   // "…1234"
//   RedactToken("abcd")               // "…"  (too short to show any of it)
//
// Thread-safe: a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace notion_sim::sim {

// Tokens shorter than this show nothing but "…": four characters of a short token are too much
// of it.
inline constexpr std::size_t kRedactMinLength = 12;

// "…" and the token's last 4 characters when it has at least kRedactMinLength and those 4 are
// printable ASCII (so the result is always valid UTF-8 for JSON); "…" otherwise.
std::string RedactToken(std::string_view token);

}  // namespace notion_sim::sim
