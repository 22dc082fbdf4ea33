#include "dht/bucket.h"

#include <algorithm>
#include <tuple>

namespace btnode::dht {
namespace {

// Cache entries compare by what makes them worth a live slot.
auto cache_rank(const NodeEntry& e) {
  return std::tuple(e.responded, e.verified, e.last_seen);
}

template <class Entries>
auto find_id(Entries& entries, const NodeId& id) {
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const NodeEntry& e) { return e.info.id == id; });
  return it == entries.end() ? nullptr : &*it;
}

}  // namespace

NodeState NodeEntry::state(TimePoint now, const BucketPolicy& policy) const {
  if (failures >= policy.max_failures) return NodeState::bad;
  if (failures > 0 || !responded) return NodeState::questionable;
  const bool answered_recently = now - last_response < policy.good_for;
  const bool queried_recently = now - last_query < policy.good_for;
  return answered_recently || queried_recently ? NodeState::good : NodeState::questionable;
}

NodeEntry* Bucket::find_live(const NodeId& id) {
  return find_id(live, id);
}
NodeEntry* Bucket::find_cached(const NodeId& id) {
  return find_id(cache, id);
}
const NodeEntry* Bucket::find_live(const NodeId& id) const {
  return find_id(live, id);
}

NodeEntry* Bucket::bad_node(TimePoint now, const BucketPolicy& policy) {
  for (auto& e : live) {
    if (e.state(now, policy) == NodeState::bad) return &e;
  }
  return nullptr;
}

NodeEntry* Bucket::unverified_non_good(TimePoint now, const BucketPolicy& policy) {
  for (auto& e : live) {
    if (!e.verified && e.state(now, policy) != NodeState::good) return &e;
  }
  return nullptr;
}

NodeEntry* Bucket::ping_candidate(TimePoint now, const BucketPolicy& policy) {
  NodeEntry* oldest = nullptr;
  for (auto& e : live) {
    if (e.state(now, policy) != NodeState::questionable || !e.may_ping(now, policy)) continue;
    if (!oldest || e.last_seen < oldest->last_seen) oldest = &e;
  }
  return oldest;
}

std::vector<NodeEntry>::iterator Bucket::best_confirmed_cached() {
  auto best = cache.end();
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->responded && (best == cache.end() || cache_rank(*it) > cache_rank(*best))) best = it;
  }
  return best;
}

NodeEntry* Bucket::cached_to_ping(TimePoint now, const BucketPolicy& policy) {
  NodeEntry* best = nullptr;
  for (auto& e : cache) {
    if (e.responded || !e.may_ping(now, policy)) continue;
    if (!best || cache_rank(e) > cache_rank(*best)) best = &e;
  }
  return best;
}

std::vector<NodeEntry>::iterator Bucket::cache_victim(const NodeEntry& newcomer) {
  const auto victim = std::min_element(
      cache.begin(), cache.end(),
      [](const NodeEntry& a, const NodeEntry& b) { return cache_rank(a) < cache_rank(b); });
  if (victim == cache.end() || cache_rank(newcomer) < cache_rank(*victim)) return cache.end();
  return victim;
}

}  // namespace btnode::dht
