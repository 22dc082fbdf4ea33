#include "node/dht_announcer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace btnode::node {
namespace {

// Fast polls of an empty table stop after this many (~10 s at 50 ms); then
// the usual backoff applies (a node with no network at all).
constexpr std::size_t kMaxEmptyPolls = 200;

}  // namespace

DhtAnnouncer::DhtAnnouncer(asio::io_context& io, DhtService& dht, NodeId info_hash,
                           DhtAnnouncerOptions options, OnPeer on_peer, WantsPeers wants_peers)
    : io_(io),
      dht_(dht),
      info_hash_(info_hash),
      options_(options),
      on_peer_(std::move(on_peer)),
      wants_peers_(std::move(wants_peers)),
      timer_(io),
      retry_(options.retry_min) {}

DhtAnnouncer::~DhtAnnouncer() {
  stop();
  *alive_ = false;
}

void DhtAnnouncer::start() {
  if (!stopped_) return;
  stopped_ = false;
  // Right away with what the table holds (saved nodes, or nothing yet)...
  lookup();
  // ...and again as soon as the join lookups have filled it.
  std::weak_ptr<bool> alive = alive_;
  dht_.on_joined([this, alive] {
    if (alive.expired() || stopped_) return;
    if (running_.empty()) lookup();
  });
}

void DhtAnnouncer::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  auto ids = running_;
  running_.clear();
  if (dht_.running()) {
    dht_.with_node([ids](dht::Node& node, dht::TimePoint, DhtService::Datagrams&) {
      for (auto id : ids) node.cancel(id);
    });
  }
}

void DhtAnnouncer::schedule(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    if (running_.empty()) lookup();
  });
}

void DhtAnnouncer::lookup() {
  if (stopped_ || !dht_.running()) return;
  timer_.cancel();
  ++lookups_;
  std::weak_ptr<bool> alive = alive_;
  bool have_v4 = false, have_v6 = false;
  for (const Endpoint& e : dht_.local_endpoints()) (e.is_v4() ? have_v4 : have_v6) = true;
  std::vector<Endpoint::Family> families;
  if (have_v4) families.push_back(Endpoint::Family::v4);
  if (have_v6 && dht_.node().table(Endpoint::Family::v6).size() > 0)
    families.push_back(Endpoint::Family::v6);
  dht::AnnounceOptions announce{.port = options_.port, .implied_port = false, .seed = options_.seed};
  // Our own node answers get_peers for this torrent with us: on a small
  // network (or one whose routers refuse announce_peer) the first querier
  // that reaches our node finds us even before any other node stores us.
  std::vector<Endpoint> ours;
  for (const Endpoint& e : dht_.local_endpoints()) {
    if (!e.is_unspecified()) ours.push_back(e.with_port(options_.port));
  }
  dht_.with_node([this, alive, ours, seed = options_.seed](dht::Node& node, dht::TimePoint now,
                                                            DhtService::Datagrams&) {
    if (alive.expired()) return;
    for (const Endpoint& e : ours) node.peer_store().announce(info_hash_, e, seed, now);
  });
  for (auto family : families) {
    dht_.with_node([this, alive, family, announce](dht::Node& node, dht::TimePoint now,
                                                    DhtService::Datagrams& out) {
      if (alive.expired() || stopped_) return;
      // The id is known only once announce() returns, but the callback may
      // run inside it (nobody to ask): `started` tells the two apart.
      auto finished_early = std::make_shared<bool>(false);
      auto id = node.announce(
          info_hash_, announce, now, out,
          [this, alive, family, finished_early](const dht::LookupResult& r) {
            if (alive.expired()) return;
            if (r.done) *finished_early = true;
            on_result(family, r);
          },
          family);
      if (!*finished_early) {
        running_.insert(id);
        nodes_asked_running_[id] = 0;
      }
    });
  }
  if (families.empty()) schedule(retry_);
}

void DhtAnnouncer::on_result(Endpoint::Family, const dht::LookupResult& r) {
  if (stopped_) return;
  for (const Endpoint& peer : r.peers) {
    if (seen_.insert(peer).second && on_peer_) on_peer_(peer);
  }
  auto asked = nodes_asked_running_.find(r.id);
  if (asked != nodes_asked_running_.end()) asked->second = r.progress.queried;
  if (!r.done) return;
  nodes_asked_done_ += r.progress.queried;
  nodes_asked_running_.erase(r.id);
  running_.erase(r.id);
  announced_ = r.announced;
  spdlog::debug("dht: lookup done, {} nodes asked, {} peers, announced to {}", r.progress.queried,
                r.peers.size(), r.announced);
  if (!running_.empty()) return;
  if (r.progress.queried == 0 && ++empty_polls_ <= kMaxEmptyPolls) {
    // An empty table (the join has not answered yet): look again as soon as
    // the first nodes are in, without waiting for the whole join lookup
    // (one dead node in it costs seconds).
    schedule(options_.empty_table_poll);
    return;
  }
  bool short_of_peers = (wants_peers_ && wants_peers_()) || r.announced == 0;
  if (short_of_peers) {
    schedule(retry_);
    retry_ = std::min(retry_ * 2, options_.retry_max);
  } else {
    retry_ = options_.retry_min;
    schedule(std::chrono::duration_cast<std::chrono::milliseconds>(options_.reannounce));
  }
}

DhtAnnouncerStats DhtAnnouncer::stats() const {
  DhtAnnouncerStats s;
  s.lookups = lookups_;
  s.nodes_asked = nodes_asked_done_;
  for (const auto& [id, n] : nodes_asked_running_) s.nodes_asked += n;
  s.peers = seen_.size();
  s.announced = announced_;
  s.running = !running_.empty();
  return s;
}

}  // namespace btnode::node
