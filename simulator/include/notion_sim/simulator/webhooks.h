// WebhookHub: Notion's webhook deliveries, as a deterministic model the fake's changes feed.
//
// Every committed change (fake_notion.h's Change, from Core::Commit) becomes a signal-only event
// for each subscription whose event types name it: `{"id", "timestamp", "workspace_id",
// "subscription_id", "integration_id", "type", "authors", "attempt_number", "entity": {"id",
// "type"}, "data": {"parent": {"id", "type"}}}`, so every event makes its consumer call the API
// again. Notion's delivery behaviour, as its webhook reference describes it:
//
//   - a subscription starts with a one-time verification request (`{"verification_token": ...}`,
//     unsigned); events are delivered only once the endpoint answered it 2xx (Notion: once the
//     token is confirmed), earlier ones are skipped;
//   - high-frequency types (*.content_updated, page.properties_updated, *.schema_updated) are
//     aggregated: changes of one entity within `aggregation_window_us` of the first make one
//     event, sent when the window closes; other events are due at once;
//   - no ordering promise (consumers order by `timestamp`): the model sends in due order, and the
//     delivery faults below break it;
//   - a failed delivery (not 2xx, or no answer) is retried `initial_backoff_us` later, each wait
//     `backoff_multiplier` times the last, until `max_attempts` attempts (Notion: 8 over about 24
//     hours); then the event is dropped.
//
// Faults on deliveries (data, like the fault plan): duplicate (the attempt is sent twice), delay
// (sent `delay_us` later), reorder (held until the subscription's next delivery has gone out, at
// most `delay_us`), drop (never sent, no retry), bad_signature (X-Notion-Signature does not match
// the body). A rule matches an event type and a time window and fires by a trigger (always,
// probability, first N, every Nth), from its own Rng stream.
//
// The hub renders each delivery's exact body; the door sends it signed with Signature():
// X-Notion-Signature = "sha256=" + hex HMAC-SHA256(body, key = verification token). The hub
// reads time from the clock it is given and randomness from its Rng only.
//
//   WebhookHub hub(clock, engine::Rng(7).Fork("webhooks"), config, epoch_unix_s);
//   hub.OnChange(change);                          // from FakeNotion's commit point
//   for (WebhookDelivery& d : hub.TakeDue()) {     // at hub.NextDueUs()
//     bool ok = Send(d);                           // the endpoint answered 2xx
//     hub.Report(d, ok);
//   }
//
// Not thread-safe (the fake owns one; serve calls it under the core's lock).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "notion_sim/engine/json_reader.h"
#include "notion_sim/engine/loop.h"
#include "notion_sim/engine/object_id.h"
#include "notion_sim/engine/rng.h"
#include "notion_sim/engine/status.h"
#include "notion_sim/engine/time.h"

namespace notion_sim::sim {

struct Change;

// What a webhook event says about a change, in Notion's terms (the SDK's *WebhookPayload types):
// filled by the fake's commit point from its model.
struct WebhookFacts {
  engine::ObjectId entity;         // the page, database, data source or comment the event names
  std::string_view entity_type;    // "page", "database", "data_source", "comment"
  engine::ObjectId parent;         // data.parent: a row's parent is its data source's database
  std::string_view parent_type;    // "page", "database", "block", "space" (the workspace)
  engine::ObjectId data_source;    // data.parent.data_source_id, for a row of a data source
  engine::ObjectId page;           // comment events: data.page_id
  engine::ObjectId updated_block;  // page.content_updated: the block changed
  std::vector<std::string> updated_properties;  // page.properties_updated: property ids
  engine::ObjectId author;                      // the bot of the token that made the change
};

// The event types the fake emits, in Notion's names (page.created, ...).
const std::vector<std::string>& WebhookEventTypes();
// Whether Notion aggregates events of `type` (content, properties and schema updates).
bool WebhookAggregated(std::string_view type);

struct WebhookSubscriptionSpec {
  std::string url;
  // The key of every signature; drawn from the hub's Rng ("secret_" + 32 hex) when empty.
  std::string verification_token;
  std::vector<std::string> event_types;  // empty: every type of WebhookEventTypes()
};

enum class DeliveryFault : std::uint8_t { kDuplicate, kDelay, kReorder, kDrop, kBadSignature };
std::string_view DeliveryFaultName(DeliveryFault fault);  // "duplicate", "delay", ...

struct DeliveryFaultRule {
  std::string event_type;  // "" = any (the verification request is never faulted)
  TimeUs from_us = 0;
  TimeUs until_us = kTimeNever;
  enum class Trigger : std::uint8_t {
    kAlways,
    kProbability,
    kFirstN,
    kEveryNth
  } trigger = Trigger::kAlways;
  double probability = 0;  // kProbability
  std::uint64_t n = 0;     // kFirstN, kEveryNth
  DeliveryFault action = DeliveryFault::kDrop;
  TimeUs delay_us = Sec(5);  // kDelay; kReorder: the longest hold
};

// The simulated endpoint and the integration behind it (simulation only; serve posts to the
// subscriptions' URLs instead).
struct WebhookConsumer {
  double fail_probability = 0;   // the endpoint answers 500 to an event delivery
  bool verify_signature = true;  // a delivery whose signature is wrong is answered 401
  bool fetch = true;             // each accepted event makes the integration fetch the entity
  bool dedupe = false;           // ... unless it already fetched for that event id
};

struct WebhookConfig {
  std::vector<WebhookSubscriptionSpec> subscriptions;
  TimeUs aggregation_window_us = Sec(60);
  std::uint32_t max_attempts = 8;
  TimeUs initial_backoff_us = Sec(680);  // 680 s x (1 + 2 + ... + 64) = 24 h over 8 attempts
  double backoff_multiplier = 2.0;
  std::vector<DeliveryFaultRule> faults;
  WebhookConsumer consumer;
};

// Reads a "webhooks" section:
//   {"subscriptions": [{"url": "http://127.0.0.1:9000/hook", "verification_token": "secret_…",
//                       "event_types": ["page.created", "comment.created"]}],
//    "aggregation_window_ms": 60000,
//    "retry": {"max_attempts": 8, "initial_backoff_ms": 680000, "multiplier": 2},
//    "faults": [{"match": {"event_type": "page.created", "from_s": 0, "until_s": 60},
//                "trigger": {"probability": 0.1}, "action": "duplicate"}],
//    "consumer": {"fail_probability": 0.1, "verify_signature": true, "fetch": true,
//                 "dedupe": false}}
// Unknown fields are errors. Finishes `section`.
Result<WebhookConfig> ParseWebhookConfig(engine::ObjectReader& section);
// One subscription object (the admin API's POST /__admin/webhooks body). Finishes `reader`.
Result<WebhookSubscriptionSpec> ParseWebhookSubscription(engine::ObjectReader& reader);

// One HTTP request the hub wants sent.
struct WebhookDelivery {
  std::uint64_t id = 0;  // unique per request sent (a duplicate gets its own)
  std::uint32_t subscription = 0;
  std::string url;
  std::string verification_token;  // the signing key
  bool verification = false;       // the one-time verification request (not signed)
  std::string event_id;            // empty for the verification request
  std::string type;                // "page.created", ...; empty for the verification request
  engine::ObjectId entity;
  std::string entity_type;  // "page", "database", "data_source", "comment"
  TimeUs change_us = 0;     // the (first) change's time: the event's timestamp
  std::uint32_t attempt = 1;
  bool bad_signature = false;  // a fault: the signature sent must not match
  bool duplicate = false;      // the second copy of a duplicated attempt
  std::string body;            // the exact body to sign and send
};

// Counters, over the hub's life (Reset clears them).
struct WebhookStats {
  std::uint64_t changes = 0;             // changes seen
  std::uint64_t events = 0;              // events made (one per subscription and change, or
                                         // per aggregation window)
  std::uint64_t aggregated = 0;          // changes folded into an open event
  std::uint64_t skipped_unverified = 0;  // events for a subscription not yet verified
  std::uint64_t verifications = 0;       // verification requests sent
  std::uint64_t sent = 0;                // requests handed out (retries and duplicates included)
  std::uint64_t delivered = 0;           // answered 2xx (events only)
  std::uint64_t failed_attempts = 0;     // not 2xx, or no answer (events only)
  std::uint64_t retries = 0;             // attempts after the first
  std::uint64_t dropped_after_retries = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t delayed = 0;
  std::uint64_t reordered = 0;
  std::uint64_t dropped_by_fault = 0;
  std::uint64_t bad_signatures = 0;
};

class WebhookHub {
 public:
  // Subscribes `config.subscriptions` at the clock's current time.
  WebhookHub(const engine::Clock& clock, engine::Rng rng, WebhookConfig config,
             std::int64_t epoch_unix_s);

  // Adds a subscription; its verification request is due now. Returns its index.
  std::uint32_t Subscribe(WebhookSubscriptionSpec spec);
  // Feeds one committed change.
  void OnChange(const Change& change);
  // When the next request is due (kTimeNever: none).
  TimeUs NextDueUs() const;
  // The requests due by now, in the order to send them (faults applied).
  std::vector<WebhookDelivery> TakeDue();
  // What became of a request: `ok` when the endpoint answered 2xx. A failed event attempt is
  // retried or dropped; a verification answered 2xx verifies its subscription.
  void Report(const WebhookDelivery& delivery, bool ok);
  // Back to the configured subscriptions, unverified, with nothing pending and zero counters;
  // draws repeat a fresh hub's.
  void Reset();

  bool active() const { return !subs_.empty(); }
  std::size_t subscription_count() const { return subs_.size(); }
  // Subscription `index` as subscribed (its token drawn when it was not given).
  const WebhookSubscriptionSpec& subscription(std::uint32_t index) const {
    return subs_.at(index).spec;
  }
  const WebhookStats& stats() const { return stats_; }
  const WebhookConfig& config() const { return config_; }
  // {"subscriptions": [{"id", "url", "event_types", "verified", "delivered", "failed",
  // "dropped"}], "pending": N, "stats": {...}} (no tokens: the admin view).
  nlohmann::json Json() const;
  // Signs `body` as Notion does: "sha256=" + hex HMAC-SHA256(body, key = token) (OpenSSL).
  static std::string Signature(std::string_view body, std::string_view token);

 private:
  struct Sub {
    WebhookSubscriptionSpec spec;
    std::string id;  // subscription_id
    bool verified = false;
    std::uint64_t delivered = 0;
    std::uint64_t failed = 0;
    std::uint64_t dropped = 0;
  };
  struct Item {
    WebhookDelivery d;
    WebhookFacts facts;
    std::vector<engine::ObjectId> updated_blocks;  // aggregated: every block of the window
    bool faulted = false;                          // this attempt already met the fault rules
  };
  struct RuleState {
    engine::Rng rng{0};
    std::uint64_t matched = 0;
  };
  using Key = std::pair<TimeUs, std::uint64_t>;  // (due, sequence): ordered, deterministic

  void Start();
  void Enqueue(Item item, TimeUs due_us);
  void Render(Item& item) const;
  std::string Iso(TimeUs at_us) const;
  std::string NewId();
  // The first rule that fires for `item` now, if any.
  const DeliveryFaultRule* Fault(const Item& item, TimeUs now_us);

  const engine::Clock& clock_;
  engine::Rng root_rng_;
  engine::Rng rng_;
  WebhookConfig config_;
  std::int64_t epoch_unix_s_;
  std::string workspace_id_;
  std::string integration_id_;
  std::vector<Sub> subs_;
  std::vector<RuleState> rule_states_;
  std::map<Key, Item> pending_;
  std::vector<std::pair<TimeUs, Item>> held_;  // reordered: (latest release, item)
  // Open aggregation windows: (subscription, type, entity) -> the pending key of their event.
  std::map<std::tuple<std::uint32_t, std::string, engine::ObjectId>, Key> open_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_delivery_ = 1;
  WebhookStats stats_;
};

}  // namespace notion_sim::sim
