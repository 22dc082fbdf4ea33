#include "dht/router.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "dht/krpc.h"
#include "dht/node_id_security.h"

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

// Public (non-martian) addresses 25.x.y.z.
Endpoint v4(std::uint32_t i, std::uint16_t port = 6881) {
  return Endpoint::v4({25, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                       static_cast<std::uint8_t>(i)},
                      port);
}
Endpoint v6(std::uint32_t i, std::uint16_t port = 6881) {
  return Endpoint::v6({0x2a, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(i >> 16),
                       static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                      port);
}

std::string encoded(const Message& m) {
  std::string out;
  encode(m, out);
  return out;
}

std::string query(const NodeId& id, QueryArgs args, std::string_view tid = "aa",
                  bool read_only = false) {
  Message m;
  m.transaction_id = tid;
  m.read_only = read_only;
  m.body = Query{id, std::move(args)};
  return encoded(m);
}

std::string reply(const NodeId& id, std::string_view tid, bool read_only = false) {
  Message m;
  m.transaction_id = tid;
  m.read_only = read_only;
  Response r;
  r.id = id;
  m.body = r;
  return encoded(m);
}

RouterOptions options() {
  RouterOptions o;
  o.id = random_node_id();
  o.capacity_v4 = 64;
  o.capacity_v6 = 64;
  o.cookie_key.fill(7);
  return o;
}

class RouterTest : public ::testing::Test {
 protected:
  std::vector<RouterDatagram> out{Router::kMaxOutputs};

  std::size_t send(Router& r, const std::string& bytes, const Endpoint& from, TimePoint now = kT0) {
    return r.on_packet({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, from,
                       now, out);
  }
  // Queries from `from` with `id`, answers the verification ping (if any) and
  // returns whether one came.
  bool join(Router& r, const Endpoint& from, const NodeId& id, TimePoint now = kT0) {
    const std::size_t n = send(r, query(id, PingArgs{}), from, now);
    if (n < 2) return false;
    const std::string tid = ping_tid(out[1]);
    send(r, reply(id, tid), from, now);
    return true;
  }
  static std::string ping_tid(const RouterDatagram& d) {
    const Decoded dec = decode(d.view());
    const auto* m = std::get_if<Message>(&dec);
    EXPECT_TRUE(m && std::holds_alternative<Query>(m->body));
    return m ? std::string(m->transaction_id) : std::string();
  }
};

TEST_F(RouterTest, PingsANewQuerierBackAndStoresItOnlyWithTheCookie) {
  Router r(options());
  const Endpoint a = v4(1);
  const NodeId id = make_secure_node_id(a);
  ASSERT_EQ(send(r, query(id, PingArgs{}), a), 2u);
  // The reply: ping answered with our id and the querier's address (BEP 42 `ip`).
  const Decoded dec = decode(out[0].view());
  const auto& m = std::get<Message>(dec);
  EXPECT_EQ(std::get<Response>(m.body).id, r.id());
  EXPECT_EQ(m.transaction_id, "aa");
  EXPECT_EQ(m.ip, std::string("\x19\x00\x00\x01\x1a\xe1", 6));
  EXPECT_EQ(out[1].to, a);
  const std::string tid = ping_tid(out[1]);
  ASSERT_EQ(tid.size(), SynCookie::kSize);

  std::string forged = tid;
  forged[5] ^= 0x40;
  send(r, reply(id, forged), a);
  send(r, reply(id, "aa"), a);
  send(r, reply(id, tid), v4(1, 6882));                         // other port
  send(r, reply(id, tid), v4(2));                               // other host
  send(r, reply(make_secure_node_id(a), tid), a);               // other id
  send(r, reply(id, tid), a, kT0 + std::chrono::minutes(25));   // stale: two epochs on
  EXPECT_EQ(r.ring_v4().size(), 0u);
  EXPECT_EQ(r.stats().bad_cookie, 6u);

  send(r, reply(id, tid), a);
  ASSERT_EQ(r.ring_v4().size(), 1u);
  EXPECT_EQ(std::memcmp(r.ring_v4().at(0).data(), id.bytes.data(), 20), 0);
  EXPECT_EQ(r.stats().verified, 1u);
  // Verified recently: its next query is answered without another ping.
  EXPECT_EQ(send(r, query(id, PingArgs{}), a), 1u);
}

TEST_F(RouterTest, BufferNeverExceedsCapacity) {
  RouterOptions o = options();
  o.capacity_v4 = 10;
  o.rate.per_second = 1000;
  Router r(o);
  for (std::uint32_t i = 1; i <= 300; ++i) {
    const Endpoint e = v4(i * 7);
    ASSERT_TRUE(join(r, e, make_secure_node_id(e)));
    EXPECT_LE(r.ring_v4().size(), 10u);
  }
  EXPECT_EQ(r.ring_v4().size(), 10u);
  EXPECT_EQ(r.stats().verified, 300u);
}

TEST_F(RouterTest, Bep42FilterAndItsRelaxation) {
  const Endpoint a = v4(9);
  NodeId bad = make_secure_node_id(a);
  bad.bytes[0] ^= 0xff;
  ASSERT_FALSE(is_secure_node_id(bad, a));
  Router strict(options());
  EXPECT_EQ(send(strict, query(bad, PingArgs{}), a), 1u);  // answered, not pinged
  // Even a valid cookie (obtained by a relaxed responder sharing the key) is not enough.
  RouterOptions relaxed_options = options();
  relaxed_options.require_bep42 = false;
  Router relaxed(relaxed_options);
  ASSERT_EQ(send(relaxed, query(bad, PingArgs{}), a), 2u);
  const std::string tid = ping_tid(out[1]);
  send(strict, reply(bad, tid), a);
  EXPECT_EQ(strict.ring_v4().size(), 0u);
  EXPECT_EQ(strict.stats().not_stored, 1u);
  send(relaxed, reply(bad, tid), a);
  EXPECT_EQ(relaxed.ring_v4().size(), 1u);
}

TEST_F(RouterTest, ReadOnlyNodesAreNeverStored) {
  Router r(options());
  const Endpoint a = v4(3);
  const NodeId id = make_secure_node_id(a);
  EXPECT_EQ(send(r, query(id, PingArgs{}, "aa", true), a), 1u);  // no verification ping
  RouterOptions other = options();
  Router peer(other);
  ASSERT_EQ(send(peer, query(id, PingArgs{}), a), 2u);
  send(r, reply(id, ping_tid(out[1]), true), a);  // valid cookie, but ro=1
  EXPECT_EQ(r.ring_v4().size(), 0u);
}

TEST_F(RouterTest, AnnouncePeerAndUnknownMethodsAreRefused) {
  Router r(options());
  const Endpoint a = v4(4);
  const NodeId id = make_secure_node_id(a);
  AnnouncePeerArgs ann;
  ann.info_hash = random_node_id();
  ann.port = 1234;
  ann.token = "tok";
  ASSERT_GE(send(r, query(id, ann), a), 1u);
  {
    const Decoded dec = decode(out[0].view());
    const auto& e = std::get<ErrorReply>(std::get<Message>(dec).body);
    EXPECT_EQ(e.code, 201);
  }
  GetArgs get;
  get.target = random_node_id();
  ASSERT_EQ(send(r, query(id, get, "bb"), a), 1u);
  const Decoded dec = decode(out[0].view());
  EXPECT_EQ(std::get<ErrorReply>(std::get<Message>(dec).body).code, 204);
  EXPECT_EQ(std::get<Message>(dec).transaction_id, "bb");
  EXPECT_EQ(r.stats().refused, 2u);
}

TEST_F(RouterTest, FloodFromOneAddressIsLimitedWhileOthersAreServed) {
  RouterOptions o = options();
  o.rate = {.per_second = 10, .burst = 20, .table_bits = 12};
  Router r(o);
  const Endpoint flooder = v4(5);
  const std::string q = query(make_secure_node_id(flooder), PingArgs{});
  std::size_t answered = 0;
  for (int i = 0; i < 10000; ++i) {
    // 10,000 queries in 1 s, from many ports of one host.
    answered += send(r, q, flooder.with_port(static_cast<std::uint16_t>(1000 + i % 5000)),
                     kT0 + std::chrono::microseconds(100 * i)) > 0;
    if (i % 100 == 0) {
      const Endpoint other = v4(1000 + static_cast<std::uint32_t>(i));
      EXPECT_GE(send(r, query(make_secure_node_id(other), PingArgs{}), other,
                     kT0 + std::chrono::microseconds(100 * i)),
                1u);
    }
  }
  EXPECT_LE(answered, 20u + 10u + 1u);
  EXPECT_GE(r.stats().dropped_rate, 9000u);
}

TEST_F(RouterTest, OutgoingBudgetBoundsRepliesAndPingsGoFirstToGo) {
  RouterOptions o = options();
  o.out_per_second = 100;
  o.out_burst = 10;
  Router r(o);
  std::size_t replies = 0, pings = 0;
  for (std::uint32_t i = 1; i <= 100; ++i) {
    const Endpoint e = v4(i);
    const std::size_t n = send(r, query(make_secure_node_id(e), PingArgs{}), e);
    replies += n >= 1;
    pings += n == 2;
  }
  EXPECT_LE(replies + pings, 10u);
  EXPECT_LT(pings, replies);
  EXPECT_GT(r.stats().dropped_budget, 80u);
}

TEST_F(RouterTest, JoiningNodesKeepTheLastQuarterOfTheOutgoingBudget) {
  RouterOptions o = options();
  o.out_per_second = 1;
  o.out_burst = 40;
  Router r(o);
  const auto ping = [](const Endpoint& e, bool bs) {
    // A ping with `bs` = 1 inside `a`, as libtorrent's bootstrap sends it.
    const NodeId id = make_secure_node_id(e);
    return "d1:ad" + std::string(bs ? "2:bsi1e" : "") + "2:id20:" +
           std::string(id.view()) + "e1:q4:ping1:t2:aa1:y1:qe";
  };
  std::size_t plain = 0;
  for (std::uint32_t i = 1; i <= 100; ++i) plain += send(r, ping(v4(i), false), v4(i)) >= 1;
  std::size_t joining = 0;
  for (std::uint32_t i = 101; i <= 200; ++i) joining += send(r, ping(v4(i), true), v4(i)) >= 1;
  EXPECT_LE(plain, 30u);      // three quarters of the burst (pings included)
  EXPECT_GE(joining, 9u);     // the quarter kept back
  EXPECT_LE(joining, 11u);
  EXPECT_EQ(r.stats().bootstrap_queries, 100u);
}

TEST_F(RouterTest, MartianSourcesAreDroppedUnlessLocalIsAllowed) {
  Router r(options());
  const Endpoint lo = Endpoint::v4({127, 0, 1, 1}, 6881);
  const std::string q = query(make_secure_node_id(lo), PingArgs{});
  EXPECT_EQ(send(r, q, lo), 0u);
  EXPECT_EQ(send(r, q, Endpoint::v4({224, 0, 0, 1}, 6881)), 0u);
  EXPECT_EQ(r.stats().dropped_martian, 2u);
  RouterOptions o = options();
  o.allow_local = true;
  Router local(o);
  EXPECT_EQ(send(local, q, lo), 2u);
  EXPECT_EQ(send(local, q, Endpoint::v4({224, 0, 0, 1}, 6881)), 0u);  // never multicast
}

TEST_F(RouterTest, AFreshRouterIntroducesItsFirstQueriersToEachOther) {
  Router r(options());
  for (std::uint32_t i = 1; i <= 3; ++i) {
    const Endpoint e = v4(i);
    ASSERT_EQ(send(r, query(make_secure_node_id(e), PingArgs{}), e), 2u);  // pings unanswered
  }
  EXPECT_EQ(r.ring_v4().size(), 0u);
  const Endpoint a = v4(2);  // one of them: handed the other two, never itself
  ASSERT_GE(send(r, query(make_secure_node_id(a), FindNodeArgs{random_node_id(), std::nullopt}), a), 1u);
  const Decoded dec = decode(out[0].view());
  const auto& nodes = *std::get<Response>(std::get<Message>(dec).body).nodes;
  ASSERT_EQ(nodes.size(), 2 * 26u);
  for (std::size_t k = 0; k < 2; ++k)
    EXPECT_NE(nodes.substr(k * 26 + 20, 4), std::string("\x19\x00\x00\x02", 4));
}

class RouterFilledTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterOptions o = options();
    o.rate.per_second = 100000;
    o.rate.burst = 100000;
    router = std::make_unique<Router>(o);
    for (std::uint32_t i = 1; i <= 60; ++i) {
      ASSERT_TRUE(join(*router, v4(i), make_secure_node_id(v4(i))));
      ASSERT_TRUE(join(*router, v6(i), make_secure_node_id(v6(i))));
    }
  }
  std::unique_ptr<Router> router;
};

TEST_F(RouterFilledTest, FindNodeAndGetPeersAnswerWithEightNodesOfTheAskedFamilies) {
  const Endpoint a = v4(1);  // in the ring itself: never handed its own entry
  const NodeId id = make_secure_node_id(a);
  FindNodeArgs fn;
  fn.target = random_node_id();
  ASSERT_GE(send(*router, query(id, fn), a), 1u);
  Decoded dec = decode(out[0].view());
  const auto* resp = &std::get<Response>(std::get<Message>(dec).body);
  ASSERT_TRUE(resp->nodes);
  EXPECT_EQ(resp->nodes->size(), 8 * 26u);
  EXPECT_FALSE(resp->nodes6);
  for (std::size_t k = 0; k < 8; ++k)
    EXPECT_NE(resp->nodes->substr(k * 26 + 20, 6), std::string("\x19\x00\x00\x01\x1a\xe1", 6));

  GetPeersArgs gp;
  gp.info_hash = random_node_id();
  gp.want = Want{true, true};
  const std::string big = query(id, gp, "cc");
  ASSERT_GE(send(*router, big, a), 1u);
  dec = decode(out[0].view());
  resp = &std::get<Response>(std::get<Message>(dec).body);
  ASSERT_TRUE(resp->nodes && resp->nodes6);
  EXPECT_EQ(resp->nodes->size(), 8 * 26u);
  EXPECT_GT(resp->nodes6->size(), 0u);  // as many as fit in 4x the query
  EXPECT_EQ(resp->nodes6->size() % 38, 0u);
  EXPECT_LE(out[0].size, 4 * big.size());
}

TEST_F(RouterFilledTest, NoResponseLargerThanFourTimesTheQuery) {
  for (std::uint32_t i = 100; i < 400; ++i) {
    const Endpoint a = i % 2 ? v4(i) : v6(i);
    const NodeId id = make_secure_node_id(a);
    QueryArgs args;
    switch (i % 4) {
      case 0: args = PingArgs{}; break;
      case 1: args = FindNodeArgs{random_node_id(), Want{true, true}}; break;
      case 2: args = GetPeersArgs{random_node_id(), Want{true, true}}; break;
      default: args = FindNodeArgs{random_node_id(), std::nullopt}; break;
    }
    const std::string q = query(id, args, "t");
    const std::size_t n = send(*router, q, a);
    ASSERT_GE(n, 1u);
    std::size_t total = 0;
    for (std::size_t k = 0; k < n; ++k) total += out[k].size;
    EXPECT_LE(total, 4 * q.size()) << "query " << i;
  }
}

TEST_F(RouterFilledTest, ClosestOfSampleBeatsRandomOnDistance) {
  // The nodes returned for a target share more leading bits with it than random picks.
  RouterOptions o = options();
  o.selection = RouterSelection::random;
  o.rate.per_second = o.rate.burst = 100000;
  Router random_router(o);
  for (std::size_t k = 0; k < router->ring_v4().size(); ++k) random_router.restore(router->ring_v4().at(k));
  auto mean_prefix = [&](Router& r) {
    double sum = 0;
    int count = 0;
    for (std::uint32_t i = 0; i < 50; ++i) {
      const Endpoint a = v4(5000 + i);
      const NodeId target = random_node_id();
      send(r, query(make_secure_node_id(a), FindNodeArgs{target, std::nullopt}), a);
      const Decoded dec = decode(out[0].view());
      const auto& nodes = *std::get<Response>(std::get<Message>(dec).body).nodes;
      for (std::size_t k = 0; k + 26 <= nodes.size(); k += 26) {
        sum += common_prefix_bits(*NodeId::from_bytes(nodes.substr(k, 20)), target);
        ++count;
      }
    }
    return sum / count;
  };
  EXPECT_GT(mean_prefix(*router), mean_prefix(random_router) + 0.5);
}

}  // namespace
}  // namespace btnode::dht
