// DhtAnnouncer over real loopback sockets, three DhtServices on one
// io_context (127.0.3.51-53): a router node, a "seed" whose announcer
// announces port 6001, and a "leech" whose announcer finds the seed's
// endpoint through the router and stops asking once it is not short of peers.
#include "node/dht_announcer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace btnode::node {
namespace {

using namespace std::chrono_literals;

DhtServiceOptions loopback(std::uint8_t last_octet) {
  DhtServiceOptions o;
  o.bind = {Endpoint::v4({127, 0, 3, last_octet}, 0)};
  o.node.allow_local = true;
  o.save_state = false;
  return o;
}

template <class Predicate>
bool run_until(asio::io_context& io, Predicate done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(20ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

TEST(DhtAnnouncer, LeechFindsTheSeedThroughARouter) {
  asio::io_context io;
  DhtService router(io, loopback(51));
  ASSERT_TRUE(router.start());
  auto via_router = loopback(52);
  via_router.bootstrap = {*HostPort::parse(router.local_endpoints()[0].to_string())};
  DhtService seed_dht(io, via_router);
  ASSERT_TRUE(seed_dht.start());
  auto leech_options = via_router;
  leech_options.bind = {Endpoint::v4({127, 0, 3, 53}, 0)};
  DhtService leech_dht(io, leech_options);

  const NodeId info_hash = *NodeId::from_hex("00112233445566778899aabbccddeeff00112233");
  DhtAnnouncerOptions seed_options;
  seed_options.port = 6001;
  seed_options.seed = true;
  DhtAnnouncer seed(io, seed_dht, info_hash, seed_options, {}, [] { return false; });
  seed.start();

  // The leech starts once the seed has announced somewhere.
  ASSERT_TRUE(run_until(io, [&] { return seed.stats().announced > 0; }));
  ASSERT_TRUE(leech_dht.start());
  std::vector<Endpoint> found;
  DhtAnnouncerOptions leech_announce;
  leech_announce.port = 6002;
  DhtAnnouncer leech(io, leech_dht, info_hash, leech_announce,
                     [&](const Endpoint& peer) { found.push_back(peer); },
                     [&] { return found.empty(); });
  leech.start();
  const Endpoint seed_peer = Endpoint::v4({127, 0, 3, 52}, 6001);
  ASSERT_TRUE(run_until(io, [&] {
    return std::find(found.begin(), found.end(), seed_peer) != found.end();
  }));
  EXPECT_GE(leech.stats().lookups, 1u);
  EXPECT_GT(leech.stats().nodes_asked, 0u);
  // Each peer is reported once.
  EXPECT_EQ(std::count(found.begin(), found.end(), seed_peer), 1);
  seed.stop();
  leech.stop();
  router.stop();
  seed_dht.stop();
  leech_dht.stop();
}

TEST(DhtAnnouncer, EmptyTableFinishesAtOnceAndRetries) {
  asio::io_context io;
  DhtService lonely(io, loopback(54));  // no bootstrap, no saved nodes
  ASSERT_TRUE(lonely.start());
  const NodeId info_hash = *NodeId::from_hex("ffeeddccbbaa99887766554433221100ffeeddcc");
  DhtAnnouncer a(io, lonely, info_hash, {}, {}, [] { return true; });
  a.start();
  EXPECT_TRUE(run_until(io, [&] { return a.stats().lookups >= 3; }, 2s));
  EXPECT_EQ(a.stats().peers, 0u);
  a.stop();
  lonely.stop();
}

}  // namespace
}  // namespace btnode::node
