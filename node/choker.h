// Choker: which peers we upload to, sans-I/O (BEP 3 "choking", tit-for-tat).
//
// Every `rechoke_interval` (10 s) the owner passes a snapshot of its peers;
// the choker answers which to choke and which to unchoke.
//   - Downloading: the `regular_slots` (4) interested peers that upload to us
//     fastest are unchoked (tit-for-tat: reciprocate), snubbed peers not
//     counted (their rate is stale);
//   - Seeding: nobody uploads to us, so slots go round robin: a peer that
//     has held one for `seed_slot_time` goes to the back of the line and the
//     peer that has waited longest comes next (how fast we upload to each
//     breaks ties), so every leech gets a turn and no one fast leech keeps
//     the seed to itself;
//   - plus `optimistic_slots` (1) chosen at random among the other
//     interested peers, rotated every `optimistic_interval` (30 s): how a
//     new peer with nothing to offer gets its first pieces, and how we find
//     peers faster than our current ones. Peers connected less than
//     `new_peer_time` are `new_peer_weight` (3) times as likely (BEP 3
//     practice, as libtorrent and the original client do).
// Peers that are not interested stay choked: a slot would be wasted on them.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <unordered_map>
#include <vector>

#include "node/peer_key.h"

namespace btnode::node {

struct ChokerOptions {
  std::uint32_t regular_slots = 4;
  std::uint32_t optimistic_slots = 1;
  Duration rechoke_interval = std::chrono::seconds(10);
  Duration optimistic_interval = std::chrono::seconds(30);
  Duration new_peer_time = std::chrono::seconds(60);
  std::uint32_t new_peer_weight = 3;
  Duration seed_slot_time = std::chrono::seconds(60);
  // Unset: drawn from libsodium. Tests fix it.
  std::optional<std::uint64_t> seed;
};

struct ChokerPeer {
  PeerKey key = 0;
  bool interested = false;   // the peer wants our pieces
  bool snubbed = false;      // see SnubDetector
  double download_rate = 0;  // bytes/s the peer sends us
  double upload_rate = 0;    // bytes/s we send the peer
  TimePoint connected_at{};
};

struct ChokeDecision {
  std::vector<PeerKey> unchoke;  // newly unchoked: send unchoke
  std::vector<PeerKey> choke;    // newly choked: send choke
  TimePoint next_rechoke{};
};

class Choker {
 public:
  explicit Choker(const ChokerOptions& options = ChokerOptions());

  ChokeDecision rechoke(std::span<const ChokerPeer> peers, bool seeding, TimePoint now);
  // Forget a peer that left (it frees its slot at the next rechoke).
  void remove_peer(PeerKey key);

  bool unchoked(PeerKey key) const { return unchoked_.contains(key); }
  std::optional<PeerKey> optimistic() const;
  std::size_t unchoked_count() const { return unchoked_.size(); }

 private:
  std::vector<PeerKey> regular_choice(std::span<const ChokerPeer> peers, bool seeding,
                                      TimePoint now) const;
  std::vector<PeerKey> optimistic_choice(std::span<const ChokerPeer> peers,
                                         const std::vector<PeerKey>& regular, TimePoint now);
  std::vector<PeerKey> draw(std::vector<const ChokerPeer*> candidates, std::vector<PeerKey> chosen,
                            TimePoint now);
  ChokeDecision apply(std::span<const ChokerPeer> peers, const std::vector<PeerKey>& wanted,
                      TimePoint now);

  ChokerOptions options_;
  std::mt19937_64 rng_;
  // Unchoked peers and since when (round robin while seeding).
  std::unordered_map<PeerKey, TimePoint> unchoked_;
  // When each peer was last choked (seeding round robin: longest wait first).
  std::unordered_map<PeerKey, TimePoint> turn_ended_;
  std::vector<PeerKey> optimistic_;
  TimePoint optimistic_at_{};
  bool optimistic_set_ = false;
};

}  // namespace btnode::node
