// The Kademlia routing table (BEP 5) over the 160-bit XOR space.
//
// Bucket i holds the nodes whose id shares exactly i leading bits with ours;
// the last bucket holds everything closer, and it is the only one that splits
// (the only bucket that "covers our own id"). Only nodes that answered one of
// our queries take a live slot; nodes that merely queried us wait in the
// replacement cache until a ping confirms them.
//
// Sans-I/O: the table never sends anything. When it wants a node pinged (a
// questionable node before eviction, or a newcomer to confirm) it says so in
// the Update it returns, and the caller reports the outcome with
// node_responded() or node_failed().
//
// Address-family agnostic: keep one instance for IPv4 and one for IPv6
// (BEP 32), usually with the same own id.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/compact.h"
#include "dht/bucket.h"
#include "dht/time.h"

namespace btnode::dht {

struct RoutingTableOptions {
  BucketPolicy bucket;
  // Live slots of the first (farthest) buckets, libtorrent's extended
  // routing table: half the network is in bucket 0, a quarter in bucket 1...
  // so wider far buckets let a lookup's first hop land several bits closer
  // to the target. 0 (or a bucket past the array): bucket.capacity (k).
  std::array<std::size_t, 4> far_capacity{};
  // One node per IP address in the whole table (live and cache), so one host
  // cannot fill buckets with made-up ids. Tests on one loopback IP turn it off.
  bool one_node_per_ip = true;
  // BEP 5: refresh a bucket that has not changed for 15 minutes.
  Duration refresh_after = 15min;
};

class RoutingTable {
 public:
  enum class Status : std::uint8_t {
    added,        // took a live slot
    updated,      // already known; its state was refreshed
    cached,       // waits in the replacement cache
    ip_taken,     // another id already holds this IP
    id_conflict,  // a good node holds this id at another endpoint
    ignored,      // our own id, or nothing to do
  };

  struct Update {
    Status status = Status::ignored;
    // Ping this node, then report node_responded() or node_failed().
    std::optional<NodeInfo> ping;
  };

  explicit RoutingTable(const NodeId& self, RoutingTableOptions options = {});

  const NodeId& self() const { return self_; }

  // The node answered one of our queries: proof it is reachable.
  Update node_responded(const NodeInfo& node, TimePoint now);
  // The node queried us. Not proof of reachability (the source may be
  // spoofed), so an unknown node only enters the cache, to be pinged.
  // Callers skip read-only queriers (BEP 43).
  Update node_queried(const NodeInfo& node, TimePoint now);
  // Another node named this one (a lookup's answer). Worth something only
  // while its bucket has room: then it waits in the cache, to be pinged, like
  // libtorrent's heard_about(); otherwise it is ignored.
  Update node_heard_of(const NodeInfo& node, TimePoint now);
  // A query to the node timed out.
  Update node_failed(const NodeInfo& node, TimePoint now);

  // Clears `out` and fills it with up to `count` live, not-bad nodes closest
  // to `target`, nearest first.
  void closest(const NodeId& target, std::size_t count, std::vector<NodeInfo>& out,
               TimePoint now) const;

  // BEP 5: a random id inside a bucket that has not changed for
  // refresh_after, to look up; the bucket counts as changed from now on.
  std::optional<NodeId> refresh_target(TimePoint now);
  // When refresh_target() will next have something to return.
  TimePoint next_refresh() const;
  // After joining, the buckets before `below` with fewer than k live nodes
  // become due for refresh: Kademlia's join refreshes the buckets farther
  // than our neighbours, or a young node may know nobody in half of the id
  // space. The caller passes the shared prefix length of its k-th closest
  // neighbour: the join lookup itself walked the buckets from there on, which
  // are sparse only because the network holds few nodes that close to us.
  void refresh_sparse_buckets(std::size_t below);

  // Heap and inline bytes the table holds (dht-sim's memory per node).
  std::size_t memory_bytes() const;

  std::size_t size() const;        // live nodes
  std::size_t cache_size() const;  // nodes waiting in replacement caches
  std::size_t bucket_count() const { return buckets_.size(); }
  // Live slots of bucket `index` (k, or more for the far buckets).
  std::size_t capacity(std::size_t index) const;
  const Bucket& bucket(std::size_t index) const { return buckets_[index]; }
  // The live entry for `id`, if any.
  const NodeEntry* find(const NodeId& id) const;

 private:
  std::size_t bucket_index(const NodeId& id) const;
  bool can_split(std::size_t index) const;
  void split_last();
  NodeEntry make_entry(const NodeInfo& node, TimePoint now) const;
  // Whether the IP is free for `id` (always true with one_node_per_ip off).
  bool ip_available(const NodeInfo& node) const;
  void index_ip(const NodeInfo& node);
  void unindex_ip(const NodeInfo& node);

  Update insert_confirmed(NodeEntry entry, TimePoint now);
  Update add_to_cache(std::size_t index, NodeEntry entry, TimePoint now);
  Update refresh_live(Bucket& bucket, NodeEntry& live, const NodeInfo& node, TimePoint now);
  void replace_live(Bucket& bucket, NodeEntry& victim, NodeEntry entry, TimePoint now);
  void promote_from_cache(Bucket& bucket, TimePoint now);
  std::optional<NodeInfo> suggest_ping(std::size_t index, TimePoint now);

  NodeId self_;
  RoutingTableOptions options_;
  std::vector<Bucket> buckets_;
  // Address (port 0) -> the id holding it, over live and cached entries.
  std::unordered_map<Endpoint, NodeId> by_ip_;
};

}  // namespace btnode::dht
