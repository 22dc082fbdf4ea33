#include "dht/peer_store.h"

#include <algorithm>

#include "core/random.h"

namespace btnode::dht {
namespace {

bool same_host(const Endpoint& a, const Endpoint& b) {
  return a.address_bytes() == b.address_bytes();  // 4 vs 16 bytes tells families apart
}

}  // namespace

PeerStore::PeerStore(PeerStoreOptions options) : options_(options) {
  random_bytes(&rng_state_, sizeof rng_state_);
}

// Sampling only needs to be unpredictable enough that no stored peer is
// starved; a fast generator keeps it off libsodium's per-call cost.
std::uint64_t PeerStore::next_random() {
  std::uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void PeerStore::upsert(Swarm& swarm, const StoredPeer& peer, std::size_t max_peers) {
  const auto same = std::find_if(swarm.begin(), swarm.end(), [&](const StoredPeer& p) {
    return same_host(p.endpoint, peer.endpoint);
  });
  if (same != swarm.end()) {
    *same = peer;
  } else if (swarm.size() < max_peers) {
    swarm.push_back(peer);
  } else {
    *std::min_element(swarm.begin(), swarm.end(), [](const StoredPeer& a, const StoredPeer& b) {
      return a.announced < b.announced;
    }) = peer;
  }
}

void PeerStore::make_room_for_new_swarm() {
  const auto smallest = std::min_element(
      swarms_.begin(), swarms_.end(),
      [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
  swarms_.erase(smallest);
}

void PeerStore::announce(const NodeId& info_hash, const Endpoint& peer, bool seed, TimePoint now) {
  if (options_.max_info_hashes == 0 || options_.max_peers_per_info_hash == 0) return;
  auto it = swarms_.find(info_hash);
  if (it == swarms_.end()) {
    if (swarms_.size() >= options_.max_info_hashes) make_room_for_new_swarm();
    it = swarms_.emplace(info_hash, Swarm{}).first;
  }
  Swarm& swarm = it->second;
  std::erase_if(swarm, [&](const StoredPeer& p) { return !is_live(p, now); });
  upsert(swarm, StoredPeer{peer, now, seed}, options_.max_peers_per_info_hash);
}

void PeerStore::offer(std::vector<Endpoint>& out, std::size_t first, std::size_t max,
                      std::size_t seen, const Endpoint& e) {
  if (out.size() - first < max) {
    out.push_back(e);
    return;
  }
  const std::uint64_t slot = next_random() % seen;
  if (slot < max) out[first + slot] = e;
}

void PeerStore::sample_peers(const NodeId& info_hash, Endpoint::Family family, std::size_t max,
                             bool noseed, TimePoint now, std::vector<Endpoint>& out) {
  const auto it = swarms_.find(info_hash);
  if (it == swarms_.end() || max == 0) return;
  const std::size_t first = out.size();
  // Pass 0 (only with noseed): non-seeds; pass 1: everything not yet taken.
  for (int pass = noseed ? 0 : 1; pass < 2; ++pass) {
    const std::size_t pass_first = out.size();
    const std::size_t room = max - (out.size() - first);
    std::size_t seen = 0;
    for (const StoredPeer& p : it->second) {
      if (p.endpoint.family() != family || !is_live(p, now)) continue;
      if (noseed && (pass == 0) == p.seed) continue;  // pass 0: non-seeds, pass 1: seeds
      offer(out, pass_first, room, ++seen, p.endpoint);
    }
    if (out.size() - first >= max) return;
  }
}

void PeerStore::sample_info_hashes(std::size_t max, std::vector<NodeId>& out) {
  const std::size_t first = out.size();
  std::size_t seen = 0;
  for (const auto& [hash, swarm] : swarms_) {
    ++seen;
    if (out.size() - first < max) {
      out.push_back(hash);
    } else if (const std::uint64_t slot = next_random() % seen; slot < max) {
      out[first + slot] = hash;
    }
  }
}

std::span<const StoredPeer> PeerStore::peers(const NodeId& info_hash) const {
  const auto it = swarms_.find(info_hash);
  if (it == swarms_.end()) return {};
  return it->second;
}

void PeerStore::expire(TimePoint now) {
  for (auto it = swarms_.begin(); it != swarms_.end();) {
    std::erase_if(it->second, [&](const StoredPeer& p) { return !is_live(p, now); });
    it = it->second.empty() ? swarms_.erase(it) : std::next(it);
  }
}

std::size_t PeerStore::peer_count() const {
  std::size_t n = 0;
  for (const auto& [hash, swarm] : swarms_) n += swarm.size();
  return n;
}

}  // namespace btnode::dht
