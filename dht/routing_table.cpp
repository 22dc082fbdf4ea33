#include "dht/routing_table.h"

#include <algorithm>

#include "dht/node_id_security.h"

namespace btnode::dht {
namespace {

constexpr std::size_t kIdBits = 160;

bool bit(const NodeId& id, std::size_t i) {
  return (id.bytes[i / 8] >> (7 - i % 8)) & 1;
}

void set_bit(NodeId& id, std::size_t i, bool value) {
  const auto mask = static_cast<std::uint8_t>(0x80 >> (i % 8));
  id.bytes[i / 8] = value ? (id.bytes[i / 8] | mask) : (id.bytes[i / 8] & ~mask);
}

// The IP index ignores ports: one host, one entry.
Endpoint ip_key(const Endpoint& endpoint) {
  return endpoint.with_port(0);
}

}  // namespace

RoutingTable::RoutingTable(const NodeId& self, RoutingTableOptions options)
    : self_(self), options_(options) {
  // No Bucket& is held across split_last(), so the vector may grow; a
  // 10,000-node network needs about a dozen buckets.
  buckets_.reserve(4);
  buckets_.emplace_back();
}

std::size_t RoutingTable::capacity(std::size_t index) const {
  const std::size_t k = options_.bucket.capacity;
  // The bucket that covers our id splits at k, whatever its index: a wide
  // last bucket would hold our neighbourhood in one unsorted lump.
  if (index >= options_.far_capacity.size() || can_split(index)) return k;
  return std::max(k, options_.far_capacity[index]);
}

std::size_t RoutingTable::bucket_index(const NodeId& id) const {
  const auto shared = static_cast<std::size_t>(common_prefix_bits(self_, id));
  return std::min(shared, buckets_.size() - 1);
}

bool RoutingTable::can_split(std::size_t index) const {
  return index + 1 == buckets_.size() && buckets_.size() < kIdBits;
}

// The last bucket holds every id sharing >= depth bits with ours; the ids
// sharing more move to a new last bucket.
void RoutingTable::split_last() {
  const std::size_t depth = buckets_.size() - 1;
  Bucket& old = buckets_.back();
  Bucket next;
  next.last_changed = old.last_changed;
  auto moves = [&](const NodeEntry& e) {
    return static_cast<std::size_t>(common_prefix_bits(self_, e.info.id)) > depth;
  };
  for (auto* list : {&old.live, &old.cache}) {
    auto& target = list == &old.live ? next.live : next.cache;
    auto keep_end = std::stable_partition(list->begin(), list->end(),
                                          [&](const NodeEntry& e) { return !moves(e); });
    target.assign(std::make_move_iterator(keep_end), std::make_move_iterator(list->end()));
    list->erase(keep_end, list->end());
  }
  // A wide far bucket may hand the next one more live nodes than it holds:
  // the surplus waits in its cache (the least recently seen dropped first).
  const std::size_t room = capacity(depth + 1);
  if (next.live.size() > room) {
    std::stable_sort(next.live.begin(), next.live.end(), [](const NodeEntry& a, const NodeEntry& b) {
      return a.last_seen > b.last_seen;
    });
    for (std::size_t i = room; i < next.live.size(); ++i) {
      if (next.cache.size() < options_.bucket.cache_capacity) {
        next.cache.push_back(std::move(next.live[i]));
      } else {
        unindex_ip(next.live[i].info);
      }
    }
    next.live.resize(room);
  }
  buckets_.push_back(std::move(next));
}

NodeEntry RoutingTable::make_entry(const NodeInfo& node, TimePoint now) const {
  NodeEntry e;
  e.info = node;
  e.last_seen = now;
  e.verified = is_secure_node_id(node.id, node.endpoint);
  return e;
}

bool RoutingTable::ip_available(const NodeInfo& node) const {
  if (!options_.one_node_per_ip) return true;
  const auto it = by_ip_.find(ip_key(node.endpoint));
  return it == by_ip_.end() || it->second == node.id;
}

void RoutingTable::index_ip(const NodeInfo& node) {
  if (options_.one_node_per_ip) by_ip_[ip_key(node.endpoint)] = node.id;
}

void RoutingTable::unindex_ip(const NodeInfo& node) {
  if (!options_.one_node_per_ip) return;
  const auto it = by_ip_.find(ip_key(node.endpoint));
  if (it != by_ip_.end() && it->second == node.id) by_ip_.erase(it);
}

// ---------------------------------------------------------------- events

RoutingTable::Update RoutingTable::node_responded(const NodeInfo& node, TimePoint now) {
  if (node.id == self_) return {};
  Bucket& bucket = buckets_[bucket_index(node.id)];
  if (NodeEntry* live = bucket.find_live(node.id)) return refresh_live(bucket, *live, node, now);
  NodeEntry entry = make_entry(node, now);
  if (NodeEntry* cached = bucket.find_cached(node.id)) {
    if (cached->info.endpoint == node.endpoint) entry = *cached;  // keeps last_query
    unindex_ip(cached->info);
    bucket.cache.erase(bucket.cache.begin() + (cached - bucket.cache.data()));
  }
  if (!ip_available(node)) return {Status::ip_taken, {}};
  entry.responded = true;
  entry.failures = 0;
  entry.ping_suggested = false;
  entry.last_response = entry.last_seen = now;
  return insert_confirmed(std::move(entry), now);
}

RoutingTable::Update RoutingTable::node_queried(const NodeInfo& node, TimePoint now) {
  if (node.id == self_) return {};
  const std::size_t index = bucket_index(node.id);
  Bucket& bucket = buckets_[index];
  NodeEntry* known = bucket.find_live(node.id);
  const bool live = known != nullptr;
  if (!known) known = bucket.find_cached(node.id);
  if (known) {
    if (known->info.endpoint != node.endpoint) return {Status::id_conflict, {}};
    known->last_query = known->last_seen = now;
    return {Status::updated, live ? std::nullopt : suggest_ping(index, now)};
  }
  if (!ip_available(node)) return {Status::ip_taken, {}};
  NodeEntry entry = make_entry(node, now);
  entry.last_query = now;
  return add_to_cache(index, std::move(entry), now);
}

RoutingTable::Update RoutingTable::node_heard_of(const NodeInfo& node, TimePoint now) {
  if (node.id == self_) return {};
  const std::size_t index = bucket_index(node.id);
  Bucket& bucket = buckets_[index];
  if (bucket.find_live(node.id) || bucket.find_cached(node.id)) return {};
  if (bucket.live.size() >= capacity(index) && !can_split(index)) return {};
  if (!ip_available(node)) return {Status::ip_taken, {}};
  return add_to_cache(index, make_entry(node, now), now);
}

RoutingTable::Update RoutingTable::node_failed(const NodeInfo& node, TimePoint now) {
  const std::size_t index = bucket_index(node.id);
  Bucket& bucket = buckets_[index];
  if (NodeEntry* live = bucket.find_live(node.id); live && live->info.endpoint == node.endpoint) {
    ++live->failures;
    live->ping_suggested = false;
    if (live->state(now, options_.bucket) == NodeState::bad) promote_from_cache(bucket, now);
    return {Status::updated, suggest_ping(index, now)};
  }
  NodeEntry* cached = bucket.find_cached(node.id);
  if (!cached || cached->info.endpoint != node.endpoint) return {};
  // An unconfirmed node that does not answer is not worth keeping.
  unindex_ip(cached->info);
  bucket.cache.erase(bucket.cache.begin() + (cached - bucket.cache.data()));
  return {Status::updated, {}};
}

// ---------------------------------------------------------------- placement

RoutingTable::Update RoutingTable::refresh_live(Bucket& bucket, NodeEntry& live,
                                                const NodeInfo& node, TimePoint now) {
  if (live.info.endpoint != node.endpoint) {
    // A good node keeps its endpoint: a stranger reusing its id is ignored.
    // A node that went quiet may have moved (a home router's new IP).
    if (live.state(now, options_.bucket) == NodeState::good) return {Status::id_conflict, {}};
    if (!ip_available(node)) return {Status::ip_taken, {}};
    unindex_ip(live.info);
    live.info = node;
    live.verified = is_secure_node_id(node.id, node.endpoint);
    index_ip(node);
  }
  live.responded = true;
  live.failures = 0;
  live.ping_suggested = false;
  live.last_response = live.last_seen = now;
  bucket.last_changed = now;
  return {Status::updated, {}};
}

RoutingTable::Update RoutingTable::insert_confirmed(NodeEntry entry, TimePoint now) {
  // Each split adds a bucket, and there are at most 160: the loop is bounded.
  while (true) {
    const std::size_t index = bucket_index(entry.info.id);
    Bucket& bucket = buckets_[index];
    if (bucket.live.size() < capacity(index)) {
      index_ip(entry.info);
      bucket.live.push_back(std::move(entry));
      bucket.last_changed = now;
      return {Status::added, {}};
    }
    if (!can_split(index)) break;
    split_last();
    promote_from_cache(buckets_[buckets_.size() - 2], now);
    promote_from_cache(buckets_.back(), now);
  }
  const std::size_t index = bucket_index(entry.info.id);
  Bucket& bucket = buckets_[index];
  NodeEntry* victim = bucket.bad_node(now, options_.bucket);
  if (!victim && entry.verified) victim = bucket.unverified_non_good(now, options_.bucket);
  if (victim) {
    replace_live(bucket, *victim, std::move(entry), now);
    return {Status::added, {}};
  }
  return add_to_cache(index, std::move(entry), now);
}

RoutingTable::Update RoutingTable::add_to_cache(std::size_t index, NodeEntry entry, TimePoint now) {
  Bucket& bucket = buckets_[index];
  Status status = Status::cached;
  if (bucket.cache.size() < options_.bucket.cache_capacity) {
    index_ip(entry.info);
    bucket.cache.push_back(std::move(entry));
  } else if (const auto victim = bucket.cache_victim(entry); victim != bucket.cache.end()) {
    unindex_ip(victim->info);
    index_ip(entry.info);
    *victim = std::move(entry);
  } else {
    status = Status::ignored;
  }
  return {status, suggest_ping(index, now)};
}

void RoutingTable::replace_live(Bucket& bucket, NodeEntry& victim, NodeEntry entry, TimePoint now) {
  unindex_ip(victim.info);
  index_ip(entry.info);
  victim = std::move(entry);
  bucket.last_changed = now;
}

// Fills free or bad live slots with cached nodes that have answered us.
void RoutingTable::promote_from_cache(Bucket& bucket, TimePoint now) {
  const std::size_t room = capacity(static_cast<std::size_t>(&bucket - buckets_.data()));
  while (!bucket.cache.empty()) {
    const auto best = bucket.best_confirmed_cached();
    if (best == bucket.cache.end()) return;
    NodeEntry* slot = bucket.bad_node(now, options_.bucket);
    if (bucket.live.size() < room) {
      bucket.live.push_back(std::move(*best));
      bucket.last_changed = now;
    } else if (slot) {
      replace_live(bucket, *slot, std::move(*best), now);
    } else {
      return;
    }
    bucket.cache.erase(best);
  }
}

// What to ping next for this bucket: a cached newcomer when it could take a
// slot at once, otherwise the least recently seen questionable live node
// (BEP 5: ping before evicting).
std::optional<NodeInfo> RoutingTable::suggest_ping(std::size_t index, TimePoint now) {
  Bucket& bucket = buckets_[index];
  const BucketPolicy& policy = options_.bucket;
  const bool room = bucket.live.size() < capacity(index) || can_split(index) ||
                    bucket.bad_node(now, policy) != nullptr;
  NodeEntry* pick = room ? bucket.cached_to_ping(now, policy) : nullptr;
  if (!pick) pick = bucket.ping_candidate(now, policy);
  if (!pick) return std::nullopt;
  pick->ping_suggested = true;
  pick->last_ping = now;
  return pick->info;
}

// ---------------------------------------------------------------- queries

void RoutingTable::closest(const NodeId& target, std::size_t count, std::vector<NodeInfo>& out,
                           TimePoint now) const {
  out.clear();
  auto take = [&](const Bucket& bucket) {
    for (const auto& e : bucket.live) {
      if (e.state(now, options_.bucket) != NodeState::bad) out.push_back(e.info);
    }
  };
  // Let c = shared prefix of target and us, and b = its bucket. Nodes in b
  // agree with the target up to bit c, so they are closest (distance <
  // 2^(159-c)). Nodes in buckets after b agree with us at bit c, where the
  // target differs: distance in [2^(159-c), 2^(160-c)), ordered only by
  // sorting. A node in bucket j < b differs from us, and so from the target,
  // at bit j: distance in [2^(159-j), 2^(160-j)), beyond everything before.
  // So take b; if that is not enough, all later buckets (one distance range,
  // ordered only by sorting), then earlier ones until we have enough.
  const std::size_t first = bucket_index(target);
  take(buckets_[first]);
  if (out.size() < count) {
    for (std::size_t i = first + 1; i < buckets_.size(); ++i) take(buckets_[i]);
  }
  for (std::size_t i = first; i-- > 0 && out.size() < count;) take(buckets_[i]);
  const auto by_distance = [&](const NodeInfo& a, const NodeInfo& b) {
    return closer_to(target, a.id, b.id);
  };
  const std::size_t n = std::min(count, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                    by_distance);
  out.resize(n);
}

std::optional<NodeId> RoutingTable::refresh_target(TimePoint now) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    Bucket& bucket = buckets_[i];
    if (!bucket.refresh_due && now - bucket.last_changed < options_.refresh_after) continue;
    bucket.last_changed = now;
    bucket.refresh_due = false;
    NodeId id = random_node_id();
    for (std::size_t b = 0; b < i; ++b) set_bit(id, b, bit(self_, b));
    // Bucket i (not the last) holds ids that differ from ours at bit i.
    if (i + 1 < buckets_.size()) set_bit(id, i, !bit(self_, i));
    return id;
  }
  return std::nullopt;
}

TimePoint RoutingTable::next_refresh() const {
  TimePoint earliest = TimePoint::max();
  for (const auto& b : buckets_) {
    if (b.refresh_due) return TimePoint::min();
    earliest = std::min(earliest, b.last_changed);
  }
  return earliest + options_.refresh_after;
}

void RoutingTable::refresh_sparse_buckets(std::size_t below) {
  for (std::size_t i = 0; i + 1 < buckets_.size() && i < below; ++i) {
    if (buckets_[i].live.size() < capacity(i)) buckets_[i].refresh_due = true;
  }
}

std::size_t RoutingTable::memory_bytes() const {
  std::size_t bytes = sizeof(*this) + buckets_.capacity() * sizeof(Bucket);
  for (const auto& b : buckets_) {
    bytes += (b.live.capacity() + b.cache.capacity()) * sizeof(NodeEntry);
  }
  // unordered_map: a bucket array plus one heap node (key, value, next
  // pointer and cached hash) per entry.
  bytes += by_ip_.bucket_count() * sizeof(void*);
  bytes += by_ip_.size() * (sizeof(std::pair<const Endpoint, NodeId>) + 2 * sizeof(void*));
  return bytes;
}

std::size_t RoutingTable::size() const {
  std::size_t n = 0;
  for (const auto& b : buckets_) n += b.live.size();
  return n;
}

std::size_t RoutingTable::cache_size() const {
  std::size_t n = 0;
  for (const auto& b : buckets_) n += b.cache.size();
  return n;
}

const NodeEntry* RoutingTable::find(const NodeId& id) const {
  return buckets_[bucket_index(id)].find_live(id);
}

}  // namespace btnode::dht
