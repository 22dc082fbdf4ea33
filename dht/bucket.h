// One k-bucket of the routing table (BEP 5): up to k live nodes plus a
// replacement cache of nodes waiting for a live slot.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/compact.h"
#include "dht/time.h"

namespace btnode::dht {

struct BucketPolicy {
  std::size_t capacity = 8;        // k (BEP 5)
  std::size_t cache_capacity = 8;  // replacement cache per bucket
  // BEP 5: a node is good while it answered us, or queried us after having
  // answered once, within the last 15 minutes.
  Duration good_for = 15min;
  // BEP 5: bad after failing "multiple queries in a row"; the BEP suggests
  // trying once more before discarding, hence 2.
  int max_failures = 2;
  // Do not suggest pinging the same node again sooner than this (a ping
  // still in flight would be answered or time out by then).
  Duration ping_interval = 10s;
};

enum class NodeState : std::uint8_t { good, questionable, bad };

struct NodeEntry {
  NodeInfo info;
  TimePoint last_seen{};      // last response or query from it
  TimePoint last_response{};  // valid when responded
  TimePoint last_query{};     // last query it sent us
  TimePoint last_ping{};      // valid when ping_suggested
  int failures = 0;           // our queries it failed to answer in a row
  bool responded = false;     // ever answered one of our queries
  bool ping_suggested = false;
  bool verified = false;  // BEP 42: id matches the IP (or the IP is exempt)

  NodeState state(TimePoint now, const BucketPolicy& policy) const;
  // Whether the table may suggest pinging this node now.
  bool may_ping(TimePoint now, const BucketPolicy& policy) const {
    return !ping_suggested || now - last_ping >= policy.ping_interval;
  }
};

class Bucket {
 public:
  std::vector<NodeEntry> live;
  std::vector<NodeEntry> cache;
  TimePoint last_changed{};  // BEP 5: drives the 15-minute refresh
  bool refresh_due = false;  // refresh at the next chance, whatever last_changed says

  NodeEntry* find_live(const NodeId& id);
  NodeEntry* find_cached(const NodeId& id);
  const NodeEntry* find_live(const NodeId& id) const;

  // The first bad live node, which a newcomer may replace.
  NodeEntry* bad_node(TimePoint now, const BucketPolicy& policy);
  // A live node that fails BEP 42 and is not good: a verified newcomer may
  // take its place, so verified ids win over time.
  NodeEntry* unverified_non_good(TimePoint now, const BucketPolicy& policy);
  // BEP 5: the least recently seen questionable live node, to ping before
  // anything is evicted; null if none may be pinged now.
  NodeEntry* ping_candidate(TimePoint now, const BucketPolicy& policy);
  // The best cache entry that has answered us (verified first, then most
  // recently seen); cache.end() when none.
  std::vector<NodeEntry>::iterator best_confirmed_cached();
  // The best unanswered cache entry that may be pinged now, or null.
  NodeEntry* cached_to_ping(TimePoint now, const BucketPolicy& policy);
  // The cache entry `newcomer` displaces when the cache is full: the least
  // valuable one (unanswered, unverified, least recently seen), provided the
  // newcomer is worth at least as much; cache.end() otherwise.
  std::vector<NodeEntry>::iterator cache_victim(const NodeEntry& newcomer);
};

}  // namespace btnode::dht
