// Peers announced to us (BEP 5 announce_peer), per info-hash, bounded.
//
// Every dimension is capped so announce floods cannot exhaust memory: peers
// per info-hash, info-hashes in total, and a 30-minute lifetime. BEP 33 asks
// for one entry per (info-hash, IP): a re-announce from the same IP updates
// its port and seed flag instead of adding a row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "dht/time.h"

namespace btnode::dht {

struct PeerStoreOptions {
  std::size_t max_peers_per_info_hash = 200;
  std::size_t max_info_hashes = 2000;
  Duration peer_ttl = 30min;  // announces are repeated every ~15-30 minutes
};

struct StoredPeer {
  Endpoint endpoint;
  TimePoint announced;
  bool seed = false;  // BEP 33
};

class PeerStore {
 public:
  explicit PeerStore(PeerStoreOptions options = {});

  // Stores or refreshes `peer`. When the store is full a new info-hash
  // evicts the swarm with the fewest peers (popular swarms survive floods of
  // made-up info-hashes); a full swarm drops its oldest peer.
  void announce(const NodeId& info_hash, const Endpoint& peer, bool seed, TimePoint now);

  // Appends to `out` up to `max` live peers of `family`, chosen at random so
  // every peer gets handed out and a reply stays small. With `noseed`
  // (BEP 33) non-seeds are picked first.
  void sample_peers(const NodeId& info_hash, Endpoint::Family family, std::size_t max, bool noseed,
                    TimePoint now, std::vector<Endpoint>& out);

  // BEP 51: appends up to `max` random stored info-hashes to `out`.
  void sample_info_hashes(std::size_t max, std::vector<NodeId>& out);

  // The stored peers of one info-hash (may include expired ones until the
  // next expire(); check is_live()). Empty if unknown.
  std::span<const StoredPeer> peers(const NodeId& info_hash) const;
  bool is_live(const StoredPeer& peer, TimePoint now) const {
    return now - peer.announced < options_.peer_ttl;
  }

  // Drops expired peers and empty info-hashes. Call from a timer.
  void expire(TimePoint now);

  std::size_t info_hash_count() const { return swarms_.size(); }
  std::size_t peer_count() const;

 private:
  using Swarm = std::vector<StoredPeer>;
  void make_room_for_new_swarm();
  static void upsert(Swarm& swarm, const StoredPeer& peer, std::size_t max_peers);
  std::uint64_t next_random();
  // Reservoir sampling: the seen-th eligible item (1-based) goes into
  // out[first..first+max) with probability max/seen.
  void offer(std::vector<Endpoint>& out, std::size_t first, std::size_t max, std::size_t seen,
             const Endpoint& e);

  PeerStoreOptions options_;
  // Ordered map: no hash the announcer could aim collisions at.
  std::map<NodeId, Swarm> swarms_;
  std::uint64_t rng_state_ = 0;  // splitmix64, seeded from libsodium
};

}  // namespace btnode::dht
