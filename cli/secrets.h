// What the command line shows of values that may be secrets: the names given to --token-env and
// --admin-token-env (a token is sometimes given where a name belongs), and CLI11's usage errors,
// which quote the arguments they did not expect (`serve --admin-token ntn_...`).
#pragma once

#include <string>

namespace notion_sim::cli {

// `name` when it looks like an environment variable's name (UPPER_CASE letters, digits and '_',
// at most 64 characters); otherwise its redacted form and why, since it may be the token itself:
//   ShownEnvName("NOTION_TOKEN")         // "NOTION_TOKEN"
//   ShownEnvName("ntn_4f1c...e2a9")      // "\"…e2a9\" (shown redacted: ... give the NAME ...)"
std::string ShownEnvName(const std::string& name);

// A usage error of CLI11 with every value of an option whose name says it holds a secret (token,
// secret, password, key, auth: `--admin-token X`, `--token=X`, also serve's `--tokens`; not the
// `--*-env NAME` options), and every argument that starts like a Notion token ("ntn_",
// "secret_"), redacted where it stands as a whole argument; with a hint on where tokens go when
// such an option's value was redacted.
std::string RedactUsageError(const std::string& message, int argc, const char* const* argv);

}  // namespace notion_sim::cli
