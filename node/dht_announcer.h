// DhtAnnouncer: one torrent's use of the DHT (BEP 5). It looks the info-hash
// up as soon as it starts (with whatever the routing table holds, then as
// soon as the first nodes of the join are in, and again once it has joined), announces our TCP port to the closest nodes that
// gave a token (get_peers and announce_peer are one lookup), and hands every
// new peer to its owner. While the owner is short of peers it repeats the
// lookup on a short schedule (doubling from `retry_min` up to `retry_max`);
// otherwise every `reannounce` (peer stores forget after ~30 minutes).
//
// Network thread only.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "core/endpoint.h"
#include "core/ids.h"
#include "dht/node.h"
#include "node/dht_service.h"

namespace btnode::node {

struct DhtAnnouncerOptions {
  std::uint16_t port = 0;  // our TCP listen port
  bool seed = false;       // BEP 33 announce as a seed
  std::chrono::milliseconds retry_min{2'000};
  std::chrono::milliseconds retry_max{60'000};
  std::chrono::milliseconds reannounce{15 * 60 * 1000};
  // While the routing table is still empty: how often to look again.
  std::chrono::milliseconds empty_table_poll{50};
};

struct DhtAnnouncerStats {
  std::size_t lookups = 0;      // started
  std::size_t nodes_asked = 0;  // queries sent, over all lookups
  std::size_t peers = 0;        // distinct peers found
  std::size_t announced = 0;    // announce_peer queries sent by the last finished lookup
  bool running = false;         // a lookup is in flight
};

class DhtAnnouncer {
 public:
  using OnPeer = std::function<void(const Endpoint&)>;
  using WantsPeers = std::function<bool()>;

  DhtAnnouncer(asio::io_context& io, DhtService& dht, NodeId info_hash, DhtAnnouncerOptions options,
               OnPeer on_peer, WantsPeers wants_peers);
  ~DhtAnnouncer();
  DhtAnnouncer(const DhtAnnouncer&) = delete;
  DhtAnnouncer& operator=(const DhtAnnouncer&) = delete;

  void start();
  void stop();
  void set_seed(bool seed) { options_.seed = seed; }
  DhtAnnouncerStats stats() const;

 private:
  void lookup();
  void schedule(std::chrono::milliseconds after);
  void on_result(Endpoint::Family family, const dht::LookupResult& result);

  asio::io_context& io_;
  DhtService& dht_;
  NodeId info_hash_;
  DhtAnnouncerOptions options_;
  OnPeer on_peer_;
  WantsPeers wants_peers_;
  asio::steady_timer timer_;
  std::chrono::milliseconds retry_;
  std::set<Endpoint> seen_;
  std::set<dht::LookupId> running_;
  std::size_t lookups_ = 0;
  std::size_t nodes_asked_done_ = 0;  // queries of finished lookups
  std::map<dht::LookupId, std::size_t> nodes_asked_running_;
  std::size_t announced_ = 0;
  std::size_t empty_polls_ = 0;
  bool stopped_ = true;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace btnode::node
