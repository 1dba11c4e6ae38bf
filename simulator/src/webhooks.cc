#include "notion_sim/simulator/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>

#include "core.h"
#include "notion_sim/simulator/fake_notion.h"

namespace notion_sim::sim {

const std::vector<std::string>& WebhookEventTypes() {
  static const std::vector<std::string> kTypes = {
      "page.created",
      "page.properties_updated",
      "page.content_updated",
      "page.moved",
      "page.deleted",
      "page.undeleted",
      "database.created",
      "database.content_updated",
      "data_source.created",
      "data_source.schema_updated",
      "data_source.content_updated",
      "comment.created",
      "comment.updated",
      "comment.deleted",
  };
  return kTypes;
}

bool WebhookAggregated(std::string_view type) {
  return type == "page.content_updated" || type == "page.properties_updated" ||
         type == "database.content_updated" || type == "data_source.content_updated" ||
         type == "data_source.schema_updated";
}

std::string_view DeliveryFaultName(DeliveryFault fault) {
  switch (fault) {
    case DeliveryFault::kDuplicate:
      return "duplicate";
    case DeliveryFault::kDelay:
      return "delay";
    case DeliveryFault::kReorder:
      return "reorder";
    case DeliveryFault::kDrop:
      return "drop";
    case DeliveryFault::kBadSignature:
      return "bad_signature";
  }
  return "?";
}

namespace {

TimeUs MsToUs(double ms) { return static_cast<TimeUs>(std::llround(ms * 1000.0)); }
TimeUs SecondsToUs(double s) { return static_cast<TimeUs>(std::llround(s * 1e6)); }

bool IsEventType(const std::string& type) {
  const auto& all = WebhookEventTypes();
  return std::find(all.begin(), all.end(), type) != all.end();
}

std::string EventTypeChoices() {
  std::string out;
  for (const auto& t : WebhookEventTypes()) out += (out.empty() ? "" : ", ") + t;
  return out;
}

}  // namespace

Result<WebhookSubscriptionSpec> ParseWebhookSubscription(engine::ObjectReader& r) {
  WebhookSubscriptionSpec spec;
  spec.url = r.String("url");
  if (r.ok() && spec.url.rfind("http://", 0) != 0 && spec.url.rfind("https://", 0) != 0) {
    r.Fail("url", "expected an http:// or https:// URL");
  }
  spec.verification_token = r.String("verification_token", "");
  if (r.ok() && r.Has("verification_token") && spec.verification_token.empty()) {
    r.Fail("verification_token", "expected a non-empty token (omit it to have one drawn)");
  }
  spec.event_types = r.Strings("event_types");
  for (const std::string& type : spec.event_types) {
    if (!r.ok()) break;
    if (!IsEventType(type)) {
      r.Fail("event_types",
             "unknown event type \"" + type + "\"; expected one of " + EventTypeChoices());
    }
  }
  if (r.ok() && r.Has("event_types") && spec.event_types.empty()) {
    r.Fail("event_types", "expected at least one event type (omit it for all)");
  }
  r.Finish();
  if (!r.ok()) return r.error();
  return spec;
}

Result<WebhookConfig> ParseWebhookConfig(engine::ObjectReader& r) {
  WebhookConfig config;
  for (engine::ObjectReader& s : r.Objects("subscriptions")) {
    auto spec = ParseWebhookSubscription(s);
    if (!spec.ok()) return spec.error();
    config.subscriptions.push_back(std::move(spec).value());
  }
  config.aggregation_window_us =
      MsToUs(r.Number("aggregation_window_ms", 60'000, 0, 24 * 3600 * 1000.0));
  if (std::optional<engine::ObjectReader> retry = r.OptionalObject("retry")) {
    config.max_attempts = static_cast<std::uint32_t>(retry->Int("max_attempts", 8, 1, 100));
    config.initial_backoff_us =
        MsToUs(retry->Number("initial_backoff_ms", 680'000, 1, 24 * 3600 * 1000.0));
    config.backoff_multiplier = retry->Number("multiplier", 2, 1, 10);
    retry->Finish();
  }
  for (engine::ObjectReader& f : r.Objects("faults")) {
    DeliveryFaultRule rule;
    if (std::optional<engine::ObjectReader> m = f.OptionalObject("match")) {
      rule.event_type = m->String("event_type", "");
      if (m->ok() && m->Has("event_type") && !IsEventType(rule.event_type)) {
        m->Fail("event_type", "unknown event type \"" + rule.event_type + "\"; expected one of " +
                                  EventTypeChoices());
      }
      rule.from_us = SecondsToUs(m->Number("from_s", 0, 0, 1e9));
      if (m->Has("until_s")) rule.until_us = SecondsToUs(m->Number("until_s", 0, 0, 1e9));
      if (m->ok() && rule.until_us <= rule.from_us) {
        m->Fail("until_s", "expected until_s > from_s");
      }
      m->Finish();
    }
    if (std::optional<engine::ObjectReader> t = f.OptionalObject("trigger")) {
      int kinds = 0;
      for (const char* k : {"always", "probability", "first", "every"}) kinds += t->Has(k);
      if (kinds != 1) {
        t->Fail("", "expected exactly one of \"always\", \"probability\", \"first\", \"every\"");
      } else if (t->Has("always")) {
        t->Bool("always", true);
      } else if (t->Has("probability")) {
        rule.trigger = DeliveryFaultRule::Trigger::kProbability;
        rule.probability = t->Number("probability", 0, 0, 1);
      } else if (t->Has("first")) {
        rule.trigger = DeliveryFaultRule::Trigger::kFirstN;
        rule.n = static_cast<std::uint64_t>(t->Int("first", 1, 1));
      } else {
        rule.trigger = DeliveryFaultRule::Trigger::kEveryNth;
        rule.n = static_cast<std::uint64_t>(t->Int("every", 1, 1));
      }
      t->Finish();
    }
    const std::string action =
        f.Enum("action", {"duplicate", "delay", "reorder", "drop", "bad_signature"});
    for (DeliveryFault a :
         {DeliveryFault::kDuplicate, DeliveryFault::kDelay, DeliveryFault::kReorder,
          DeliveryFault::kDrop, DeliveryFault::kBadSignature}) {
      if (DeliveryFaultName(a) == action) rule.action = a;
    }
    rule.delay_us = MsToUs(f.Number("delay_ms", 5000, 0, 24 * 3600 * 1000.0));
    f.Finish();
    if (!f.ok()) return f.error();
    config.faults.push_back(rule);
  }
  if (std::optional<engine::ObjectReader> c = r.OptionalObject("consumer")) {
    config.consumer.fail_probability = c->Number("fail_probability", 0, 0, 1);
    config.consumer.verify_signature = c->Bool("verify_signature", true);
    config.consumer.fetch = c->Bool("fetch", true);
    config.consumer.dedupe = c->Bool("dedupe", false);
    c->Finish();
  }
  r.Finish();
  if (!r.ok()) return r.error();
  return config;
}

std::string WebhookHub::Signature(std::string_view body, std::string_view token) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), token.data(), static_cast<int>(token.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  return "sha256=" + ToHex(mac, len);
}

WebhookHub::WebhookHub(const engine::Clock& clock, engine::Rng rng, WebhookConfig config,
                       std::int64_t epoch_unix_s)
    : clock_(clock),
      root_rng_(rng),
      rng_(rng),
      config_(std::move(config)),
      epoch_unix_s_(epoch_unix_s) {
  Start();
}

void WebhookHub::Start() {
  rng_ = root_rng_.Fork("ids");
  workspace_id_ = NewId();
  integration_id_ = NewId();
  rule_states_.clear();
  for (std::size_t i = 0; i < config_.faults.size(); ++i) {
    rule_states_.push_back(RuleState{root_rng_.Fork("fault." + std::to_string(i)), 0});
  }
  for (const WebhookSubscriptionSpec& spec : config_.subscriptions) Subscribe(spec);
}

void WebhookHub::Reset() {
  subs_.clear();
  pending_.clear();
  held_.clear();
  open_.clear();
  next_seq_ = 1;
  next_delivery_ = 1;
  stats_ = WebhookStats{};
  Start();
}

std::string WebhookHub::NewId() { return engine::ObjectId::Random(rng_).ToString(); }

std::uint32_t WebhookHub::Subscribe(WebhookSubscriptionSpec spec) {
  if (spec.verification_token.empty()) {
    spec.verification_token = "secret_" + Hex32(engine::ObjectId::Random(rng_));
  }
  Sub sub;
  sub.spec = std::move(spec);
  sub.id = NewId();
  subs_.push_back(std::move(sub));
  const auto index = static_cast<std::uint32_t>(subs_.size() - 1);
  Item item;
  item.d.subscription = index;
  item.d.url = subs_[index].spec.url;
  item.d.verification_token = subs_[index].spec.verification_token;
  item.d.verification = true;
  item.d.body = nlohmann::json{{"verification_token", item.d.verification_token}}.dump();
  Enqueue(std::move(item), clock_.NowUs());
  return index;
}

void WebhookHub::Enqueue(Item item, TimeUs due_us) {
  pending_.emplace(Key{due_us, next_seq_++}, std::move(item));
}

void WebhookHub::OnChange(const Change& change) {
  if (subs_.empty()) return;
  ++stats_.changes;
  const std::string type(ChangeKindName(change.kind));
  if (!IsEventType(type)) return;  // views, file uploads: Notion sends no such events
  for (std::uint32_t s = 0; s < subs_.size(); ++s) {
    const Sub& sub = subs_[s];
    const auto& types = sub.spec.event_types;
    if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) continue;
    if (!sub.verified) {
      ++stats_.skipped_unverified;
      continue;
    }
    const bool aggregate = WebhookAggregated(type) && config_.aggregation_window_us > 0;
    const auto open_key = std::make_tuple(s, type, change.event.entity);
    if (aggregate) {
      auto it = open_.find(open_key);
      if (it != open_.end()) {
        // One event for the window: it lists every block and property the changes touched.
        Item& open = pending_.at(it->second);
        const engine::ObjectId& block = change.event.updated_block;
        if (!block.empty() && std::find(open.updated_blocks.begin(), open.updated_blocks.end(),
                                        block) == open.updated_blocks.end()) {
          open.updated_blocks.push_back(block);
        }
        for (const std::string& p : change.event.updated_properties) {
          auto& props = open.facts.updated_properties;
          if (std::find(props.begin(), props.end(), p) == props.end()) props.push_back(p);
        }
        ++stats_.aggregated;
        continue;
      }
    }
    ++stats_.events;
    Item item;
    item.d.subscription = s;
    item.d.url = sub.spec.url;
    item.d.verification_token = sub.spec.verification_token;
    item.d.event_id = NewId();
    item.d.type = type;
    item.d.entity = change.event.entity;
    item.d.entity_type = std::string(change.event.entity_type);
    item.d.change_us = change.at_us;
    item.facts = change.event;
    if (!change.event.updated_block.empty())
      item.updated_blocks.push_back(change.event.updated_block);
    const TimeUs due = aggregate ? change.at_us + config_.aggregation_window_us : change.at_us;
    const Key key{due, next_seq_};
    if (aggregate) open_[open_key] = key;
    Enqueue(std::move(item), due);
  }
}

TimeUs WebhookHub::NextDueUs() const {
  TimeUs next = pending_.empty() ? kTimeNever : pending_.begin()->first.first;
  for (const auto& [until, item] : held_) next = std::min(next, until);
  return next;
}

std::string WebhookHub::Iso(TimeUs at_us) const { return IsoTime(epoch_unix_s_, at_us); }

void WebhookHub::Render(Item& item) const {
  using nlohmann::json;
  const WebhookFacts& f = item.facts;
  const std::string& type = item.d.type;
  const auto ref = [](const engine::ObjectId& id, std::string_view kind) {
    return json{{"id", id.ToString()}, {"type", kind}};
  };
  json parent = f.parent_type == "space" || f.parent.empty()
                    ? json{{"id", workspace_id_}, {"type", "space"}}
                    : ref(f.parent, f.parent_type);
  if (!f.data_source.empty()) parent["data_source_id"] = f.data_source.ToString();
  json data = {{"parent", parent}};
  if (f.entity_type == "comment") {
    if (!f.page.empty()) data["page_id"] = f.page.ToString();
  } else if (type == "page.content_updated" || type == "database.content_updated" ||
             type == "data_source.content_updated") {
    json blocks = json::array();
    for (const engine::ObjectId& b : item.updated_blocks) blocks.push_back(ref(b, "block"));
    data["updated_blocks"] = blocks;
  } else if (type == "page.properties_updated") {
    data["updated_properties"] = f.updated_properties;
  }
  json authors = json::array();
  if (!f.author.empty()) authors.push_back(ref(f.author, "bot"));
  item.d.body =
      json{
          {"id", item.d.event_id},
          {"timestamp", Iso(item.d.change_us)},
          {"workspace_id", workspace_id_},
          {"workspace_name", "notion-sim"},
          {"subscription_id", subs_[item.d.subscription].id},
          {"integration_id", integration_id_},
          {"type", type},
          {"authors", authors},
          {"attempt_number", item.d.attempt},
          {"api_version", "2025-09-03"},
          {"entity", ref(item.d.entity, item.d.entity_type)},
          {"data", data},
      }
          .dump();
}

const DeliveryFaultRule* WebhookHub::Fault(const Item& item, TimeUs now_us) {
  for (std::size_t i = 0; i < config_.faults.size(); ++i) {
    const DeliveryFaultRule& rule = config_.faults[i];
    if (!rule.event_type.empty() && rule.event_type != item.d.type) continue;
    if (now_us < rule.from_us || now_us >= rule.until_us) continue;
    RuleState& s = rule_states_[i];
    const std::uint64_t n = ++s.matched;
    bool fires = false;
    switch (rule.trigger) {
      case DeliveryFaultRule::Trigger::kAlways:
        fires = true;
        break;
      case DeliveryFaultRule::Trigger::kProbability:
        fires = s.rng.Bernoulli(rule.probability);
        break;
      case DeliveryFaultRule::Trigger::kFirstN:
        fires = n <= rule.n;
        break;
      case DeliveryFaultRule::Trigger::kEveryNth:
        fires = n % rule.n == 0;
        break;
    }
    if (fires) return &rule;
  }
  return nullptr;
}

std::vector<WebhookDelivery> WebhookHub::TakeDue() {
  const TimeUs now = clock_.NowUs();
  std::vector<WebhookDelivery> out;
  // Held (reordered) deliveries of a subscription go out right after its next one.
  auto release_held = [&](std::uint32_t sub) {
    for (auto it = held_.begin(); it != held_.end();) {
      if (it->second.d.subscription == sub) {
        out.push_back(std::move(it->second.d));
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
  };
  while (!pending_.empty() && pending_.begin()->first.first <= now) {
    auto node = pending_.extract(pending_.begin());
    Item item = std::move(node.mapped());
    if (!item.d.verification) {
      open_.erase(std::make_tuple(item.d.subscription, item.d.type, item.d.entity));
      if (item.d.body.empty()) Render(item);
      const DeliveryFaultRule* rule = item.faulted ? nullptr : Fault(item, now);
      item.faulted = true;
      if (rule != nullptr) {
        switch (rule->action) {
          case DeliveryFault::kDrop:
            ++stats_.dropped_by_fault;
            ++subs_[item.d.subscription].dropped;
            continue;
          case DeliveryFault::kDelay:
            ++stats_.delayed;
            Enqueue(std::move(item), now + rule->delay_us);
            continue;
          case DeliveryFault::kReorder:
            ++stats_.reordered;
            item.d.id = next_delivery_++;
            ++stats_.sent;
            held_.emplace_back(now + rule->delay_us, std::move(item));
            continue;
          case DeliveryFault::kBadSignature:
            ++stats_.bad_signatures;
            item.d.bad_signature = true;
            break;
          case DeliveryFault::kDuplicate: {
            ++stats_.duplicated;
            WebhookDelivery copy = item.d;
            copy.id = next_delivery_++;
            copy.duplicate = true;
            item.d.id = next_delivery_++;
            stats_.sent += 2;
            const std::uint32_t sub = item.d.subscription;
            out.push_back(std::move(item.d));
            out.push_back(std::move(copy));
            release_held(sub);
            continue;
          }
        }
      }
    } else {
      ++stats_.verifications;
    }
    item.d.id = next_delivery_++;
    ++stats_.sent;
    const std::uint32_t sub = item.d.subscription;
    out.push_back(std::move(item.d));
    release_held(sub);
  }
  // Held past their longest hold: out, in the order they were held.
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->first <= now) {
      out.push_back(std::move(it->second.d));
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void WebhookHub::Report(const WebhookDelivery& d, bool ok) {
  if (d.subscription >= subs_.size()) return;  // from before a Reset
  Sub& sub = subs_[d.subscription];
  if (d.verification) {
    if (ok) sub.verified = true;
    return;
  }
  if (d.duplicate) return;  // the original's answer decides
  if (ok) {
    ++stats_.delivered;
    ++sub.delivered;
    return;
  }
  ++stats_.failed_attempts;
  ++sub.failed;
  if (d.attempt >= config_.max_attempts) {
    ++stats_.dropped_after_retries;
    ++sub.dropped;
    return;
  }
  Item item;
  item.d = d;
  item.d.attempt = d.attempt + 1;
  item.d.bad_signature = false;
  item.d.id = 0;
  // The event as first rendered (its timestamp is the change's); only attempt_number changes.
  nlohmann::json body = nlohmann::json::parse(d.body, nullptr, false);
  if (body.is_object()) {
    body["attempt_number"] = item.d.attempt;
    item.d.body = body.dump();
  }
  const double wait = static_cast<double>(config_.initial_backoff_us) *
                      std::pow(config_.backoff_multiplier, static_cast<double>(d.attempt - 1));
  ++stats_.retries;
  Enqueue(std::move(item), clock_.NowUs() + static_cast<TimeUs>(wait));
}

nlohmann::json WebhookHub::Json() const {
  nlohmann::json subs = nlohmann::json::array();
  for (std::size_t i = 0; i < subs_.size(); ++i) {
    const Sub& s = subs_[i];
    subs.push_back(
        {{"index", i},
         {"id", s.id},
         {"url", s.spec.url},
         {"event_types", s.spec.event_types.empty() ? WebhookEventTypes() : s.spec.event_types},
         {"verified", s.verified},
         {"delivered", s.delivered},
         {"failed", s.failed},
         {"dropped", s.dropped}});
  }
  const WebhookStats& st = stats_;
  return {{"subscriptions", subs},
          {"pending", pending_.size() + held_.size()},
          {"stats",
           {{"changes", st.changes},
            {"events", st.events},
            {"aggregated", st.aggregated},
            {"skipped_unverified", st.skipped_unverified},
            {"verifications", st.verifications},
            {"sent", st.sent},
            {"delivered", st.delivered},
            {"failed_attempts", st.failed_attempts},
            {"retries", st.retries},
            {"dropped_after_retries", st.dropped_after_retries},
            {"duplicated", st.duplicated},
            {"delayed", st.delayed},
            {"reordered", st.reordered},
            {"dropped_by_fault", st.dropped_by_fault},
            {"bad_signatures", st.bad_signatures}}}};
}

}  // namespace notion_sim::sim
