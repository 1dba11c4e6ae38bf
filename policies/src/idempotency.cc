#include "notion_sim/policies/idempotency.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>

#include <nlohmann/json.hpp>

#include "policy_check.h"

namespace notion_sim::policies {
namespace {

using Json = nlohmann::json;
// nlohmann's own serializer writes the payload, so its text is dump()'s byte for byte (key order,
// escapes, number formats, the error on invalid UTF-8): the canonical form stays what it was when
// it was a string. It writes into a Sink: a string, or the SHA-256 context.
using Sink = nlohmann::detail::output_adapter_protocol<char>;
using Serializer = nlohmann::detail::serializer<Json>;

// An id as canonical JSON: the quoted UUID text (hex digits and dashes: nothing to escape), or
// null.
void WriteIdOrNull(Sink& out, const engine::ObjectId& id) {
  if (id.empty()) {
    out.write_characters("null", 4);
    return;
  }
  const std::string text = id.ToString();
  out.write_character('"');
  out.write_characters(text.data(), text.size());
  out.write_character('"');
}

void WriteLiteral(Sink& out, std::string_view text) {
  out.write_characters(text.data(), text.size());
}

// The text nlohmann::json's dump() gives for
//   {"operation": name, "params": {"parent": id|null, "payload": payload|null, "target": id|null}}
// (std::map-ordered keys at every level, no whitespace), written piece by piece: operation names
// are lower-case identifiers (nothing to escape).
void WriteCanonical(const engine::LogicalOp& op, Sink& out, Serializer& payload_writer) {
  WriteLiteral(out, R"({"operation":")");
  WriteLiteral(out, engine::OperationName(op.operation));
  WriteLiteral(out, R"(","params":{"parent":)");
  WriteIdOrNull(out, op.parent);
  WriteLiteral(out, R"(,"payload":)");
  if (op.payload != nullptr) {
    payload_writer.dump(*op.payload, /*pretty_print=*/false, /*ensure_ascii=*/false,
                        /*indent_step=*/0);
  } else {
    WriteLiteral(out, "null");
  }
  WriteLiteral(out, R"(,"target":)");
  WriteIdOrNull(out, op.target);
  WriteLiteral(out, "}}");
}

const EVP_MD* Sha256Md() {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the implementation up again on every
  // EVP_DigestInit_ex, which cost more than the hash itself. Thread-safe (a static's init).
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  NSIM_POLICY_CHECK(kSha256 != nullptr);
  return kSha256;
}

// Feeds the SHA-256 context through a small buffer: the serializer writes a character at a time
// (quotes, colons, commas), and a digest update per character would cost more than the hash.
class HashSink final : public Sink {
 public:
  explicit HashSink(EVP_MD_CTX* ctx) : ctx_(ctx) {}
  void write_character(char c) override {
    if (used_ == sizeof(buf_)) Flush();
    buf_[used_++] = c;
  }
  void write_characters(const char* s, std::size_t n) override {
    if (n > sizeof(buf_) - used_) {
      Flush();
      if (n >= sizeof(buf_)) {
        Update(s, n);
        return;
      }
    }
    std::memcpy(buf_ + used_, s, n);
    used_ += n;
  }
  void Flush() {
    Update(buf_, used_);
    used_ = 0;
  }

 private:
  void Update(const char* s, std::size_t n) {
    NSIM_POLICY_CHECK(EVP_DigestUpdate(ctx_, s, n) == 1);
  }
  EVP_MD_CTX* ctx_;
  char buf_[512];
  std::size_t used_ = 0;
};

// One per thread, made at its first key and reused for every later one: the digest context, the
// sink and the serializer (which allocates its indent buffer when made).
class KeyHasher {
 public:
  KeyHasher()
      : ctx_(EVP_MD_CTX_new()),
        sink_(std::make_shared<HashSink>(ctx_)),
        payload_writer_(sink_, ' ') {
    NSIM_POLICY_CHECK(ctx_ != nullptr);
  }
  ~KeyHasher() { EVP_MD_CTX_free(ctx_); }
  KeyHasher(const KeyHasher&) = delete;
  KeyHasher& operator=(const KeyHasher&) = delete;

  IdempotencyKey Key(const engine::LogicalOp& op) {
    NSIM_POLICY_CHECK(EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr) == 1);
    WriteCanonical(op, *sink_, payload_writer_);
    sink_->Flush();
    IdempotencyKey out{};
    unsigned int size = 0;
    NSIM_POLICY_CHECK(EVP_DigestFinal_ex(ctx_, out.data(), &size) == 1 && size == out.size());
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
  std::shared_ptr<HashSink> sink_;
  Serializer payload_writer_;
};

}  // namespace

std::string CanonicalOpJson(const engine::LogicalOp& op) {
  std::string out;
  const nlohmann::detail::output_adapter_t<char> sink =
      std::make_shared<nlohmann::detail::output_string_adapter<char>>(out);
  Serializer payload_writer(sink, ' ');
  WriteCanonical(op, *sink, payload_writer);
  return out;
}

IdempotencyKey Sha256(std::string_view bytes) {
  IdempotencyKey out{};
  unsigned int size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  NSIM_POLICY_CHECK(ctx != nullptr);
  const bool ok = EVP_DigestInit_ex(ctx, Sha256Md(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, bytes.data(), bytes.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out.data(), &size) == 1;
  EVP_MD_CTX_free(ctx);
  NSIM_POLICY_CHECK(ok && size == out.size());
  return out;
}

IdempotencyKey IdempotencyKeyFor(const engine::LogicalOp& op) {
  thread_local KeyHasher hasher;
  return hasher.Key(op);
}

std::string KeyToHex(const IdempotencyKey& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : key) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

std::optional<IdempotencyKey> KeyFromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  IdempotencyKey key{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return key;
}

Result<KeyStoreConfig> ParseKeyStoreConfig(engine::ObjectReader& r, KeyStoreConfig d) {
  KeyStoreConfig c = d;
  c.ttl_us = Ms(r.Int("ttl_ms", d.ttl_us / kUsPerMs, 1, 365LL * 24 * 3600 * 1000));
  c.max_entries = static_cast<std::size_t>(
      r.Int("max_entries", static_cast<std::int64_t>(d.max_entries), 1, 1'000'000'000));
  r.Finish();
  if (!r.ok()) return r.error();
  return c;
}

// ---- MemoryKeyStore ----

Result<KeyClaim> MemoryKeyStore::Claim(const IdempotencyKey& key, std::uint64_t op_id,
                                       TimeUs now_us) {
  auto it = records_.find(key);
  if (it != records_.end() && now_us < it->second.expires_us) return KeyClaim::kDuplicate;
  if (it == records_.end() && records_.size() >= config_.max_entries) {
    (void)Expire(now_us);  // memory: cannot fail
    if (records_.size() >= config_.max_entries) {
      return Error{
          ErrorCode::kLimitExceeded,
          "idempotency key store full (" + std::to_string(config_.max_entries) + " live keys)"};
    }
  }
  KeyRecord record;
  record.key = key;
  record.op_id = op_id;
  record.state = KeyState::kInFlight;
  record.stored_us = now_us;
  record.expires_us = now_us + config_.ttl_us;
  records_[key] = record;
  return KeyClaim::kClaimed;
}

Status MemoryKeyStore::Complete(const IdempotencyKey& key, const engine::ObjectId& result,
                                TimeUs now_us) {
  auto it = records_.find(key);
  if (it == records_.end()) {
    return Error{ErrorCode::kNotFound, "idempotency key " + KeyToHex(key) + " not claimed"};
  }
  it->second.state = KeyState::kCompleted;
  it->second.result = result;
  it->second.stored_us = now_us;
  it->second.expires_us = now_us + config_.ttl_us;
  return {};
}

Status MemoryKeyStore::Release(const IdempotencyKey& key) {
  records_.erase(key);
  return {};
}

Result<std::optional<KeyRecord>> MemoryKeyStore::Find(const IdempotencyKey& key, TimeUs now_us) {
  auto it = records_.find(key);
  if (it == records_.end() || now_us >= it->second.expires_us) {
    return std::optional<KeyRecord>();
  }
  return std::optional<KeyRecord>(it->second);
}

Result<std::size_t> MemoryKeyStore::Expire(TimeUs now_us) {
  std::size_t removed = 0;
  for (auto it = records_.begin(); it != records_.end();) {
    if (now_us >= it->second.expires_us) {
      it = records_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace notion_sim::policies
