// Several Nodes wired together in-process (no sockets): datagrams are
// delivered from a queue, 1 ms apart in virtual time.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>

#include "dht/item.h"
#include "dht/node.h"

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

Endpoint address(std::size_t i) {
  return Endpoint::v4({10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                      6881);
}

// Lookups that wait for every one of the k closest, so results are exact.
TraversalOptions exact() {
  TraversalOptions o;
  o.stragglers = 0;
  return o;
}

class Network {
 public:
  explicit Network(std::size_t size, TraversalOptions lookup = exact()) {
    for (std::size_t i = 0; i < size; ++i) {
      NodeOptions o;
      o.allow_local = true;  // 10.0.0.0/8
      o.lookup = lookup;
      nodes.push_back(std::make_unique<Node>(o, now));
      by_endpoint[address(i + 1)] = i;
    }
  }

  Node& node(std::size_t i) { return *nodes[i]; }
  Endpoint endpoint(std::size_t i) const { return address(i + 1); }

  // Queues what node i sent.
  void sent_by(std::size_t i) {
    for (auto& d : out) {
      if (i == watched && d.bytes.find("1:q9:find_node") != std::string::npos)
        ++find_nodes_to[d.to];
      queue.push_back({endpoint(i), std::move(d)});
    }
    out.clear();
  }

  // Delivers queued datagrams until none are left (bounded).
  void run() {
    for (int steps = 0; steps < 200000 && !queue.empty(); ++steps) {
      auto [from, d] = std::move(queue.front());
      queue.pop_front();
      now += 1ms;
      const auto it = by_endpoint.find(d.to);
      if (it == by_endpoint.end() || dead.contains(it->second)) continue;
      node(it->second).on_packet(d.bytes, from, now, out);
      sent_by(it->second);
    }
  }

  // Advances the clock, running every live node's timer on the way.
  void advance(Duration d, Duration tick = 100ms) {
    for (const TimePoint end = now + d; now < end;) {
      now += tick;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (dead.contains(i)) continue;
        node(i).on_timer(now, out);
        sent_by(i);
      }
      run();
    }
  }

  // Node 0 is the router; the others join through it one after another.
  void join_all() {
    const std::vector<Endpoint> router{endpoint(0)};
    for (std::size_t i = 1; i < nodes.size(); ++i) {
      node(i).bootstrap(router, now, out);
      sent_by(i);
      run();
    }
    advance(1s);  // lets the joins' bucket refreshes run
  }

  // The k ids closest to target among the live nodes other than `except`.
  std::vector<NodeId> true_closest(const NodeId& target, std::size_t k, std::size_t except) {
    std::vector<NodeId> ids;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (i != except && !dead.contains(i)) ids.push_back(node(i).id());
    }
    std::ranges::sort(ids,
                      [&](const NodeId& a, const NodeId& b) { return closer_to(target, a, b); });
    ids.resize(std::min(k, ids.size()));
    return ids;
  }

  TimePoint now = kT0;
  std::vector<std::unique_ptr<Node>> nodes;
  std::map<Endpoint, std::size_t> by_endpoint;
  std::set<std::size_t> dead;
  std::deque<std::pair<Endpoint, Datagram>> queue;
  std::size_t watched = SIZE_MAX;  // whose find_node queries are counted
  std::map<Endpoint, int> find_nodes_to;
  std::vector<Datagram> out;
};

// Copies what a callback sees (its spans end with the call).
struct Seen {
  int calls = 0;
  bool done = false;
  std::vector<NodeInfo> closest;
  std::vector<Endpoint> peers;
  std::size_t announced = 0;
  std::optional<FoundItem> item;
  std::vector<NodeId> samples;
  std::size_t sampled_nodes = 0;
  std::int64_t samples_num = 0;
  LookupProgress progress;
  LookupCallback callback() {
    return [this](const LookupResult& r) {
      samples.assign(r.samples.begin(), r.samples.end());
      sampled_nodes = r.sampled_nodes;
      samples_num = r.samples_num;
      ++calls;
      done = r.done;
      closest.assign(r.closest.begin(), r.closest.end());
      peers.assign(r.peers.begin(), r.peers.end());
      announced = r.announced;
      if (r.item) item = *r.item;
      progress = r.progress;
    };
  }
};

std::vector<NodeId> ids_of(const std::vector<NodeInfo>& nodes) {
  std::vector<NodeId> ids;
  for (const auto& n : nodes) ids.push_back(n.id);
  return ids;
}

TEST(NodeLookupsTest, BootstrapThroughARouterFillsTheTables) {
  Network net(40);
  Seen seen;
  const std::vector<Endpoint> router{net.endpoint(0)};
  net.node(1).bootstrap(router, net.now, net.out, seen.callback());
  net.sent_by(1);
  net.run();
  ASSERT_TRUE(seen.done);
  EXPECT_EQ(seen.closest.size(), 1u) << "only the router exists yet";
  net.join_all();
  for (std::size_t i = 0; i < 40; ++i)
    EXPECT_GT(net.node(i).table(Endpoint::Family::v4).size(), 0u);
  EXPECT_GE(net.node(39).table(Endpoint::Family::v4).size(), 8u);
}

TEST(NodeLookupsTest, FindNodeReturnsTheTrueClosestNodes) {
  Network net(60);
  net.join_all();
  for (std::size_t from : {5u, 30u, 59u}) {
    const NodeId target = random_node_id();
    Seen seen;
    net.node(from).find_node(target, net.now, net.out, seen.callback());
    net.sent_by(from);
    net.run();
    ASSERT_TRUE(seen.done);
    EXPECT_EQ(seen.calls, 1);
    EXPECT_EQ(ids_of(seen.closest), net.true_closest(target, 8, from));
    EXPECT_GE(seen.progress.hops, 1);
    // Answers still in flight when the k closest are in are not waited for.
    EXPECT_LE(seen.progress.responded, seen.progress.queried);
    EXPECT_EQ(seen.progress.failed, 0u);
  }
}

TEST(NodeLookupsTest, AnnouncedPeerIsFoundByGetPeers) {
  Network net(50);
  net.join_all();
  NodeId hash;
  hash.bytes.fill(0x42);
  Seen announced;
  net.node(10).announce(hash, {.port = 7000}, net.now, net.out, announced.callback());
  net.sent_by(10);
  net.run();
  ASSERT_TRUE(announced.done);
  EXPECT_EQ(announced.announced, 8u);

  Seen found;
  net.node(40).get_peers(hash, net.now, net.out, found.callback());
  net.sent_by(40);
  net.run();
  ASSERT_TRUE(found.done);
  EXPECT_EQ(found.peers, std::vector<Endpoint>{net.endpoint(10).with_port(7000)});
  EXPECT_EQ(found.progress.peers, 1u);
  EXPECT_GE(found.calls, 2) << "progress is reported when peers arrive, then the end";
}

TEST(NodeLookupsTest, SampleWalkCollectsAnnouncedInfoHashes) {
  Network net(50);
  net.join_all();
  // Five info-hashes announced near one target: their holders are the nodes
  // a walk toward that target asks.
  NodeId target;
  target.bytes.fill(0x61);
  std::set<NodeId> announced;
  for (std::uint8_t i = 0; i < 5; ++i) {
    NodeId hash = target;
    hash.bytes[19] = i;
    announced.insert(hash);
    Seen seen;
    net.node(10 + i).announce(hash, {.port = 7000}, net.now, net.out, seen.callback());
    net.sent_by(10 + i);
    net.run();
    ASSERT_EQ(seen.announced, 8u);
  }
  Seen walk;
  net.node(40).sample(target, net.now, net.out, walk.callback());
  net.sent_by(40);
  net.run();
  ASSERT_TRUE(walk.done);
  EXPECT_EQ(std::set<NodeId>(walk.samples.begin(), walk.samples.end()), announced);
  EXPECT_EQ(walk.samples.size(), announced.size()) << "each info-hash once";
  EXPECT_GE(walk.sampled_nodes, 8u);
  EXPECT_GE(walk.samples_num, 5) << "num counts every info-hash a node holds";
}

TEST(NodeLookupsTest, ImpliedPortAnnouncesOurSourcePort) {
  Network net(30);
  net.join_all();
  NodeId hash;
  hash.bytes.fill(0x17);
  Seen announced;
  net.node(3).announce(hash, {.port = 1, .implied_port = true}, net.now, net.out,
                       announced.callback());
  net.sent_by(3);
  net.run();
  ASSERT_GT(announced.announced, 0u);
  Seen found;
  net.node(20).get_peers(hash, net.now, net.out, found.callback());
  net.sent_by(20);
  net.run();
  EXPECT_EQ(found.peers, std::vector<Endpoint>{net.endpoint(3)});
}

TEST(NodeLookupsTest, DeadNodesArePassedOverAndLiveNodesAreAskedOnce) {
  Network net(60);
  net.join_all();
  for (std::size_t i = 20; i < 35; ++i) net.dead.insert(i);
  const NodeId target = net.node(25).id();  // dead, as are some of its neighbours
  Seen seen;
  net.watched = 50;
  net.node(50).find_node(target, net.now, net.out, seen.callback());
  net.sent_by(50);
  net.run();
  net.advance(5s);
  ASSERT_TRUE(seen.done);
  // Answers list dead nodes too, so the 8th live one may go unheard of; the
  // simulator measures how often. Here: live results only, nearly the truth.
  const auto truth = net.true_closest(target, 8, 50);
  ASSERT_EQ(seen.closest.size(), 8u);
  EXPECT_EQ(seen.closest.front().id, truth.front());
  int overlap = 0;
  for (const NodeInfo& n : seen.closest) {
    EXPECT_FALSE(net.dead.contains(net.by_endpoint[n.endpoint]));
    overlap += std::ranges::count(truth, n.id) > 0 ? 1 : 0;
  }
  EXPECT_GE(overlap, 6);
  EXPECT_GT(seen.progress.slow, 0u) << "the dead neighbours were asked";
  EXPECT_GE(seen.progress.queried, seen.progress.responded + seen.progress.failed);
  EXPECT_GT(net.find_nodes_to.size(), 8u);
  for (std::size_t i = 0; i < 60; ++i) {
    // One query per node; a silent one gets it once more at the short timeout.
    const int expected = net.dead.contains(i) ? 2 : 1;
    EXPECT_LE(net.find_nodes_to[net.endpoint(i)], expected) << i;
  }
}

TEST(NodeLookupsTest, ShortTimeoutFollowsMeasuredRoundTrips) {
  Network net(20);
  EXPECT_EQ(net.node(5).lookup_slow_after(), 1s) << "nothing measured yet";
  net.join_all();
  // Answers here take a few virtual milliseconds: the floor.
  EXPECT_EQ(net.node(5).lookup_slow_after(), 250ms);
}

TEST(NodeLookupsTest, LookupWithAnEmptyTableEndsAtOnce) {
  Network net(1);
  Seen seen;
  const LookupId id = net.node(0).find_node(random_node_id(), net.now, net.out, seen.callback());
  EXPECT_NE(id, 0u);
  EXPECT_TRUE(seen.done);
  EXPECT_TRUE(seen.closest.empty());
  EXPECT_TRUE(net.out.empty());
  EXPECT_EQ(net.node(0).lookups_running(), 0u);
}

TEST(NodeLookupsTest, CancelledLookupNeverCallsBack) {
  Network net(20);
  net.join_all();
  Seen seen;
  const LookupId id = net.node(5).find_node(random_node_id(), net.now, net.out, seen.callback());
  net.node(5).cancel(id);
  net.sent_by(5);
  net.run();
  EXPECT_EQ(seen.calls, 0);
}

TEST(NodeLookupsTest, IdleBucketsAreRefreshed) {
  Network net(20);
  net.join_all();
  net.out.clear();
  net.node(7).on_timer(net.now + 1s, net.out);
  const bool early = std::ranges::any_of(
      net.out, [](const Datagram& d) { return d.bytes.find("9:find_node") != std::string::npos; });
  EXPECT_FALSE(early) << "buckets just changed";
  net.out.clear();
  net.node(7).on_timer(net.now + 16min, net.out);
  const auto refreshes = std::ranges::count_if(
      net.out, [](const Datagram& d) { return d.bytes.find("9:find_node") != std::string::npos; });
  EXPECT_GT(refreshes, 0);
  net.out.clear();
}

}  // namespace
}  // namespace btnode::dht

namespace btnode::dht {
namespace {

// BEP 44 round trips through a 50-node network.
class NodeItemLookupsTest : public ::testing::Test {
 protected:
  NodeItemLookupsTest() {
    EXPECT_GE(sodium_init(), 0);
    crypto_sign_keypair(pk.data(), sk.data());
    net.join_all();
  }

  Seen run_put(std::size_t from, ItemToPut item) {
    Seen seen;
    net.node(from).put_item(std::move(item), net.now, net.out, seen.callback());
    net.sent_by(from);
    net.run();
    EXPECT_TRUE(seen.done);
    return seen;
  }
  Seen run_get(std::size_t from, const ItemKey& key) {
    Seen seen;
    net.node(from).get_item(key, net.now, net.out, seen.callback());
    net.sent_by(from);
    net.run();
    EXPECT_TRUE(seen.done);
    return seen;
  }
  ItemToPut signed_item(std::int64_t seq, std::string value, std::optional<std::int64_t> cas = {}) {
    ItemToPut item;
    item.value = std::move(value);
    item.public_key = std::string(bytes_view(pk));
    item.salt = "salt";
    item.seq = seq;
    item.cas = cas;
    item.signature = std::string(bytes_view(sign_item(sk, item.salt, seq, item.value)));
    return item;
  }
  // How many nodes store a live item at `target` with sequence number `seq`.
  std::size_t holders(const NodeId& target, std::int64_t seq = 0) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < net.nodes.size(); ++i) {
      const StoredItem* item = net.node(i).item_store().get(target, net.now);
      n += item && item->seq == seq;
    }
    return n;
  }

  Network net{50};
  Ed25519PublicKey pk{};
  Ed25519SecretKey sk{};
};

TEST_F(NodeItemLookupsTest, ImmutableItemPutIsFoundByGetItem) {
  ItemToPut item;
  item.value = "12:Hello World!";
  const Seen put = run_put(10, item);
  EXPECT_EQ(put.announced, 8u);
  EXPECT_FALSE(put.item) << "nobody held it before";
  const NodeId target = immutable_target(item.value);
  EXPECT_EQ(holders(target), 8u);

  const Seen got = run_get(40, ItemKey::immutable(target));
  ASSERT_TRUE(got.item);
  EXPECT_EQ(got.item->value, "12:Hello World!");
}

TEST_F(NodeItemLookupsTest, MissingItemIsNotFound) {
  const Seen got = run_get(40, ItemKey::immutable(immutable_target("3:abc")));
  EXPECT_FALSE(got.item);
  EXPECT_EQ(got.closest.size(), 8u);
}

TEST_F(NodeItemLookupsTest, MutableItemUpdatesAndRefusesStaleWrites) {
  const ItemKey key = ItemKey::mutable_item(bytes_view(pk), "salt");
  EXPECT_EQ(run_put(10, signed_item(1, "3:one")).announced, 8u);
  EXPECT_EQ(run_put(20, signed_item(2, "3:two", 1)).announced, 8u);
  EXPECT_EQ(holders(key.target, 2), 8u);

  const Seen got = run_get(40, key);
  ASSERT_TRUE(got.item);
  EXPECT_EQ(got.item->seq, 2);
  EXPECT_EQ(got.item->value, "3:two");
  EXPECT_TRUE(
      verify_item_signature(got.item->public_key, got.item->signature, "salt", 2, got.item->value));

  run_put(30, signed_item(1, "3:one"));       // stale seq: 302 from the holders
  run_put(30, signed_item(3, "5:three", 1));  // cas 1 but 2 stored: 301 from the holders
  EXPECT_EQ(holders(key.target, 2), 8u);
  // Node 30's k closest may reach one node beyond the holders (when node 30
  // is itself among them); holding nothing, it ignores cas (BEP 44).
  EXPECT_LE(holders(key.target, 3), 1u);
}

}  // namespace
}  // namespace btnode::dht
