#include "notion_sim/scenarios/secrets.h"

#include <functional>
#include <map>
#include <set>
#include <string>

namespace notion_sim::scenarios {
namespace {

using json = nlohmann::json;

// Calls `fn` on each string that holds a token, in document order.
void ForEachSecret(json& doc, const std::function<void(json&)>& fn) {
  if (!doc.is_object()) return;
  auto each_object = [](json& parent, const char* key, const std::function<void(json&)>& f) {
    if (!parent.is_object() || !parent.contains(key) || !parent[key].is_array()) return;
    for (json& item : parent[key]) {
      if (item.is_object()) f(item);
    }
  };
  auto token_of = [&fn](json& holder) {
    if (holder.is_object() && holder.contains("token") && holder["token"].is_string()) {
      fn(holder["token"]);
    }
  };
  each_object(doc, "tenants", token_of);
  if (doc.contains("workspace")) each_object(doc["workspace"], "tokens", token_of);
  each_object(doc, "faults", [&token_of](json& rule) {
    if (rule.contains("match")) token_of(rule["match"]);
  });
  if (doc.contains("upstream") && doc["upstream"].is_object() &&
      doc["upstream"].contains("api_keys") && doc["upstream"]["api_keys"].is_array()) {
    for (json& key : doc["upstream"]["api_keys"]) {
      if (key.is_string()) fn(key);
    }
  }
}

}  // namespace

json RedactScenarioSecrets(const json& source) {
  json doc = source;
  // The tokens tenants get without naming one (scenario.cc): derived from names, so not secret,
  // and the workspace may list them.
  std::set<std::string> derived;
  bool any_tenant = false;
  if (doc.is_object() && doc.contains("tenants") && doc["tenants"].is_array()) {
    for (const json& t : doc["tenants"]) {
      any_tenant = true;
      if (t.is_object() && !t.contains("token") && t.contains("name") && t["name"].is_string()) {
        derived.insert("secret_sim_" + t["name"].get<std::string>());
      }
    }
  }
  if (!any_tenant) derived.insert("secret_sim_default");

  std::set<std::string> present;
  ForEachSecret(doc, [&present](json& v) { present.insert(v.get<std::string>()); });
  // Each distinct secret gets the next placeholder that no other value already is, so distinct
  // tokens stay distinct.
  std::map<std::string, std::string> placeholder;
  std::size_t next = 1;
  ForEachSecret(doc, [&](json& v) {
    const std::string value = v.get<std::string>();
    if (value.empty() || derived.count(value) > 0) return;
    auto it = placeholder.find(value);
    if (it == placeholder.end()) {
      std::string name;
      // Bounded: each pass consumes a number, and at most present.size() of them are taken.
      do {
        name = "redacted_token_" + std::to_string(next++);
      } while (name != value && present.count(name) > 0);
      it = placeholder.emplace(value, name).first;
    }
    v = it->second;
  });
  return doc;
}

}  // namespace notion_sim::scenarios
