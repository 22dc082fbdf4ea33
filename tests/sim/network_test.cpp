#include "tests/sim/network.h"

#include <gtest/gtest.h>

#include <set>

namespace btnode::sim {
namespace {

using namespace std::chrono_literals;

NetworkOptions small(double loss = 0) {
  NetworkOptions o;
  o.nodes = 3;
  o.link.rtt_min = 100ms;
  o.link.rtt_max = 100ms;
  o.link.loss = loss;
  return o;
}

// Pings node 1 from node 0 and returns when node 0's table took it in.
TimePoint ping_answered_at(Network& net, std::size_t to = 1) {
  net.with_node(0, [&](dht::Node& n, std::vector<dht::Datagram>& out) {
    n.ping(Network::endpoint(to), net.now(), out);
  });
  const TimePoint start = net.now();
  net.run_until(start + 10s, [&] { return net.node(0).table(Endpoint::Family::v4).size() > 0; });
  return net.now();
}

TEST(SimNetwork, AddressesAreDistinctPrivateV4) {
  EXPECT_EQ(Network::endpoint(0).to_string(), "10.0.0.1:6881");
  EXPECT_EQ(Network::endpoint(70000).to_string(), "10.1.17.113:6881");
}

TEST(SimNetwork, AnAnswerTakesOneRoundTrip) {
  Network net(small());
  const TimePoint start = net.now();
  EXPECT_EQ(ping_answered_at(net) - start, 100ms);
  // The ping, its answer, and node 1 pinging its new querier back.
  EXPECT_EQ(net.datagrams_sent(), 3u);
}

TEST(SimNetwork, DeadNodesAnswerNothing) {
  Network net(small());
  net.set_dead(1, true);
  ping_answered_at(net);
  EXPECT_EQ(net.node(0).table(Endpoint::Family::v4).size(), 0u);
  EXPECT_EQ(net.datagrams_sent(), 1u);
}

TEST(SimNetwork, LossDropsTheShareAsked) {
  NetworkOptions o = small(0.3);
  Network net(o);
  for (int i = 0; i < 1000; ++i) {
    net.with_node(0, [&](dht::Node& n, std::vector<dht::Datagram>& out) {
      n.ping(Network::endpoint(2), net.now(), out);
    });
    net.run_until(net.now() + 1s);
  }
  const double share =
      static_cast<double>(net.datagrams_lost()) / static_cast<double>(net.datagrams_sent());
  EXPECT_NEAR(share, 0.3, 0.05);
}

TEST(SimNetwork, RoundTripTimesStayInRangeAndVaryByLink) {
  NetworkOptions o;
  o.nodes = 40;
  o.link.rtt_min = 20ms;
  o.link.rtt_max = 300ms;
  std::set<Duration::rep> seen;
  for (std::size_t to = 1; to < 40; ++to) {
    Network net(o);  // a fresh table each time, so the answer always enters it
    const TimePoint start = net.now();
    const Duration rtt = ping_answered_at(net, to) - start;
    EXPECT_GE(rtt, 20ms);
    EXPECT_LE(rtt, 300ms);
    seen.insert(rtt.count());
  }
  EXPECT_GT(seen.size(), 20u);
}

TEST(SimNetwork, ActionsRunAtTheirTime) {
  Network net(small());
  const TimePoint start = net.now();
  std::vector<int> order;
  net.at(start + 2s, [&] { order.push_back(2); });
  net.at(start + 1s, [&] { order.push_back(1); });
  net.run_until(start + 1500ms);
  EXPECT_EQ(order, std::vector<int>{1});
  net.run_until(start + 3s);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace btnode::sim
