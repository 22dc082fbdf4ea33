#include "dht/peer_store.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(10);
using Family = Endpoint::Family;

Endpoint v4(std::uint32_t i, std::uint16_t port = 6881) {
  return Endpoint::v4({10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                       static_cast<std::uint8_t>(i)},
                      port);
}

NodeId hash(std::uint32_t i) {
  NodeId id;
  id.bytes[0] = static_cast<std::uint8_t>(i >> 8);
  id.bytes[1] = static_cast<std::uint8_t>(i);
  return id;
}

std::vector<Endpoint> sample(PeerStore& store, const NodeId& h, std::size_t max, TimePoint now,
                             Family family = Family::v4, bool noseed = false) {
  std::vector<Endpoint> out;
  store.sample_peers(h, family, max, noseed, now, out);
  return out;
}

TEST(PeerStore, StoresAndReturnsAnnouncedPeers) {
  PeerStore store;
  store.announce(hash(1), v4(1), false, kT0);
  store.announce(hash(1), v4(2), true, kT0);
  EXPECT_EQ(store.info_hash_count(), 1u);
  EXPECT_EQ(store.peer_count(), 2u);
  const auto got = sample(store, hash(1), 10, kT0);
  EXPECT_EQ(std::set<Endpoint>(got.begin(), got.end()), (std::set<Endpoint>{v4(1), v4(2)}));
  EXPECT_TRUE(sample(store, hash(2), 10, kT0).empty());
}

TEST(PeerStore, SampleKeepsToTheRequestedFamily) {
  PeerStore store;
  const Endpoint six =
      Endpoint::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1);
  store.announce(hash(1), v4(1), false, kT0);
  store.announce(hash(1), six, false, kT0);
  EXPECT_EQ(sample(store, hash(1), 10, kT0, Family::v4), std::vector<Endpoint>{v4(1)});
  EXPECT_EQ(sample(store, hash(1), 10, kT0, Family::v6), std::vector<Endpoint>{six});
}

TEST(PeerStore, OneEntryPerIpUpdatesPortAndSeed) {
  PeerStore store;
  store.announce(hash(1), v4(1, 1000), false, kT0);
  store.announce(hash(1), v4(1, 2000), true, kT0 + 1min);
  ASSERT_EQ(store.peers(hash(1)).size(), 1u);
  EXPECT_EQ(store.peers(hash(1))[0].endpoint.port(), 2000);
  EXPECT_TRUE(store.peers(hash(1))[0].seed);
}

TEST(PeerStore, FullSwarmDropsItsOldestPeer) {
  PeerStore store({.max_peers_per_info_hash = 5, .max_info_hashes = 10, .peer_ttl = 30min});
  for (std::uint32_t i = 0; i < 8; ++i) store.announce(hash(1), v4(i), false, kT0 + i * 1s);
  const auto stored = store.peers(hash(1));
  ASSERT_EQ(stored.size(), 5u);
  std::set<Endpoint> kept;
  for (const auto& p : stored) kept.insert(p.endpoint);
  EXPECT_EQ(kept, (std::set<Endpoint>{v4(3), v4(4), v4(5), v4(6), v4(7)}));
}

TEST(PeerStore, FullStoreEvictsTheSmallestSwarm) {
  PeerStore store({.max_peers_per_info_hash = 50, .max_info_hashes = 3, .peer_ttl = 30min});
  for (std::uint32_t i = 0; i < 3; ++i) store.announce(hash(100), v4(i), false, kT0);  // popular
  store.announce(hash(1), v4(10), false, kT0);
  store.announce(hash(2), v4(11), false, kT0);
  store.announce(hash(2), v4(12), false, kT0);
  store.announce(hash(3), v4(13), false, kT0);  // evicts hash(1), the smallest
  EXPECT_EQ(store.info_hash_count(), 3u);
  EXPECT_TRUE(store.peers(hash(1)).empty());
  EXPECT_EQ(store.peers(hash(100)).size(), 3u);
  EXPECT_EQ(store.peers(hash(3)).size(), 1u);
}

TEST(PeerStore, AnnounceFloodStaysBounded) {
  PeerStoreOptions options;
  options.max_peers_per_info_hash = 20;
  options.max_info_hashes = 100;
  PeerStore store(options);
  for (std::uint32_t i = 0; i < 20000; ++i) store.announce(hash(i % 1000), v4(i), i % 2, kT0);
  EXPECT_LE(store.info_hash_count(), 100u);
  EXPECT_LE(store.peer_count(), 100u * 20u);
}

TEST(PeerStore, PeersExpireAfterThirtyMinutes) {
  PeerStore store;
  store.announce(hash(1), v4(1), false, kT0);
  store.announce(hash(2), v4(2), false, kT0 + 20min);
  EXPECT_EQ(sample(store, hash(1), 10, kT0 + 29min).size(), 1u);
  EXPECT_TRUE(sample(store, hash(1), 10, kT0 + 30min).empty());
  store.expire(kT0 + 30min);
  EXPECT_EQ(store.info_hash_count(), 1u);
  EXPECT_TRUE(store.peers(hash(1)).empty());
  // A new announce to a swarm drops its expired peers on the way.
  store.announce(hash(2), v4(3), false, kT0 + 55min);
  EXPECT_EQ(store.peers(hash(2)).size(), 1u);
}

TEST(PeerStore, SampleIsBoundedDistinctAndCoversEveryone) {
  PeerStore store;
  for (std::uint32_t i = 0; i < 100; ++i) store.announce(hash(1), v4(i), false, kT0);
  std::map<Endpoint, int> hits;
  for (int round = 0; round < 300; ++round) {
    const auto got = sample(store, hash(1), 10, kT0);
    ASSERT_EQ(got.size(), 10u);
    EXPECT_EQ(std::set<Endpoint>(got.begin(), got.end()).size(), 10u);
    for (const auto& e : got) ++hits[e];
  }
  EXPECT_EQ(hits.size(), 100u);  // P(some peer never drawn) < 1e-11
}

TEST(PeerStore, NoseedPrefersNonSeeds) {
  PeerStore store;
  for (std::uint32_t i = 0; i < 10; ++i) store.announce(hash(1), v4(i), i < 5, kT0);
  for (int round = 0; round < 20; ++round) {
    const auto five = sample(store, hash(1), 5, kT0, Family::v4, true);
    for (const auto& e : five) EXPECT_GE(e, v4(5)) << e.to_string();  // 5..9 are not seeds
    const auto eight = sample(store, hash(1), 8, kT0, Family::v4, true);
    ASSERT_EQ(eight.size(), 8u);
    EXPECT_EQ(std::set<Endpoint>(eight.begin(), eight.end()).size(), 8u);
    EXPECT_EQ(
        std::count_if(eight.begin(), eight.end(), [](const Endpoint& e) { return e < v4(5); }), 3);
  }
}

TEST(PeerStore, SampleInfoHashes) {
  PeerStore store;
  for (std::uint32_t i = 0; i < 30; ++i) store.announce(hash(i), v4(i), false, kT0);
  std::vector<NodeId> out;
  store.sample_info_hashes(20, out);
  EXPECT_EQ(out.size(), 20u);
  EXPECT_EQ(std::set<NodeId>(out.begin(), out.end()).size(), 20u);
  out.clear();
  store.sample_info_hashes(50, out);
  EXPECT_EQ(out.size(), 30u);
}

}  // namespace
}  // namespace btnode::dht
