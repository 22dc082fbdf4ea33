#include "dht/item_store.h"

#include <algorithm>

#include "core/bencode.h"
#include "dht/item.h"

namespace btnode::dht {

NodeId put_target(const PutArgs& args) {
  return args.is_mutable() ? mutable_target(*args.key, args.salt) : immutable_target(args.value);
}

std::optional<PutRefusal> check_put(const PutArgs& args) {
  if (args.value.size() > kBep44MaxValueSize)
    return PutRefusal{ErrorCode::message_too_big, "message (v field) too big"};
  if (args.salt.size() > kBep44MaxSaltSize)
    return PutRefusal{ErrorCode::salt_too_big, "salt (salt field) too big"};
  // BEP 44: v is hashed and signed as sent, so it must be canonical bencode
  // or two nodes could disagree about what was signed.
  bencode::DecodeOptions strict;
  strict.strict_keys = true;
  if (!bencode::decode(args.value, strict)) return PutRefusal{ErrorCode::protocol, "invalid 'v'"};
  if (!args.is_mutable()) return std::nullopt;
  // BEP 44 allows refusing negative sequence numbers; they only confuse cas.
  if (*args.seq < 0) return PutRefusal{ErrorCode::protocol, "invalid 'seq'"};
  return std::nullopt;
}

ItemStore::ItemStore(ItemStoreOptions options) : options_(options) {}

std::optional<PutRefusal> ItemStore::put(const PutArgs& args, TimePoint now) {
  if (args.is_mutable() &&
      !verify_item_signature(*args.key, *args.signature, args.salt, *args.seq, args.value))
    return PutRefusal{ErrorCode::invalid_signature, "invalid signature"};
  const NodeId target = put_target(args);
  auto it = items_.find(target);
  if (it != items_.end() && is_live(it->second, now)) {
    if (!args.is_mutable()) {
      it->second.stored = now;  // same hash, same value: a republish
      return std::nullopt;
    }
    return replace_mutable(it->second, args, now);
  }
  if (it == items_.end()) {
    make_room();
    it = items_.emplace(target, StoredItem{}).first;
  }
  StoredItem& item = it->second;
  item.value = args.value;
  item.key = args.key.value_or(std::string_view{});
  item.signature = args.signature.value_or(std::string_view{});
  item.seq = args.seq.value_or(0);
  item.stored = now;
  return std::nullopt;
}

std::optional<PutRefusal> ItemStore::replace_mutable(StoredItem& item, const PutArgs& args,
                                                     TimePoint now) const {
  // BEP 44: cas must match the stored seq, else 301 (critical for writers
  // racing on one item).
  if (args.cas && *args.cas != item.seq)
    return PutRefusal{ErrorCode::cas_mismatch,
                      "the CAS hash mismatched, re-read value and try again"};
  if (*args.seq < item.seq || (*args.seq == item.seq && args.value != item.value))
    return PutRefusal{ErrorCode::sequence_too_old, "sequence number less than current"};
  // Equal seq and value: a republish, which only resets the timeout.
  item.value = args.value;
  item.signature = *args.signature;
  item.seq = *args.seq;
  item.stored = now;
  return std::nullopt;
}

void ItemStore::make_room() {
  if (items_.size() < options_.max_items || items_.empty()) return;
  // Linear scan, only when full: bounded by max_items, and evicting the
  // item closest to expiry loses the least.
  auto oldest = std::min_element(items_.begin(), items_.end(), [](const auto& a, const auto& b) {
    return a.second.stored < b.second.stored;
  });
  items_.erase(oldest);
}

const StoredItem* ItemStore::get(const NodeId& target, TimePoint now) const {
  const auto it = items_.find(target);
  if (it == items_.end() || !is_live(it->second, now)) return nullptr;
  return &it->second;
}

void ItemStore::expire(TimePoint now) {
  std::erase_if(items_, [&](const auto& entry) { return !is_live(entry.second, now); });
}

}  // namespace btnode::dht
