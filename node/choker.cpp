#include "node/choker.h"

#include <algorithm>
#include <unordered_set>

#include "core/random.h"

namespace btnode::node {

Choker::Choker(const ChokerOptions& options)
    : options_(options), rng_(seed_or_random(options.seed)) {}

ChokeDecision Choker::rechoke(std::span<const ChokerPeer> peers, bool seeding, TimePoint now) {
  std::vector<PeerKey> wanted = regular_choice(peers, seeding, now);
  const std::vector<PeerKey> lucky = optimistic_choice(peers, wanted, now);
  wanted.insert(wanted.end(), lucky.begin(), lucky.end());
  ChokeDecision decision = apply(peers, wanted, now);
  decision.next_rechoke = now + options_.rechoke_interval;
  return decision;
}

void Choker::remove_peer(PeerKey key) {
  unchoked_.erase(key);
  turn_ended_.erase(key);
  std::erase(optimistic_, key);
}

std::optional<PeerKey> Choker::optimistic() const {
  if (optimistic_.empty()) return std::nullopt;
  return optimistic_.front();
}

// Downloading: tit-for-tat on what each peer gives us. Seeding: round robin
// (peers holding a slot for seed_slot_time go behind the rest, peers whose
// turn ended longest ago or never came go first), what we manage to upload
// to each breaking ties. Ties then keep the peers already unchoked
// (no flapping), then the lower key (determinism).
std::vector<PeerKey> Choker::regular_choice(std::span<const ChokerPeer> peers, bool seeding,
                                            TimePoint now) const {
  struct Ranked {
    PeerKey key;
    bool served_enough;
    TimePoint last_turn;  // when its last slot ended; never: the epoch
    double rate;
    bool unchoked;
  };
  std::vector<Ranked> ranked;
  for (const ChokerPeer& peer : peers) {
    if (!peer.interested || (peer.snubbed && !seeding)) continue;
    const auto held = unchoked_.find(peer.key);
    const bool unchoked = held != unchoked_.end();
    const bool served = seeding && unchoked && now - held->second >= options_.seed_slot_time;
    const auto turn = turn_ended_.find(peer.key);
    const TimePoint last_turn = seeding && turn != turn_ended_.end() ? turn->second : TimePoint{};
    ranked.push_back(Ranked{peer.key, served, last_turn,
                            seeding ? peer.upload_rate : peer.download_rate, unchoked});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.served_enough != b.served_enough) return !a.served_enough;
    if (a.last_turn != b.last_turn) return a.last_turn < b.last_turn;
    if (a.rate != b.rate) return a.rate > b.rate;
    if (a.unchoked != b.unchoked) return a.unchoked;
    return a.key < b.key;
  });
  std::vector<PeerKey> chosen;
  for (std::size_t i = 0; i < ranked.size() && i < options_.regular_slots; ++i) {
    chosen.push_back(ranked[i].key);
  }
  return chosen;
}

// Kept for optimistic_interval unless the peer left, lost interest or earned
// a regular slot; then a weighted draw among the other interested peers.
std::vector<PeerKey> Choker::optimistic_choice(std::span<const ChokerPeer> peers,
                                               const std::vector<PeerKey>& regular, TimePoint now) {
  std::vector<const ChokerPeer*> candidates;
  for (const ChokerPeer& peer : peers) {
    if (peer.interested && !contains(regular, peer.key)) candidates.push_back(&peer);
  }
  const bool due = !optimistic_set_ || now - optimistic_at_ >= options_.optimistic_interval;
  std::vector<PeerKey> kept;
  for (const PeerKey key : optimistic_) {
    const bool valid = std::any_of(candidates.begin(), candidates.end(),
                                   [key](const ChokerPeer* peer) { return peer->key == key; });
    if (valid && !due) kept.push_back(key);
  }
  if (kept.size() >= options_.optimistic_slots || candidates.empty()) {
    optimistic_ = kept;
    return kept;
  }
  // A rotation moves the slot on: the previous holders go last in line.
  if (due && candidates.size() > optimistic_.size()) {
    std::erase_if(candidates,
                  [this](const ChokerPeer* peer) { return contains(optimistic_, peer->key); });
  }
  optimistic_ = draw(candidates, kept, now);
  optimistic_at_ = now;
  optimistic_set_ = true;
  return optimistic_;
}

std::vector<PeerKey> Choker::draw(std::vector<const ChokerPeer*> candidates,
                                  std::vector<PeerKey> chosen, TimePoint now) {
  while (chosen.size() < options_.optimistic_slots && !candidates.empty()) {
    std::uint64_t total = 0;
    std::vector<std::uint64_t> weights;
    for (const ChokerPeer* peer : candidates) {
      const bool fresh = now - peer->connected_at < options_.new_peer_time;
      weights.push_back(fresh ? options_.new_peer_weight : 1);
      total += weights.back();
    }
    std::uint64_t ticket = rng_() % std::max<std::uint64_t>(total, 1);
    std::size_t i = 0;
    while (i + 1 < candidates.size() && ticket >= weights[i]) ticket -= weights[i++];
    chosen.push_back(candidates[i]->key);
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return chosen;
}

ChokeDecision Choker::apply(std::span<const ChokerPeer> peers, const std::vector<PeerKey>& wanted,
                            TimePoint now) {
  ChokeDecision decision;
  std::unordered_set<PeerKey> present;
  for (const ChokerPeer& peer : peers) present.insert(peer.key);
  for (auto it = unchoked_.begin(); it != unchoked_.end();) {
    if (contains(wanted, it->first)) {
      ++it;
      continue;
    }
    // A peer missing from the snapshot left: nothing to send it.
    if (present.contains(it->first)) {
      decision.choke.push_back(it->first);
      turn_ended_[it->first] = now;
    }
    it = unchoked_.erase(it);
  }
  for (const PeerKey key : wanted) {
    if (unchoked_.emplace(key, now).second) decision.unchoke.push_back(key);
  }
  std::sort(decision.choke.begin(), decision.choke.end());
  return decision;
}

}  // namespace btnode::node
