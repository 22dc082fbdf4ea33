#include "dht/node.h"

#include <gtest/gtest.h>

#include <random>

#include "core/bencode.h"
#include "core/compact.h"
#include "dht/node_id_security.h"

namespace btnode::dht {
namespace {

using bencode::Item;
constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

// Public (non-martian) addresses: 25.0.x.y.
Endpoint v4(std::uint32_t i, std::uint16_t port = 6881) {
  return Endpoint::v4({25, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                      port);
}
Endpoint v6(std::uint8_t i, std::uint16_t port = 6881) {
  return Endpoint::v6({0x2a, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i}, port);
}

NodeId id_of(std::uint8_t c) {
  NodeId id;
  id.bytes.fill(c);
  return id;
}

std::string query(std::string method, Item::Dict args, std::string tid = "aa",
                  bool read_only = false) {
  Item::Dict d{{"a", std::move(args)}, {"q", std::move(method)}, {"t", tid}, {"y", "q"}};
  if (read_only) d["ro"] = 1;
  return bencode::encode(Item(std::move(d)));
}

Item::Dict args_from(std::uint8_t querier) {
  return {{"id", std::string(id_of(querier).view())}};
}

// Keeps the bytes alive with their decoded view.
struct Received {
  Endpoint to;
  std::string bytes;
  Message message;
};

Received parse(const Datagram& d) {
  Received r{d.to, d.bytes, {}};
  const Decoded decoded = decode(r.bytes);
  EXPECT_TRUE(std::holds_alternative<Message>(decoded)) << d.bytes;
  if (const auto* m = std::get_if<Message>(&decoded)) r.message = *m;
  return r;
}

class NodeTest : public ::testing::Test {
 protected:
  NodeOptions options() {
    NodeOptions o;
    o.id = id_of(0x80);
    return o;
  }
  Node node{options(), kT0};
  std::vector<Datagram> out;

  // Sends `bytes` from `from` and returns the one reply sent back to it.
  Received exchange(const std::string& bytes, const Endpoint& from, TimePoint now = kT0) {
    out.clear();
    node.on_packet(bytes, from, now, out);
    for (const auto& d : out) {
      if (d.to == from && !d.bytes.ends_with("1:y1:qe")) return parse(d);
    }
    ADD_FAILURE() << "no reply to " << from.to_string();
    return {};
  }

  void fill_tables() {
    for (std::uint8_t i = 1; i <= 20; ++i) {
      node.table(Endpoint::Family::v4).node_responded({id_of(i), v4(100 + i)}, kT0);
      node.table(Endpoint::Family::v6).node_responded({id_of(i), v6(i)}, kT0);
    }
  }
};

const Response& response_of(const Received& r) {
  return std::get<Response>(r.message.body);
}

TEST_F(NodeTest, AnswersPingWithOurIdAndTheQueriersAddress) {
  const Received r = exchange(query("ping", args_from(1)), v4(1));
  EXPECT_EQ(r.message.transaction_id, "aa");
  EXPECT_EQ(response_of(r).id, node.id());
  std::string compact;
  append_compact_peer(compact, v4(1));
  EXPECT_EQ(r.message.ip, compact);  // BEP 42
  EXPECT_EQ(r.message.version.substr(0, 2), "BN");
}

TEST_F(NodeTest, QuerierIsPingedAndJoinsTheTableWhenItAnswers) {
  out.clear();
  node.on_packet(query("ping", args_from(1)), v4(1), kT0, out);
  ASSERT_EQ(out.size(), 2u);  // our reply, then our ping to confirm it
  const Received ping = parse(out[1]);
  EXPECT_EQ(ping.to, v4(1));
  ASSERT_TRUE(std::holds_alternative<Query>(ping.message.body));
  EXPECT_EQ(node.table(Endpoint::Family::v4).size(), 0u);

  const std::string tid(ping.message.transaction_id);
  const std::string pong =
      "d1:rd2:id20:" + std::string(id_of(1).view()) + "e1:t2:" + tid + "1:y1:re";
  // The right transaction id from another address is ignored.
  node.on_packet(pong, v4(2), kT0, out);
  EXPECT_EQ(node.table(Endpoint::Family::v4).size(), 0u);
  node.on_packet(pong, v4(1), kT0, out);
  EXPECT_EQ(node.table(Endpoint::Family::v4).size(), 1u);
  EXPECT_EQ(node.queries_in_flight(), 0u);
}

TEST_F(NodeTest, ReadOnlyQueriersAreServedButNotAdded) {
  out.clear();
  node.on_packet(query("ping", args_from(1), "aa", true), v4(1), kT0, out);
  ASSERT_EQ(out.size(), 1u);  // the reply only, no ping
  EXPECT_EQ(node.table(Endpoint::Family::v4).cache_size(), 0u);
}

TEST_F(NodeTest, ReadOnlyNodeAnswersNothing) {
  NodeOptions o = options();
  o.read_only = true;
  Node quiet(o, kT0);
  out.clear();
  quiet.on_packet(query("ping", args_from(1)), v4(1), kT0, out);
  quiet.on_packet(query("vote", args_from(1)), v4(1), kT0, out);
  EXPECT_TRUE(out.empty());
  quiet.ping(v4(2), kT0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(parse(out[0]).message.read_only);  // BEP 43: ro=1 on our queries
}

TEST_F(NodeTest, FindNodeReturnsTheClosestNodesOfTheRightFamily) {
  fill_tables();
  Item::Dict args = args_from(0x55);
  args["target"] = std::string(id_of(3).view());
  const Received r = exchange(query("find_node", args), v4(1));
  const Response& resp = response_of(r);
  ASSERT_TRUE(resp.nodes.has_value());
  EXPECT_FALSE(resp.nodes6.has_value());
  const auto nodes = decode_compact_nodes(*resp.nodes, Endpoint::Family::v4);
  ASSERT_TRUE(nodes);
  ASSERT_EQ(nodes->size(), 8u);
  EXPECT_EQ((*nodes)[0].id, id_of(3));
  std::vector<NodeInfo> want;
  node.table(Endpoint::Family::v4).closest(id_of(3), 8, want, kT0);
  EXPECT_EQ(*nodes, want);
}

TEST_F(NodeTest, WantSelectsNodeLists) {
  fill_tables();
  Item::Dict args = args_from(0x55);
  args["target"] = std::string(id_of(3).view());
  // No want over IPv6: nodes6 only (BEP 32).
  const Received from6 = exchange(query("find_node", args), v6(9));
  EXPECT_FALSE(response_of(from6).nodes.has_value());
  ASSERT_TRUE(response_of(from6).nodes6.has_value());
  EXPECT_EQ(response_of(from6).nodes6->size(), 8 * kCompactNodeV6Size);
  // want n4+n6 over IPv4: both.
  args["want"] = Item::List{"n4", "n6"};
  const Received both = exchange(query("find_node", args), v4(1));
  EXPECT_EQ(response_of(both).nodes->size(), 8 * kCompactNodeV4Size);
  EXPECT_EQ(response_of(both).nodes6->size(), 8 * kCompactNodeV6Size);
}

TEST_F(NodeTest, GetPeersThenAnnounceThenGetPeersFindsTheAnnouncer) {
  const NodeId hash = id_of(0x42);
  Item::Dict get = args_from(1);
  get["info_hash"] = std::string(hash.view());
  const Received first = exchange(query("get_peers", get), v4(1));
  ASSERT_TRUE(response_of(first).token.has_value());
  EXPECT_FALSE(response_of(first).values.has_value());
  EXPECT_TRUE(response_of(first).nodes.has_value());
  const std::string token(*response_of(first).token);

  Item::Dict announce = get;
  announce["port"] = 51413;
  announce["token"] = token;
  const Received ack = exchange(query("announce_peer", announce), v4(1, 7000));
  EXPECT_EQ(response_of(ack).id, node.id());

  const Received second = exchange(query("get_peers", get), v4(2));
  ASSERT_TRUE(response_of(second).values.has_value());
  std::vector<Endpoint> peers;
  for (std::string_view p : *response_of(second).values) peers.push_back(*decode_compact_peer(p));
  EXPECT_EQ(peers, std::vector<Endpoint>{v4(1, 51413)});
  // A v6 querier gets no v4 values (BEP 32).
  EXPECT_FALSE(response_of(exchange(query("get_peers", get), v6(1))).values.has_value());
}

// BEP 33: peers announce (seed or not); a scrape gets both bloom filters.
TEST_F(NodeTest, ScrapeReturnsSeedAndPeerFilters) {
  const NodeId hash = id_of(0x42);
  for (std::uint32_t i = 1; i <= 30; ++i) {
    node.peer_store().announce(hash, v4(i), /*seed=*/i <= 10, kT0);
  }
  node.peer_store().announce(hash, v6(1), true, kT0);  // filters hold both families
  Item::Dict get = args_from(1);
  get["info_hash"] = std::string(hash.view());
  get["scrape"] = 1;
  const Received r = exchange(query("get_peers", get), v4(200));
  const Response& resp = response_of(r);
  ASSERT_TRUE(resp.seeds_filter && resp.peers_filter);
  BloomFilter seeds, peers;
  for (std::uint32_t i = 1; i <= 30; ++i) (i <= 10 ? seeds : peers).insert(v4(i, 1));
  seeds.insert(v6(1));
  EXPECT_EQ(*resp.seeds_filter, seeds.view());
  EXPECT_EQ(*resp.peers_filter, peers.view());
  EXPECT_NEAR(BloomFilter::from_bytes(*resp.peers_filter)->estimate_size(), 20.0, 2.0);
  // Fewer values leave room for the filters; the reply stays near 1 KiB.
  ASSERT_TRUE(resp.values.has_value());
  EXPECT_LT(resp.values->size(), 30u);
  EXPECT_GT(resp.values->size(), 0u);
  EXPECT_LE(r.bytes.size(), 1100u);
}

TEST_F(NodeTest, ScrapeWithoutEntriesOrWithoutAskingHasNoFilters) {
  const NodeId hash = id_of(0x42);
  Item::Dict get = args_from(1);
  get["info_hash"] = std::string(hash.view());
  get["scrape"] = 1;
  EXPECT_FALSE(response_of(exchange(query("get_peers", get), v4(1))).seeds_filter);
  node.peer_store().announce(hash, v4(5), false, kT0);
  // Expired entries count as none.
  EXPECT_FALSE(response_of(exchange(query("get_peers", get), v4(1), kT0 + 31min)).peers_filter);
  get.erase("scrape");
  const Received plain = exchange(query("get_peers", get), v4(1));
  EXPECT_FALSE(response_of(plain).seeds_filter || response_of(plain).peers_filter);
  EXPECT_TRUE(response_of(plain).values.has_value());
}

TEST_F(NodeTest, ImpliedPortUsesTheSourcePort) {
  const NodeId hash = id_of(0x42);
  Item::Dict get = args_from(1);
  get["info_hash"] = std::string(hash.view());
  const std::string token(*response_of(exchange(query("get_peers", get), v4(1))).token);
  Item::Dict announce = get;
  announce["port"] = 1;
  announce["implied_port"] = 1;
  announce["token"] = token;
  exchange(query("announce_peer", announce), v4(1, 40000));
  ASSERT_EQ(node.peer_store().peers(hash).size(), 1u);
  EXPECT_EQ(node.peer_store().peers(hash)[0].endpoint, v4(1, 40000));
}

TEST_F(NodeTest, AnnounceWithABadTokenIsRefused) {
  const NodeId hash = id_of(0x42);
  Item::Dict get = args_from(1);
  get["info_hash"] = std::string(hash.view());
  const std::string token(*response_of(exchange(query("get_peers", get), v4(1))).token);
  Item::Dict announce = get;
  announce["port"] = 6881;
  for (const auto& [tok, from] : {std::pair{std::string("forged!!"), v4(1)},
                                  std::pair{token, v4(2)}}) {  // a token issued to another IP
    announce["token"] = tok;
    const Received r = exchange(query("announce_peer", announce), from);
    const auto* e = std::get_if<ErrorReply>(&r.message.body);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->code, 203);
  }
  EXPECT_EQ(node.peer_store().info_hash_count(), 0u);
}

TEST_F(NodeTest, BadQueriesGetKrpcErrors) {
  const Received unknown = exchange(query("vote", args_from(1)), v4(1));
  EXPECT_EQ(std::get<ErrorReply>(unknown.message.body).code, 204);
  const Received bad = exchange(query("find_node", args_from(1)), v4(1));
  EXPECT_EQ(std::get<ErrorReply>(bad.message.body).code, 203);
  EXPECT_EQ(std::get<ErrorReply>(bad.message.body).message, "missing 'target'");
  Item::Dict put = args_from(1);
  put["token"] = "tok";
  const Received no_v = exchange(query("put", put), v4(1));
  EXPECT_EQ(std::get<ErrorReply>(no_v.message.body).code, 203);
}

TEST_F(NodeTest, SampleInfohashes) {
  for (std::uint8_t i = 0; i < 30; ++i) node.peer_store().announce(id_of(i), v4(i), false, kT0);
  Item::Dict args = args_from(1);
  args["target"] = std::string(20, 't');
  const Received r = exchange(query("sample_infohashes", args), v4(1));
  const Response& resp = response_of(r);
  EXPECT_EQ(resp.num, 30);
  EXPECT_EQ(resp.interval, 300);
  ASSERT_TRUE(resp.samples.has_value());
  EXPECT_EQ(resp.samples->size(), 20u * 20u);
  EXPECT_TRUE(resp.nodes.has_value());
}

TEST_F(NodeTest, RejectsUnusableSources) {
  out.clear();
  node.on_packet(query("ping", args_from(1)), v4(1, 0), kT0, out);  // port 0
  node.on_packet(query("ping", args_from(1)), Endpoint::v4({127, 0, 0, 1}, 6881), kT0, out);
  node.on_packet(query("ping", args_from(1)), Endpoint::v4({192, 168, 1, 2}, 6881), kT0, out);
  EXPECT_TRUE(out.empty());
  NodeOptions o = options();
  o.allow_local = true;
  Node local(o, kT0);
  local.on_packet(query("ping", args_from(1)), Endpoint::v4({127, 0, 0, 1}, 6881), kT0, out);
  EXPECT_FALSE(out.empty());
}

TEST_F(NodeTest, FloodingHostIsCutOff) {
  std::size_t replies = 0;
  for (int i = 0; i < 200; ++i) {
    out.clear();
    node.on_packet(query("ping", args_from(1)), v4(1), kT0, out);
    replies += !out.empty();
  }
  EXPECT_EQ(replies, RateLimiterOptions{}.max_packets);
  out.clear();
  node.on_packet(query("ping", args_from(2)), v4(2), kT0, out);
  EXPECT_FALSE(out.empty());  // others are still served
}

TEST_F(NodeTest, UnansweredPingCountsAsFailure) {
  out.clear();
  node.on_packet(query("ping", args_from(1)), v4(1), kT0, out);  // cached, pinged
  EXPECT_EQ(node.table(Endpoint::Family::v4).cache_size(), 1u);
  const TimePoint deadline = node.on_timer(kT0 + 1s, out);
  EXPECT_EQ(deadline, kT0 + NodeOptions{}.query_timeout);
  node.on_timer(deadline, out);
  EXPECT_EQ(node.queries_in_flight(), 0u);
  EXPECT_EQ(node.table(Endpoint::Family::v4).cache_size(), 0u);
}

TEST_F(NodeTest, AnswerFromAnotherIdDoesNotEnterTheTable) {
  out.clear();
  node.on_packet(query("ping", args_from(1)), v4(1), kT0, out);
  const Received ping = parse(out[1]);
  const std::string tid(ping.message.transaction_id);
  node.on_packet("d1:rd2:id20:" + std::string(id_of(9).view()) + "e1:t2:" + tid + "1:y1:re", v4(1),
                 kT0, out);
  EXPECT_EQ(node.table(Endpoint::Family::v4).size(), 0u);
  EXPECT_EQ(node.table(Endpoint::Family::v4).cache_size(), 0u);
}

TEST_F(NodeTest, BootstrapPingFillsTheTable) {
  out.clear();
  node.ping(v4(7), kT0, out);
  ASSERT_EQ(out.size(), 1u);
  const Received ping = parse(out[0]);
  const std::string tid(ping.message.transaction_id);
  node.on_packet("d1:rd2:id20:" + std::string(id_of(7).view()) + "e1:t2:" + tid + "1:y1:re", v4(7),
                 kT0, out);
  ASSERT_NE(node.table(Endpoint::Family::v4).find(id_of(7)), nullptr);
}

// Random garbage from many sources never crashes the node or makes it send
// anything but small replies.
TEST_F(NodeTest, GarbageIsHandledQuietly) {
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    if (i % 2) bytes = query("ping", args_from(1)).substr(0, rng() % 40);
    out.clear();
    node.on_packet(bytes, v4(i % 500), kT0, out);
    for (const auto& d : out) EXPECT_LE(d.bytes.size(), 200u);
  }
}

// ---------------------------------------------------------------- hostile input

// A reply to transaction `tid` with the given `r` entries (and `ip`, BEP 42).
std::string reply(const std::string& tid, Item::Dict r, const std::string& ip = "") {
  Item::Dict d{{"r", std::move(r)}, {"t", tid}, {"y", "r"}};
  if (!ip.empty()) d["ip"] = ip;
  return bencode::encode(Item(std::move(d)));
}

std::string tid_of(const Datagram& d) {
  const Received q = parse(d);
  return std::string(q.message.transaction_id);
}

TEST_F(NodeTest, ReplyWithTheRightTransactionFromAnotherSourceIsIgnored) {
  out.clear();
  node.ping(v4(7), kT0, out);
  const std::string tid = tid_of(out.at(0));
  const Item::Dict r{{"id", std::string(id_of(7).view())}};
  node.on_packet(reply(tid, r), v4(8), kT0, out);        // another host
  node.on_packet(reply(tid, r), v4(7, 6882), kT0, out);  // another port
  EXPECT_EQ(node.table(Endpoint::Family::v4).size(), 0u);
  EXPECT_EQ(node.queries_in_flight(), 1u) << "the real answer is still awaited";
  node.on_packet(reply(tid, r), v4(7), kT0, out);
  EXPECT_NE(node.table(Endpoint::Family::v4).find(id_of(7)), nullptr);
  EXPECT_EQ(node.queries_in_flight(), 0u);
}

// The id fill_tables() gave the node at `e`.
NodeId filled_id(const Endpoint& e) {
  for (std::uint8_t i = 1; i <= 20; ++i) {
    if (v4(100 + i) == e) return id_of(i);
  }
  ADD_FAILURE() << "not a filled node: " << e.to_string();
  return {};
}

// Starts a find_node lookup for id_of(0x01)'s neighbourhood from a table of
// 20 nodes; returns the first query sent.
Datagram start_lookup(Node& node, std::vector<Datagram>& out) {
  out.clear();
  node.find_node(id_of(0x01), kT0, out, {});
  return out.at(0);
}

TEST_F(NodeTest, InvalidCompactNodeListsAreDropped) {
  fill_tables();
  const Datagram q = start_lookup(node, out);
  const std::size_t in_flight = node.queries_in_flight();
  const std::size_t known = node.table(Endpoint::Family::v4).size();
  for (const std::size_t length : {1u, 25u, 27u, 51u}) {
    out.clear();
    node.on_packet(reply(tid_of(q), {{"id", std::string(filled_id(q.to).view())},
                                     {"nodes", std::string(length, 'n')}}),
                   q.to, kT0, out);
    EXPECT_TRUE(out.empty()) << length;
  }
  EXPECT_EQ(node.queries_in_flight(), in_flight);
  EXPECT_EQ(node.table(Endpoint::Family::v4).size(), known);
}

TEST_F(NodeTest, ContactsWithPortZeroAreNeverQueried) {
  fill_tables();
  const Datagram q = start_lookup(node, out);
  // Three contacts closer to the target than anything known: two at port
  // 0, one usable.
  std::string nodes;
  for (std::uint8_t i = 0; i < 3; ++i) {
    NodeId id = id_of(0x01);
    id.bytes[19] = static_cast<std::uint8_t>(0x10 + i);
    append_compact_node(nodes, {id, v4(900 + i, i == 2 ? 6881 : 0)});
  }
  out.clear();
  node.on_packet(reply(tid_of(q), {{"id", std::string(filled_id(q.to).view())}, {"nodes", nodes}}),
                 q.to, kT0, out);
  bool asked_usable = false;
  for (const Datagram& d : out) {
    EXPECT_NE(d.to.port(), 0) << d.to.to_string();
    asked_usable = asked_usable || d.to == v4(902);
  }
  EXPECT_TRUE(asked_usable);
}

// One host making up 1,000 ids (each answering our pings) holds at most one
// slot: it cannot fill a bucket, let alone the table.
TEST_F(NodeTest, ThousandIdsFromOneIpTakeOneSlot) {
  std::mt19937 rng(7);
  TimePoint now = kT0;
  for (int i = 0; i < 1000; ++i) {
    now += 250ms;  // under the per-IP rate limit
    NodeId id;
    for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
    const Endpoint from = Endpoint::v4({26, 1, 1, 1}, static_cast<std::uint16_t>(2000 + i));
    Item::Dict a{{"id", std::string(id.view())}};
    out.clear();
    node.on_packet(query("ping", a, "p" + std::to_string(i)), from, now, out);
    // Answer every ping the node sends back, with the id it expects.
    const std::vector<Datagram> sent = out;
    for (const Datagram& d : sent) {
      const Received r = parse(d);
      if (!std::holds_alternative<Query>(r.message.body)) continue;
      node.on_packet(reply(std::string(r.message.transaction_id), a), d.to, now, out);
    }
  }
  EXPECT_LE(node.table(Endpoint::Family::v4).size() + node.table(Endpoint::Family::v4).cache_size(),
            1u);
}

// Announces of made-up info-hashes from many hosts, and many peers for one
// info-hash: the store stays within its bounds.
TEST_F(NodeTest, AnnounceFloodsKeepTheStoreBounded) {
  NodeOptions o = options();
  o.peers.max_info_hashes = 100;
  o.peers.max_peers_per_info_hash = 50;
  o.outbound.packets_per_second = 0;
  Node small(o, kT0);
  const auto announce = [&](std::uint32_t host, const NodeId& hash) {
    Item::Dict a = args_from(1);
    a["info_hash"] = std::string(hash.view());
    out.clear();
    small.on_packet(query("get_peers", a), v4(host), kT0, out);
    const Received r = parse(out.at(0));
    a["token"] = std::string(*std::get<Response>(r.message.body).token);
    a["port"] = 7000;
    out.clear();
    small.on_packet(query("announce_peer", a), v4(host), kT0, out);
  };
  for (std::uint32_t i = 0; i < 3000; ++i) {
    NodeId hash;
    hash.bytes[0] = static_cast<std::uint8_t>(i >> 8);
    hash.bytes[1] = static_cast<std::uint8_t>(i);
    announce(i, hash);
  }
  EXPECT_EQ(small.peer_store().info_hash_count(), 100u);
  const NodeId popular = id_of(0x77);
  for (std::uint32_t i = 0; i < 3000; ++i) announce(10000 + i, popular);
  EXPECT_EQ(small.peer_store().peers(popular).size(), 50u);
  EXPECT_LE(small.peer_store().peer_count(), 100u * 50u);
}

// Queries from many hosts (each within its own rate limit): the outbound
// budget caps the replies.
TEST_F(NodeTest, OutboundBudgetCapsRepliesToAFloodFromManyHosts) {
  NodeOptions o = options();
  o.outbound = {.packets_per_second = 100, .burst = 50};
  Node capped(o, kT0);
  std::size_t replies = 0;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    out.clear();
    capped.on_packet(query("ping", args_from(1)), v4(i), kT0 + 1ms * i, out);  // 5 s
    for (const Datagram& d : out) replies += d.to == v4(i) && !d.bytes.ends_with("1:y1:qe");
  }
  EXPECT_LE(replies, 50u + 500u + 1u);
  EXPECT_GE(replies, 400u);
  EXPECT_GT(capped.budget_refusals(), 4000u);
}

// ---------------------------------------------------------------- BEP 42

TEST_F(NodeTest, ExternalAddressFromRepliesGivesABep42IdAndARejoin) {
  fill_tables();
  const Endpoint home = Endpoint::v4({81, 20, 30, 40}, 6881);
  std::string ip;
  append_compact_peer(ip, home);
  std::string lie;
  append_compact_peer(lie, Endpoint::v4({66, 66, 66, 66}, 1));
  ASSERT_FALSE(is_secure_node_id(node.id(), home));
  const NodeId old_id = node.id();
  // Five nodes answer pings: one lies, four agree.
  for (std::uint8_t i = 1; i <= 5; ++i) {
    out.clear();
    node.ping(v4(200 + i), kT0, out);
    node.on_packet(reply(tid_of(out.at(0)), {{"id", std::string(id_of(0x40 + i).view())}},
                         i == 1 ? lie : ip),
                   v4(200 + i), kT0, out);
    if (i < 4) {
      EXPECT_EQ(node.id(), old_id) << "not elected yet after " << int(i);
    }
  }
  ASSERT_TRUE(node.external_address(Endpoint::Family::v4));
  EXPECT_EQ(*node.external_address(Endpoint::Family::v4), home.with_port(0));
  EXPECT_NE(node.id(), old_id);
  EXPECT_TRUE(is_secure_node_id(node.id(), home));
  EXPECT_EQ(node.id_changes(), 1u);
  EXPECT_EQ(node.table(Endpoint::Family::v4).self(), node.id());
  // The known nodes move over (as many as the new id's buckets hold).
  EXPECT_GE(node.table(Endpoint::Family::v4).size(), 8u);
  EXPECT_GT(node.lookups_running(), 0u) << "a join lookup for the new id";
  // More agreeing votes change nothing.
  out.clear();
  node.ping(v4(210), kT0, out);
  node.on_packet(reply(tid_of(out.at(0)), {{"id", std::string(id_of(0x50).view())}}, ip), v4(210),
                 kT0, out);
  EXPECT_EQ(node.id_changes(), 1u);
}

TEST_F(NodeTest, LocalExternalAddressKeepsTheId) {
  NodeOptions o = options();
  o.allow_local = true;
  Node local(o, kT0);
  std::string ip;
  append_compact_peer(ip, Endpoint::v4({192, 168, 1, 9}, 6881));
  for (std::uint8_t i = 1; i <= 5; ++i) {
    out.clear();
    local.ping(v4(200 + i), kT0, out);
    local.on_packet(reply(tid_of(out.at(0)), {{"id", std::string(id_of(0x40 + i).view())}}, ip),
                    v4(200 + i), kT0, out);
  }
  EXPECT_TRUE(local.external_address(Endpoint::Family::v4));
  EXPECT_EQ(local.id(), id_of(0x80)) << "BEP 42 exempts local addresses";
  EXPECT_EQ(local.id_changes(), 0u);
}

}  // namespace
}  // namespace btnode::dht
