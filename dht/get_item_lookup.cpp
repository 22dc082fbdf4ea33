#include "dht/get_item_lookup.h"

#include <algorithm>

namespace btnode::dht {

GetItemLookup::GetItemLookup(ItemKey key, TraversalOptions options)
    : Traversal(key.target, options), key_(std::move(key)) {}

QueryArgs GetItemLookup::query_args() const {
  GetArgs args;
  args.target = target();
  return args;
}

bool GetItemLookup::valid(const Response& r) const {
  if (!r.value || r.value->size() > kBep44MaxValueSize) return false;
  if (!key_.is_mutable()) return immutable_target(*r.value) == target();
  // The key must be the one asked for (so it hashes to the target), and the
  // signature must cover this seq and value.
  if (!r.key || !r.signature || !r.seq || *r.key != key_.public_key || *r.seq < 0) return false;
  return verify_item_signature(*r.key, *r.signature, key_.salt, *r.seq, *r.value);
}

void GetItemLookup::on_answer(const NodeInfo& from, const Response& response) {
  if (response.token && !response.token->empty())
    tokens_.push_back({from, std::string(*response.token)});
  if (!valid(response)) return;
  // Immutable: the first valid copy is the item. Mutable: the newest wins.
  if (item_ && (!key_.is_mutable() || *response.seq <= item_->seq)) return;
  FoundItem found;
  found.value = *response.value;
  if (key_.is_mutable()) {
    found.public_key = *response.key;
    found.signature = *response.signature;
    found.seq = *response.seq;
  }
  item_ = std::move(found);
}

void GetItemLookup::write_targets(std::vector<Writable>& out, std::size_t count) const {
  out = tokens_;
  const auto by_distance = [&](const Writable& a, const Writable& b) {
    return closer_to(target(), a.node.id, b.node.id);
  };
  const std::size_t n = std::min(count, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                    by_distance);
  out.resize(n);
}

}  // namespace btnode::dht
