#include "dht/routing_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "dht/node_id_security.h"

namespace btnode::dht {
namespace {

constexpr TimePoint kStart = TimePoint{} + std::chrono::hours(1000);

// Distinct public IPv4 endpoints: 1.x.y.z.
Endpoint ip(std::uint32_t i, std::uint16_t port = 6881) {
  return Endpoint::v4({1, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                       static_cast<std::uint8_t>(i)},
                      port);
}

NodeId random_id(std::mt19937& rng) {
  NodeId id;
  for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
  return id;
}

// An id sharing exactly `shared` leading bits with `self` (shared < 160).
NodeId id_at_depth(const NodeId& self, int shared, std::mt19937& rng) {
  NodeId id = random_id(rng);
  for (int b = 0; b <= shared; ++b) {
    const auto mask = static_cast<std::uint8_t>(0x80 >> (b % 8));
    const bool want = ((self.bytes[b / 8] & mask) != 0) != (b == shared);
    id.bytes[b / 8] = want ? (id.bytes[b / 8] | mask) : (id.bytes[b / 8] & ~mask);
  }
  return id;
}

std::vector<NodeInfo> live_nodes(const RoutingTable& table) {
  std::vector<NodeInfo> all;
  for (std::size_t i = 0; i < table.bucket_count(); ++i) {
    for (const auto& e : table.bucket(i).live) all.push_back(e.info);
  }
  return all;
}

class RoutingTableTest : public ::testing::Test {
 protected:
  std::mt19937 rng{42};
  NodeId self = random_id(rng);
  RoutingTable table{self};
};

TEST_F(RoutingTableTest, StartsEmptyWithOneBucket) {
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.bucket_count(), 1u);
  std::vector<NodeInfo> out{NodeInfo{}};
  table.closest(self, 8, out, kStart);
  EXPECT_TRUE(out.empty());
}

TEST_F(RoutingTableTest, NeverAddsItself) {
  EXPECT_EQ(table.node_responded({self, ip(1)}, kStart).status, RoutingTable::Status::ignored);
  EXPECT_EQ(table.size(), 0u);
}

TEST_F(RoutingTableTest, FarBucketDoesNotSplitWhenFull) {
  for (std::uint32_t i = 0; i < 8; ++i) {
    EXPECT_EQ(table.node_responded({id_at_depth(self, 0, rng), ip(i)}, kStart).status,
              RoutingTable::Status::added);
  }
  // Bucket 0 is split off once a node near us arrives; it then never splits.
  EXPECT_EQ(table.node_responded({id_at_depth(self, 5, rng), ip(100)}, kStart).status,
            RoutingTable::Status::added);
  const auto buckets = table.bucket_count();
  EXPECT_GE(buckets, 2u);
  const auto update = table.node_responded({id_at_depth(self, 0, rng), ip(200)}, kStart);
  EXPECT_EQ(update.status, RoutingTable::Status::cached);
  EXPECT_FALSE(update.ping.has_value());  // all live nodes are good: nothing to ping
  EXPECT_EQ(table.bucket_count(), buckets);
  EXPECT_EQ(table.bucket(0).live.size(), 8u);
}

TEST_F(RoutingTableTest, OwnBucketSplitsAsCloseNodesArrive) {
  std::uint32_t n = 0;
  for (int depth = 0; depth < 40; ++depth) {
    for (int j = 0; j < 3; ++j)
      table.node_responded({id_at_depth(self, depth, rng), ip(n++)}, kStart);
  }
  EXPECT_EQ(table.size(), 120u);
  EXPECT_GE(table.bucket_count(), 39u);
}

// Every live node sits in the bucket its shared prefix with us selects, and
// no bucket exceeds k.
void expect_invariants(const RoutingTable& table) {
  const std::size_t last = table.bucket_count() - 1;
  for (std::size_t i = 0; i <= last; ++i) {
    const Bucket& b = table.bucket(i);
    EXPECT_LE(b.live.size(), 8u);
    EXPECT_LE(b.cache.size(), 8u);
    for (const auto& e : b.live) {
      const auto shared = static_cast<std::size_t>(common_prefix_bits(table.self(), e.info.id));
      if (i < last) {
        EXPECT_EQ(shared, i);
      } else {
        EXPECT_GE(shared, last);
      }
    }
  }
}

TEST_F(RoutingTableTest, ClosestMatchesBruteForce) {
  // Uniform ids fill the far buckets; ids at chosen depths fill the near ones.
  for (std::uint32_t i = 0; i < 4000; ++i) {
    const NodeId id = i % 2 ? random_id(rng) : id_at_depth(self, static_cast<int>(rng() % 40), rng);
    table.node_responded({id, ip(i)}, kStart);
  }
  expect_invariants(table);
  std::vector<NodeInfo> all = live_nodes(table);
  ASSERT_EQ(all.size(), table.size());
  ASSERT_GT(all.size(), 250u);
  std::vector<NodeInfo> got;
  for (int t = 0; t < 300; ++t) {
    // Random targets, plus targets near our id (the deep buckets).
    const NodeId target = t % 2 ? random_id(rng) : id_at_depth(self, t % 24, rng);
    for (std::size_t count : {1u, 8u, 20u}) {
      table.closest(target, count, got, kStart);
      std::vector<NodeInfo> want = all;
      std::sort(want.begin(), want.end(), [&](const NodeInfo& a, const NodeInfo& b) {
        return closer_to(target, a.id, b.id);
      });
      want.resize(std::min(count, want.size()));
      ASSERT_EQ(got, want) << "target " << target.to_hex() << " count " << count;
    }
  }
}

TEST_F(RoutingTableTest, ClosestSkipsBadNodes) {
  const NodeInfo a{id_at_depth(self, 3, rng), ip(1)};
  const NodeInfo b{id_at_depth(self, 3, rng), ip(2)};
  table.node_responded(a, kStart);
  table.node_responded(b, kStart);
  table.node_failed(a, kStart);
  std::vector<NodeInfo> out;
  table.closest(a.id, 8, out, kStart);
  EXPECT_EQ(out.size(), 2u);  // one failure: questionable, still offered
  table.node_failed(a, kStart);
  table.closest(a.id, 8, out, kStart);
  EXPECT_EQ(out, std::vector<NodeInfo>{b});
}

TEST_F(RoutingTableTest, NodeStatesFollowBep5Timing) {
  const NodeInfo n{id_at_depth(self, 1, rng), ip(1)};
  const BucketPolicy policy;
  table.node_responded(n, kStart);
  EXPECT_EQ(table.find(n.id)->state(kStart + 14min, policy), NodeState::good);
  EXPECT_EQ(table.find(n.id)->state(kStart + 15min, policy), NodeState::questionable);
  // Queried us after having responded: good again.
  table.node_queried(n, kStart + 20min);
  EXPECT_EQ(table.find(n.id)->state(kStart + 21min, policy), NodeState::good);
  table.node_failed(n, kStart + 21min);
  EXPECT_EQ(table.find(n.id)->state(kStart + 21min, policy), NodeState::questionable);
  table.node_failed(n, kStart + 22min);
  EXPECT_EQ(table.find(n.id)->state(kStart + 22min, policy), NodeState::bad);
  table.node_responded(n, kStart + 23min);  // answering clears the failures
  EXPECT_EQ(table.find(n.id)->state(kStart + 23min, policy), NodeState::good);
}

TEST_F(RoutingTableTest, QuestionableNodeIsPingedBeforeEviction) {
  std::vector<NodeInfo> old;
  for (std::uint32_t i = 0; i < 8; ++i) {
    old.push_back({id_at_depth(self, 0, rng), ip(i)});
    table.node_responded(old.back(), kStart + std::chrono::seconds(i));
  }
  table.node_responded({id_at_depth(self, 4, rng), ip(50)}, kStart);  // split bucket 0 off
  const TimePoint later = kStart + 20min;
  const NodeInfo newcomer{id_at_depth(self, 0, rng), ip(99)};
  auto update = table.node_responded(newcomer, later);
  EXPECT_EQ(update.status, RoutingTable::Status::cached);
  ASSERT_TRUE(update.ping.has_value());
  EXPECT_EQ(*update.ping, old[0]);  // least recently seen
  // It answers: it stays, and the next questionable one is suggested.
  table.node_responded(old[0], later + 1s);
  update = table.node_responded(newcomer, later + 2s);
  ASSERT_TRUE(update.ping.has_value());
  EXPECT_EQ(*update.ping, old[1]);
  // It fails twice ("try once more"): the newcomer takes its slot.
  table.node_failed(old[1], later + 5s);
  EXPECT_NE(table.find(old[1].id), nullptr);
  table.node_failed(old[1], later + 10s);
  EXPECT_EQ(table.find(old[1].id), nullptr);
  EXPECT_NE(table.find(newcomer.id), nullptr);
  EXPECT_EQ(table.bucket(0).live.size(), 8u);
  EXPECT_TRUE(table.bucket(0).cache.empty());
}

TEST_F(RoutingTableTest, PingSuggestionsAreNotRepeatedWhileInFlight) {
  for (std::uint32_t i = 0; i < 8; ++i)
    table.node_responded({id_at_depth(self, 0, rng), ip(i)}, kStart);
  table.node_responded({id_at_depth(self, 4, rng), ip(50)}, kStart);
  const TimePoint later = kStart + 20min;
  std::set<NodeId> pinged;
  for (std::uint32_t i = 0; i < 8; ++i) {
    const auto u = table.node_responded({id_at_depth(self, 0, rng), ip(100 + i)}, later);
    ASSERT_TRUE(u.ping.has_value());
    EXPECT_TRUE(pinged.insert(u.ping->id).second);
  }
  // All eight pings are in flight: nothing more to suggest.
  EXPECT_FALSE(table.node_responded({id_at_depth(self, 0, rng), ip(200)}, later).ping);
}

TEST_F(RoutingTableTest, QueryingStrangerIsCachedAndPingedToConfirm) {
  const NodeInfo stranger{id_at_depth(self, 2, rng), ip(7)};
  const auto update = table.node_queried(stranger, kStart);
  EXPECT_EQ(update.status, RoutingTable::Status::cached);
  ASSERT_TRUE(update.ping.has_value());
  EXPECT_EQ(*update.ping, stranger);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.cache_size(), 1u);
  // Repeated queries do not ask for another ping while one is in flight.
  EXPECT_FALSE(table.node_queried(stranger, kStart + 1s).ping.has_value());
  EXPECT_EQ(table.node_responded(stranger, kStart + 2s).status, RoutingTable::Status::added);
  EXPECT_EQ(table.cache_size(), 0u);
  EXPECT_EQ(table.size(), 1u);
}

TEST_F(RoutingTableTest, UnansweredStrangerLeavesTheCache) {
  const NodeInfo stranger{id_at_depth(self, 2, rng), ip(7)};
  table.node_queried(stranger, kStart);
  table.node_failed(stranger, kStart + 5s);
  EXPECT_EQ(table.cache_size(), 0u);
  // Its IP is free again.
  EXPECT_EQ(table.node_responded({id_at_depth(self, 2, rng), ip(7)}, kStart).status,
            RoutingTable::Status::added);
}

TEST_F(RoutingTableTest, OneNodePerIp) {
  std::uint32_t added = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto status = table.node_responded({random_id(rng), ip(1, 1000 + i)}, kStart).status;
    added += status == RoutingTable::Status::added;
    if (i > 0) {
      EXPECT_EQ(status, RoutingTable::Status::ip_taken);
    }
  }
  EXPECT_EQ(added, 1u);
  EXPECT_EQ(table.size() + table.cache_size(), 1u);
  // Queries from more ids on that IP do not reach the cache either.
  EXPECT_EQ(table.node_queried({random_id(rng), ip(1)}, kStart).status,
            RoutingTable::Status::ip_taken);
}

TEST(RoutingTable, OneNodePerIpCanBeTurnedOff) {
  std::mt19937 rng(7);
  RoutingTableOptions options;
  options.one_node_per_ip = false;
  RoutingTable table(random_id(rng), options);
  for (int i = 0; i < 50; ++i) table.node_responded({random_id(rng), ip(1, 1000 + i)}, kStart);
  EXPECT_GT(table.size(), 8u);
}

TEST_F(RoutingTableTest, GoodNodeKeepsItsEndpoint) {
  const NodeInfo n{id_at_depth(self, 1, rng), ip(1)};
  table.node_responded(n, kStart);
  const NodeInfo spoof{n.id, ip(2)};
  EXPECT_EQ(table.node_responded(spoof, kStart + 1min).status, RoutingTable::Status::id_conflict);
  EXPECT_EQ(table.node_queried(spoof, kStart + 1min).status, RoutingTable::Status::id_conflict);
  EXPECT_EQ(table.find(n.id)->info.endpoint, n.endpoint);
  // Once it went quiet, the id may move (e.g. a home router's new address).
  EXPECT_EQ(table.node_responded(spoof, kStart + 30min).status, RoutingTable::Status::updated);
  EXPECT_EQ(table.find(n.id)->info.endpoint, spoof.endpoint);
  EXPECT_EQ(table.node_responded({random_id(rng), ip(1)}, kStart + 30min).status,
            RoutingTable::Status::added);  // the old IP was released
}

TEST_F(RoutingTableTest, VerifiedIdReplacesUnverifiedQuestionableNode) {
  std::uint32_t next_ip = 10;
  for (int i = 0; i < 8; ++i) {
    // Unverified: random ids almost never match BEP 42 for their IP.
    const NodeInfo n{id_at_depth(self, 0, rng), ip(next_ip++)};
    table.node_responded(n, kStart);
    ASSERT_FALSE(table.find(n.id)->verified);
  }
  table.node_responded({id_at_depth(self, 3, rng), ip(next_ip++)}, kStart);  // split
  // Find a verified id that falls in bucket 0 (first bit differs from ours).
  NodeInfo verified{};
  for (int tries = 0; tries < 1000; ++tries) {
    const Endpoint ep = ip(next_ip++);
    const NodeId id = make_secure_node_id(ep);
    if (common_prefix_bits(self, id) == 0) {
      verified = {id, ep};
      break;
    }
  }
  ASSERT_TRUE(is_secure_node_id(verified.id, verified.endpoint));
  // While the unverified nodes are good they stay.
  EXPECT_EQ(table.node_responded(verified, kStart + 1min).status, RoutingTable::Status::cached);
  // Once they are questionable, the verified node takes a slot at once.
  EXPECT_EQ(table.node_responded(verified, kStart + 20min).status, RoutingTable::Status::added);
  EXPECT_TRUE(table.find(verified.id)->verified);
  EXPECT_EQ(table.bucket(0).live.size(), 8u);
}

TEST_F(RoutingTableTest, IdleBucketsAreRefreshedWithTargetsInside) {
  for (int depth = 0; depth < 6; ++depth) {
    for (std::uint32_t j = 0; j < 8; ++j) {
      table.node_responded({id_at_depth(self, depth, rng), ip(depth * 100 + j)}, kStart);
    }
  }
  const std::size_t buckets = table.bucket_count();
  EXPECT_EQ(table.next_refresh(), kStart + 15min);
  EXPECT_FALSE(table.refresh_target(kStart + 14min).has_value());
  const TimePoint due = kStart + 15min;
  std::set<std::size_t> refreshed;
  for (std::size_t i = 0; i < buckets; ++i) {
    const auto target = table.refresh_target(due);
    ASSERT_TRUE(target.has_value());
    const auto shared = static_cast<std::size_t>(common_prefix_bits(self, *target));
    const std::size_t index = std::min(shared, buckets - 1);
    EXPECT_TRUE(refreshed.insert(index).second) << "bucket " << index << " twice";
  }
  EXPECT_EQ(refreshed.size(), buckets);
  EXPECT_FALSE(table.refresh_target(due).has_value());
  EXPECT_EQ(table.next_refresh(), due + 15min);
}

TEST_F(RoutingTableTest, AfterJoiningSparseBucketsAreDueForRefresh) {
  // Bucket 0 full, bucket 1 with 2 nodes, the last (ours) with a few.
  for (std::uint32_t j = 0; j < 8; ++j)
    table.node_responded({id_at_depth(self, 0, rng), ip(j)}, kStart);
  for (std::uint32_t j = 0; j < 2; ++j)
    table.node_responded({id_at_depth(self, 1, rng), ip(100 + j)}, kStart);
  for (std::uint32_t j = 0; j < 8; ++j)
    table.node_responded({id_at_depth(self, 3 + static_cast<int>(j % 3), rng), ip(200 + j)},
                         kStart);
  ASSERT_GE(table.bucket_count(), 3u);
  EXPECT_FALSE(table.refresh_target(kStart + 1min).has_value());
  table.refresh_sparse_buckets(160);
  EXPECT_LE(table.next_refresh(), kStart);
  std::set<std::size_t> refreshed;
  while (const auto target = table.refresh_target(kStart + 1min)) {
    const auto shared = static_cast<std::size_t>(common_prefix_bits(self, *target));
    refreshed.insert(std::min(shared, table.bucket_count() - 1));
    ASSERT_LT(refreshed.size(), 200u);
  }
  EXPECT_FALSE(refreshed.contains(0)) << "bucket 0 is full";
  EXPECT_TRUE(refreshed.contains(1));
  EXPECT_FALSE(refreshed.contains(table.bucket_count() - 1)) << "our own bucket was just walked";
  EXPECT_EQ(table.next_refresh(), kStart + 15min);
}

TEST_F(RoutingTableTest, MemoryGrowsWithTheNodesHeld) {
  const std::size_t empty = table.memory_bytes();
  EXPECT_GE(empty, sizeof(RoutingTable));
  for (std::uint32_t j = 0; j < 8; ++j)
    table.node_responded({id_at_depth(self, 0, rng), ip(j)}, kStart);
  EXPECT_GE(table.memory_bytes(), empty + 8 * sizeof(NodeEntry));
}

TEST_F(RoutingTableTest, CacheKeepsTheMostValuableEntries) {
  for (std::uint32_t i = 0; i < 8; ++i)
    table.node_responded({id_at_depth(self, 0, rng), ip(i)}, kStart);
  table.node_responded({id_at_depth(self, 4, rng), ip(50)}, kStart);
  // Fill the cache with nodes that only queried us, then offer answered ones.
  for (std::uint32_t i = 0; i < 8; ++i)
    table.node_queried({id_at_depth(self, 0, rng), ip(100 + i)}, kStart);
  EXPECT_EQ(table.bucket(0).cache.size(), 8u);
  for (std::uint32_t i = 0; i < 8; ++i) {
    EXPECT_EQ(table.node_responded({id_at_depth(self, 0, rng), ip(200 + i)}, kStart).status,
              RoutingTable::Status::cached);
  }
  for (const auto& e : table.bucket(0).cache) EXPECT_TRUE(e.responded);
  // An unanswered node is not worth displacing any of them.
  EXPECT_EQ(table.node_queried({id_at_depth(self, 0, rng), ip(300)}, kStart).status,
            RoutingTable::Status::ignored);
  expect_invariants(table);
}

TEST(RoutingTableFarBuckets, FarBucketsHoldMoreAndTheLastStillSplitsAtK) {
  std::mt19937 rng{7};
  const NodeId self = random_id(rng);
  RoutingTableOptions o;
  o.far_capacity = {32, 16, 0, 0};
  RoutingTable table(self, o);
  EXPECT_EQ(table.capacity(0), 8u) << "the only bucket is the last: k";
  std::uint32_t next = 1;
  // Neighbours first, so the table splits; then many far nodes.
  for (int depth = 0; depth < 4; ++depth) {
    for (int i = 0; i < 8; ++i) table.node_responded({id_at_depth(self, depth, rng), ip(next++)}, kStart);
  }
  ASSERT_GE(table.bucket_count(), 3u);
  EXPECT_EQ(table.capacity(0), 32u);
  EXPECT_EQ(table.capacity(1), 16u);
  for (int i = 0; i < 100; ++i) table.node_responded({id_at_depth(self, 0, rng), ip(next++)}, kStart);
  for (int i = 0; i < 100; ++i) table.node_responded({id_at_depth(self, 1, rng), ip(next++)}, kStart);
  EXPECT_EQ(table.bucket(0).live.size(), 32u);
  EXPECT_EQ(table.bucket(1).live.size(), 16u);
  EXPECT_LE(table.bucket(table.bucket_count() - 1).live.size(), 8u);
  // The closest of a wide bucket are still the closest to a target there.
  const NodeId target = id_at_depth(self, 0, rng);
  std::vector<NodeInfo> out;
  table.closest(target, 8, out, kStart);
  ASSERT_EQ(out.size(), 8u);
  for (const auto& e : table.bucket(0).live) {
    if (std::ranges::count(out, e.info.id, &NodeInfo::id) == 0) {
      EXPECT_TRUE(closer_to(target, out.back().id, e.info.id));
    }
  }
}

TEST(RoutingTableFarBuckets, HeardOfNodesArePingedOnlyWhileTheirBucketHasRoom) {
  std::mt19937 rng{9};
  const NodeId self = random_id(rng);
  RoutingTable table(self);
  std::uint32_t next = 1;
  for (int depth = 0; depth < 3; ++depth) {
    for (int i = 0; i < 8; ++i) table.node_responded({id_at_depth(self, depth, rng), ip(next++)}, kStart);
  }
  ASSERT_EQ(table.bucket(0).live.size(), 8u);
  const auto full = table.node_heard_of({id_at_depth(self, 0, rng), ip(next++)}, kStart);
  EXPECT_EQ(full.status, RoutingTable::Status::ignored);
  EXPECT_FALSE(full.ping);

  RoutingTableOptions o;
  o.far_capacity = {16, 0, 0, 0};
  RoutingTable wide(self, o);
  for (int depth = 0; depth < 3; ++depth) {
    for (int i = 0; i < 8; ++i) wide.node_responded({id_at_depth(self, depth, rng), ip(next++)}, kStart);
  }
  const NodeInfo heard{id_at_depth(self, 0, rng), ip(next++)};
  const auto room = wide.node_heard_of(heard, kStart);
  EXPECT_EQ(room.status, RoutingTable::Status::cached);
  ASSERT_TRUE(room.ping);
  EXPECT_EQ(room.ping->id, heard.id);
  EXPECT_EQ(wide.node_heard_of(heard, kStart).status, RoutingTable::Status::ignored)
      << "already waiting";
  const std::size_t before = wide.bucket(0).live.size();
  wide.node_responded(heard, kStart);
  EXPECT_EQ(wide.bucket(0).live.size(), before + 1) << "its answer gives it a live slot";
}

}  // namespace
}  // namespace btnode::dht
