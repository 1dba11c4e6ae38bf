#include "secrets.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <vector>

#include "notion_sim/simulator/redact.h"

namespace notion_sim::cli {
namespace {

bool LooksLikeEnvName(std::string_view name) {
  static constexpr std::size_t kMaxName = 64;
  if (name.empty() || name.size() > kMaxName || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// An option whose value is, by its name, a secret: "--admin-token", "--api-key", "--tokens"; not
// one that takes a variable's name ("--token-env").
bool SecretOption(std::string_view option) {
  static constexpr std::string_view kEnv = "-env";
  if (option.size() >= kEnv.size() && option.substr(option.size() - kEnv.size()) == kEnv) {
    return false;
  }
  std::string lower(option);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 7> kWords = {
      "token", "secret", "password", "passwd", "key", "auth", "credential"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&lower](std::string_view w) { return lower.find(w) != std::string::npos; });
}

bool StartsLikeNotionToken(std::string_view arg) {
  return arg.rfind("ntn_", 0) == 0 || arg.rfind("secret_", 0) == 0;
}

// Replaces `secret` where it stands as a whole argument in `text` (CLI11 quotes arguments between
// spaces, after '=' or in quotes), so a short one ("a") does not eat the letters of the message.
void RedactWhole(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  const std::string shown = sim::RedactToken(secret);
  const auto before_ok = [&](std::size_t at) {
    return at == 0 || std::string_view(" \t\n=\"',:[(").find(text[at - 1]) != std::string::npos;
  };
  const auto after_ok = [&](std::size_t end) {
    return end == text.size() ||
           std::string_view(" \t\n\"',])").find(text[end]) != std::string::npos;
  };
  // Bounded: every pass starts past the previous match.
  for (std::size_t at = text.find(secret); at != std::string::npos;) {
    if (before_ok(at) && after_ok(at + secret.size())) {
      text.replace(at, secret.size(), shown);
      at = text.find(secret, at + shown.size());
    } else {
      at = text.find(secret, at + 1);
    }
  }
}

}  // namespace

std::string ShownEnvName(const std::string& name) {
  if (LooksLikeEnvName(name)) return name;
  return "\"" + sim::RedactToken(name) +
         "\" (shown redacted: not a variable's name but maybe a token; give the NAME of the "
         "environment variable that holds the token)";
}

std::string RedactUsageError(const std::string& message, int argc, const char* const* argv) {
  std::vector<std::string> secrets;
  bool secret_option = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (StartsLikeNotionToken(arg)) secrets.emplace_back(arg);
    if (arg.size() < 2 || arg[0] != '-') continue;
    const std::size_t eq = arg.find('=');
    const std::string_view option = arg.substr(0, eq);
    if (!SecretOption(option)) continue;
    secret_option = true;
    if (eq != std::string_view::npos) {
      secrets.emplace_back(arg.substr(eq + 1));
    } else if (i + 1 < argc && argv[i + 1][0] != '-') {
      secrets.emplace_back(argv[i + 1]);
    }
  }
  // Longer first, so a secret that contains another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::string redacted = message;
  for (const std::string& secret : secrets) RedactWhole(redacted, secret);
  if (redacted != message && secret_option) {
    return redacted +
           "\n(tokens are not given as flags: live runs read them from environment variables, "
           "--token-env NAME and --admin-token-env NAME; serve takes --tokens and "
           "--admin-token-env NAME)";
  }
  return redacted;
}

}  // namespace notion_sim::cli
