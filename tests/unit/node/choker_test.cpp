#include "node/choker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace btnode::node {
namespace {

using std::chrono::seconds;

const TimePoint kStart = TimePoint{} + seconds(100000);

ChokerOptions fixed_seed(std::uint64_t seed = 1) {
  ChokerOptions options;
  options.seed = seed;
  return options;
}

ChokerPeer peer(PeerKey key, double download, double upload = 0, bool interested = true) {
  ChokerPeer p;
  p.key = key;
  p.interested = interested;
  p.download_rate = download;
  p.upload_rate = upload;
  p.connected_at = kStart - seconds(3600);  // not new unless a test says so
  return p;
}

std::set<PeerKey> as_set(const std::vector<PeerKey>& keys) {
  return {keys.begin(), keys.end()};
}

// Property (fixed seed, bounded): the 4 fastest interested uploaders to us
// are always unchoked, plus exactly one optimistic among the rest.
TEST(ChokerTest, UnchokesTheTopFourDownloadersPlusOneOptimistic) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    Choker choker(fixed_seed(static_cast<std::uint64_t>(trial)));
    std::vector<ChokerPeer> peers;
    const int count = 5 + static_cast<int>(rng() % 30);
    for (int i = 0; i < count; ++i) {
      peers.push_back(
          peer(static_cast<PeerKey>(i), static_cast<double>(rng() % 100000), 0, rng() % 4 != 0));
    }
    std::vector<ChokerPeer> interested;
    std::copy_if(peers.begin(), peers.end(), std::back_inserter(interested),
                 [](const ChokerPeer& p) { return p.interested; });
    std::sort(interested.begin(), interested.end(), [](const auto& a, const auto& b) {
      return a.download_rate != b.download_rate ? a.download_rate > b.download_rate : a.key < b.key;
    });
    const auto decision = choker.rechoke(peers, false, kStart);
    const auto unchoked = as_set(decision.unchoke);
    EXPECT_TRUE(decision.choke.empty());
    const std::size_t top = std::min<std::size_t>(4, interested.size());
    for (std::size_t i = 0; i < top; ++i) EXPECT_TRUE(unchoked.contains(interested[i].key));
    EXPECT_EQ(unchoked.size(), std::min<std::size_t>(5, interested.size()));
    for (const PeerKey key : unchoked) EXPECT_TRUE(peers[key].interested);
    if (interested.size() > 4) {
      ASSERT_TRUE(choker.optimistic().has_value());
      EXPECT_FALSE(std::any_of(interested.begin(), interested.begin() + 4,
                               [&](const auto& p) { return p.key == *choker.optimistic(); }));
    }
  }
}

TEST(ChokerTest, RechokeReportsOnlyChanges) {
  ChokerOptions options = fixed_seed();
  options.optimistic_slots = 0;
  Choker choker(options);
  std::vector<ChokerPeer> peers{peer(1, 500), peer(2, 400), peer(3, 300), peer(4, 200),
                                peer(5, 100)};
  auto first = choker.rechoke(peers, false, kStart);
  EXPECT_EQ(as_set(first.unchoke), (std::set<PeerKey>{1, 2, 3, 4}));
  EXPECT_EQ(first.next_rechoke, kStart + seconds(10));
  peers[4].download_rate = 1000;  // peer 5 now gives the most
  auto second = choker.rechoke(peers, false, kStart + seconds(10));
  EXPECT_EQ(second.unchoke, std::vector<PeerKey>{5});
  EXPECT_EQ(second.choke, std::vector<PeerKey>{4});
  auto third = choker.rechoke(peers, false, kStart + seconds(20));
  EXPECT_TRUE(third.unchoke.empty());
  EXPECT_TRUE(third.choke.empty());
}

TEST(ChokerTest, SnubbedAndUninterestedPeersGetNoRegularSlot) {
  ChokerOptions options = fixed_seed();
  options.optimistic_slots = 0;
  Choker choker(options);
  std::vector<ChokerPeer> peers{peer(1, 900), peer(2, 800, 0, false), peer(3, 100), peer(4, 50)};
  peers[0].snubbed = true;
  const auto decision = choker.rechoke(peers, false, kStart);
  EXPECT_EQ(as_set(decision.unchoke), (std::set<PeerKey>{3, 4}));
}

TEST(ChokerTest, OptimisticSlotRotatesEveryThirtySeconds) {
  Choker choker(fixed_seed(9));
  std::vector<ChokerPeer> peers;
  for (PeerKey k = 0; k < 10; ++k) peers.push_back(peer(k, 1000.0 - k));
  std::vector<PeerKey> holders;
  for (int round = 0; round < 12; ++round) {
    choker.rechoke(peers, false, kStart + seconds(10 * round));
    ASSERT_TRUE(choker.optimistic().has_value());
    holders.push_back(*choker.optimistic());
  }
  for (std::size_t round = 1; round < holders.size(); ++round) {
    if (round % 3 == 0) {
      EXPECT_NE(holders[round], holders[round - 1]) << round;
    } else {
      EXPECT_EQ(holders[round], holders[round - 1]) << round;
    }
  }
  for (const PeerKey holder : holders) EXPECT_GE(holder, 4u);  // never one of the top four
}

TEST(ChokerTest, NewPeersAreThreeTimesAsLikelyToBeOptimistic) {
  std::map<bool, int> wins;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    ChokerOptions options = fixed_seed(seed);
    options.regular_slots = 0;
    Choker choker(options);
    std::vector<ChokerPeer> peers{peer(1, 0), peer(2, 0)};
    peers[1].connected_at = kStart - seconds(5);  // new
    choker.rechoke(peers, false, kStart);
    ++wins[*choker.optimistic() == 2];
  }
  // Expected 300 : 100.
  EXPECT_GT(wins[true], 250);
  EXPECT_LT(wins[true], 350);
}

TEST(ChokerTest, SeedingRanksByUploadRateAndRotates) {
  ChokerOptions options = fixed_seed();
  options.optimistic_slots = 0;
  options.regular_slots = 2;
  Choker choker(options);
  std::vector<ChokerPeer> peers{peer(1, 0, 100), peer(2, 0, 900), peer(3, 0, 500), peer(4, 0, 10)};
  const auto first = choker.rechoke(peers, true, kStart);
  EXPECT_EQ(as_set(first.unchoke), (std::set<PeerKey>{2, 3}));
  // After seed_slot_time (60 s) the holders yield to the others.
  const auto later = choker.rechoke(peers, true, kStart + seconds(60));
  EXPECT_EQ(as_set(later.unchoke), (std::set<PeerKey>{1, 4}));
  EXPECT_EQ(as_set(later.choke), (std::set<PeerKey>{2, 3}));
}

// Property: a seed serves every interested leech within a few minutes, however
// lopsided the upload rates (round robin), and never exceeds its slots.
TEST(ChokerTest, SeedingGivesEveryLeechATurn) {
  std::mt19937 rng(8);
  ChokerOptions options = fixed_seed(4);
  options.optimistic_slots = 0;  // round robin alone must do it
  Choker choker(options);
  std::vector<ChokerPeer> peers;
  for (PeerKey k = 0; k < 12; ++k)
    peers.push_back(peer(k, 0, static_cast<double>(rng() % 1000000)));
  std::set<PeerKey> served;
  for (int round = 0; round < 30; ++round) {  // 5 minutes of 10 s rechokes
    choker.rechoke(peers, true, kStart + seconds(10 * round));
    EXPECT_EQ(choker.unchoked_count(), 4u);
    for (const auto& p : peers) {
      if (choker.unchoked(p.key)) served.insert(p.key);
    }
  }
  EXPECT_EQ(served.size(), peers.size());
}

TEST(ChokerTest, DepartedPeersAreForgottenWithoutAChoke) {
  ChokerOptions options = fixed_seed();
  options.optimistic_slots = 0;
  Choker choker(options);
  std::vector<ChokerPeer> peers{peer(1, 10), peer(2, 20)};
  choker.rechoke(peers, false, kStart);
  peers.pop_back();
  const auto decision = choker.rechoke(peers, false, kStart + seconds(10));
  EXPECT_TRUE(decision.choke.empty());
  EXPECT_FALSE(choker.unchoked(2));
  EXPECT_TRUE(choker.unchoked(1));
  choker.remove_peer(1);
  EXPECT_EQ(choker.unchoked_count(), 0u);
}

}  // namespace
}  // namespace btnode::node
