// The tracker's memory: per info-hash the peers that announced, with expiry
// and hard bounds (torrents, peers per torrent, peers per answer), and
// optionally a whitelist of info-hashes. Shared by the HTTP and UDP fronts
// of `btnode tracker`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "core/result.h"
#include "tracker/announce.h"
#include "tracker/udp_exchange.h"

namespace btnode::tracker {

struct SwarmOptions {
  std::uint32_t interval = 1800;      // seconds, sent to clients
  std::uint32_t min_interval = 60;
  // A peer that has not announced for this long is forgotten.
  Duration peer_timeout = std::chrono::seconds(2 * 1800 + 300);
  std::size_t max_torrents = 100'000;
  std::size_t max_peers_per_torrent = 5'000;
  std::size_t max_numwant = 200;
  std::optional<std::set<Hash20>> whitelist;
  std::uint64_t seed = 0;  // peer selection shuffle
};

class SwarmRegistry {
 public:
  explicit SwarmRegistry(SwarmOptions options);

  // `peer` is the address the request came from with the announced port
  // (a BEP 3 `ip` is not trusted). Fails with the reason to send back.
  Result<AnnounceResponse> announce(const AnnounceRequest& request, const Endpoint& peer,
                                    TimePoint now);
  // Known hashes only (unknown ones answer zeros); an empty list scrapes
  // nothing (a full scrape is not offered).
  std::vector<ScrapeEntry> scrape(std::span<const Hash20> hashes) const;
  // Forgets peers past their timeout and empty torrents.
  void expire(TimePoint now);

  std::size_t torrent_count() const { return swarms_.size(); }
  std::size_t peer_count() const;

 private:
  struct Peer {
    TimePoint last_seen;
    bool seed = false;
  };
  struct Swarm {
    std::map<Endpoint, Peer> peers;
    std::uint32_t downloaded = 0;
  };
  std::vector<Endpoint> pick(const Swarm& swarm, const Endpoint& requester, bool requester_seed,
                             std::size_t want);
  ScrapeEntry counts(const Hash20& hash, const Swarm& swarm) const;

  SwarmOptions options_;
  std::map<Hash20, Swarm> swarms_;
  std::mt19937_64 rng_;
};

}  // namespace btnode::tracker
