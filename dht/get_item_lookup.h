// BEP 44 get lookup: walks toward an item's target asking `get`, keeps the
// newest valid item any node returned and each node's write token, so that a
// put can follow to the k closest nodes that gave one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dht/item.h"
#include "dht/traversal.h"

namespace btnode::dht {

// Which item to look up: immutable by the hash of its value, or mutable by
// public key and salt.
struct ItemKey {
  NodeId target;
  std::string public_key;  // 32 bytes: mutable; empty: immutable
  std::string salt;

  static ItemKey immutable(const NodeId& target) { return {target, {}, {}}; }
  static ItemKey mutable_item(std::string_view public_key, std::string_view salt) {
    return {mutable_target(public_key, salt), std::string(public_key), std::string(salt)};
  }
  bool is_mutable() const { return !public_key.empty(); }
};

// An item as found (or as put): raw bencoded value; mutable items also carry
// the key, signature and sequence number.
struct FoundItem {
  std::string value;
  std::string public_key;
  std::string signature;
  std::int64_t seq = 0;
};

class GetItemLookup final : public Traversal {
 public:
  struct Writable {
    NodeInfo node;
    std::string token;
  };

  GetItemLookup(ItemKey key, TraversalOptions options);

  QueryArgs query_args() const override;
  const ItemKey& key() const { return key_; }
  // The item with the highest seq that passed the checks, if any.
  const std::optional<FoundItem>& item() const { return item_; }
  // The `count` closest nodes that answered with a token, nearest first.
  void write_targets(std::vector<Writable>& out, std::size_t count) const;

 private:
  void on_answer(const NodeInfo& from, const Response& response) override;
  // BEP 44: a requester must check what it is given; the nodes answering
  // are not trusted.
  bool valid(const Response& response) const;

  ItemKey key_;
  std::optional<FoundItem> item_;
  std::vector<Writable> tokens_;
};

}  // namespace btnode::dht
