#include "tracker/swarm_registry.h"

#include <algorithm>

namespace btnode::tracker {

SwarmRegistry::SwarmRegistry(SwarmOptions options)
    : options_(std::move(options)), rng_(options_.seed) {}

Result<AnnounceResponse> SwarmRegistry::announce(const AnnounceRequest& request,
                                                 const Endpoint& peer, TimePoint now) {
  if (options_.whitelist && !options_.whitelist->contains(request.info_hash))
    return fail("info_hash not in whitelist");
  auto it = swarms_.find(request.info_hash);
  if (it == swarms_.end()) {
    if (request.event == Event::stopped) {
      AnnounceResponse gone;
      gone.interval = options_.interval;
      return gone;
    }
    if (swarms_.size() >= options_.max_torrents) return fail("tracker full");
    it = swarms_.emplace(request.info_hash, Swarm{}).first;
  }
  Swarm& swarm = it->second;
  bool seed = request.left == 0;
  if (request.event == Event::stopped) {
    swarm.peers.erase(peer);
  } else {
    auto known = swarm.peers.find(peer);
    if (known == swarm.peers.end() && swarm.peers.size() >= options_.max_peers_per_torrent)
      return fail("swarm full");
    // A repeated `completed` from a peer already known as a seed counts once.
    bool was_seed = known != swarm.peers.end() && known->second.seed;
    if (request.event == Event::completed && !was_seed) ++swarm.downloaded;
    swarm.peers[peer] = Peer{now, seed};
  }
  AnnounceResponse out;
  out.interval = options_.interval;
  out.min_interval = options_.min_interval;
  auto c = counts(request.info_hash, swarm);
  out.complete = c.complete;
  out.incomplete = c.incomplete;
  std::size_t want = request.numwant < 0 ? 50 : static_cast<std::size_t>(request.numwant);
  if (request.event != Event::stopped)
    out.peers = pick(swarm, peer, seed, std::min(want, options_.max_numwant));
  out.external_ip = peer.with_port(0);
  return out;
}

std::vector<Endpoint> SwarmRegistry::pick(const Swarm& swarm, const Endpoint& requester,
                                          bool requester_seed, std::size_t want) {
  std::vector<Endpoint> all;
  all.reserve(swarm.peers.size());
  for (const auto& [ep, p] : swarm.peers) {
    // Seeds have no use for other seeds.
    if (ep == requester || (requester_seed && p.seed)) continue;
    all.push_back(ep);
  }
  if (all.size() > want) {
    for (std::size_t i = 0; i < want; ++i) {
      std::uniform_int_distribution<std::size_t> d(i, all.size() - 1);
      std::swap(all[i], all[d(rng_)]);
    }
    all.resize(want);
  }
  return all;
}

ScrapeEntry SwarmRegistry::counts(const Hash20& hash, const Swarm& swarm) const {
  ScrapeEntry e;
  e.info_hash = hash;
  for (const auto& [ep, p] : swarm.peers) ++(p.seed ? e.complete : e.incomplete);
  e.downloaded = swarm.downloaded;
  return e;
}

std::vector<ScrapeEntry> SwarmRegistry::scrape(std::span<const Hash20> hashes) const {
  std::vector<ScrapeEntry> out;
  for (const auto& h : hashes) {
    auto it = swarms_.find(h);
    if (it != swarms_.end()) {
      out.push_back(counts(h, it->second));
    } else {
      ScrapeEntry e;
      e.info_hash = h;
      out.push_back(e);
    }
  }
  return out;
}

void SwarmRegistry::expire(TimePoint now) {
  for (auto it = swarms_.begin(); it != swarms_.end();) {
    std::erase_if(it->second.peers,
                  [&](const auto& kv) { return now - kv.second.last_seen > options_.peer_timeout; });
    it = it->second.peers.empty() ? swarms_.erase(it) : std::next(it);
  }
}

std::size_t SwarmRegistry::peer_count() const {
  std::size_t n = 0;
  for (const auto& [h, s] : swarms_) n += s.peers.size();
  return n;
}

}  // namespace btnode::tracker
