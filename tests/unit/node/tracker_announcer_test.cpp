#include "node/tracker_announcer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "node/http_fetcher.h"
#include "node/tracker_server.h"

namespace btnode::node {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kSeedPort = 7001;
constexpr std::uint16_t kLeechPort = 7002;

// Runs the io_context until `done` or the deadline (bounded).
template <class Pred>
bool run_until(asio::io_context& io, Pred done, std::chrono::milliseconds limit = 5000ms) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) io.run_one_for(50ms);
  return done();
}

struct Client {
  std::vector<Endpoint> peers;
  std::unique_ptr<TrackerAnnouncer> announcer;
};

TrackerAnnouncerOptions options_for(const std::string& url, const char* bind, std::uint16_t port,
                                    std::uint64_t left, Client& c) {
  TrackerAnnouncerOptions o;
  o.tiers = {{url}};
  o.info_hash.fill(0x42);
  o.peer_id = make_peer_id();
  o.port = port;
  o.bind = Endpoint::from_address(bind, 0);
  o.allow_local = true;
  o.counters = [left] { return TransferCounters{0, 0, left}; };
  o.on_peers = [&c](const std::vector<Endpoint>& p) { c.peers.insert(c.peers.end(), p.begin(), p.end()); };
  return o;
}

class TrackerAnnouncerTest : public ::testing::TestWithParam<const char*> {};

// A seed and a leech announce to an in-process `btnode tracker`; the leech
// is handed the seed (not itself), and a clean stop sends `stopped`, which
// removes the seed from the swarm.
TEST_P(TrackerAnnouncerTest, LeechLearnsTheSeedAndStopRemovesIt) {
  asio::io_context io;
  TrackerServerOptions so;
  so.bind = {*Endpoint::from_address("127.0.2.90", 0)};
  TrackerServer server(io, so);
  ASSERT_TRUE(server.start());
  std::string url = std::string(GetParam()) + "://127.0.2.90:" + std::to_string(server.port()) + "/announce";
  HttpFetcher http(io);

  Client seed, leech;
  seed.announcer = std::make_unique<TrackerAnnouncer>(io, http, options_for(url, "127.0.2.91", kSeedPort, 0, seed));
  seed.announcer->start();
  ASSERT_TRUE(run_until(io, [&] { return seed.announcer->successes() == 1; }));
  EXPECT_TRUE(seed.peers.empty());
  leech.announcer = std::make_unique<TrackerAnnouncer>(io, http, options_for(url, "127.0.2.92", kLeechPort, 100, leech));
  leech.announcer->start();
  ASSERT_TRUE(run_until(io, [&] { return leech.announcer->successes() == 1; }));
  ASSERT_EQ(leech.peers.size(), 1u);
  EXPECT_EQ(leech.peers[0].to_string(), "127.0.2.91:" + std::to_string(kSeedPort));
  EXPECT_EQ(server.stats().peers, 2u);

  bool stopped = false;
  seed.announcer->stop([&] { stopped = true; });
  ASSERT_TRUE(run_until(io, [&] { return stopped; }));
  EXPECT_TRUE(run_until(io, [&] { return server.stats().peers == 1; }, 2000ms));
}

INSTANTIATE_TEST_SUITE_P(HttpAndUdp, TrackerAnnouncerTest, ::testing::Values("http", "udp"));

TEST(TrackerAnnouncer, NoAnswerFallsThroughToTheNextTierAndStopIsBounded) {
  asio::io_context io;
  TrackerServerOptions so;
  so.bind = {*Endpoint::from_address("127.0.2.93", 0)};
  TrackerServer server(io, so);
  ASSERT_TRUE(server.start());
  HttpFetcher http(io);
  Client c;
  // Nothing listens on port 9 of 127.0.2.94: UDP goes unanswered. The first
  // timeout is shortened to 50 ms; the schedule keeps its default n <= 8, but
  // with a tracker left to try the announcer moves on after n = 2 (350 ms).
  auto o = options_for("udp://127.0.2.94:9/announce", "127.0.2.95", kLeechPort, 100, c);
  o.tiers.push_back({"http://127.0.2.93:" + std::to_string(server.port()) + "/announce"});
  o.udp.first_timeout = 50ms;
  EXPECT_EQ(o.udp.max_retries, 8);
  EXPECT_EQ(o.udp_fallthrough_retries, 2);
  auto started = std::chrono::steady_clock::now();
  c.announcer = std::make_unique<TrackerAnnouncer>(io, http, std::move(o));
  c.announcer->start();
  ASSERT_TRUE(run_until(io, [&] { return c.announcer->successes() == 1; }));
  EXPECT_EQ(server.stats().http_announces, 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 350ms);
  auto t0 = std::chrono::steady_clock::now();
  bool stopped = false;
  c.announcer->stop([&] { stopped = true; });
  ASSERT_TRUE(run_until(io, [&] { return stopped; }));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
}

}  // namespace
}  // namespace btnode::node
