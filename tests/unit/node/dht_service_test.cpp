// DhtService over real loopback sockets, two services on one io_context.
#include "node/dht_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "node/dht_state.h"

namespace btnode::node {
namespace {

using namespace std::chrono_literals;

DhtServiceOptions loopback(std::uint8_t last_octet) {
  DhtServiceOptions o;
  o.bind = {Endpoint::v4({127, 0, 0, last_octet}, 0)};
  o.node.allow_local = true;
  return o;
}

// Runs the io_context until `done` or a bounded wall time has passed.
template <class Predicate>
bool run_until(asio::io_context& io, Predicate done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(20ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

class DhtServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("btnode-dht-service-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  asio::io_context io_;
};

TEST_F(DhtServiceTest, PingReturnsTheRemoteIdAndTimesOutOnSilence) {
  DhtService a(io_, loopback(21));
  DhtService b(io_, loopback(22));
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  ASSERT_EQ(a.local_endpoints().size(), 1u);
  EXPECT_NE(a.local_endpoints()[0].port(), 0);

  std::optional<std::optional<NodeId>> answer;
  b.ping(a.local_endpoints()[0], 2s, [&](std::optional<NodeId> id) { answer = id; });
  ASSERT_TRUE(run_until(io_, [&] { return answer.has_value(); }));
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ(**answer, a.node().id());

  std::optional<std::optional<NodeId>> silence;
  b.ping(Endpoint::v4({127, 0, 0, 23}, 9), 300ms, [&](std::optional<NodeId> id) { silence = id; });
  ASSERT_TRUE(run_until(io_, [&] { return silence.has_value(); }));
  EXPECT_FALSE(silence->has_value());
  EXPECT_GT(b.stats().udp.packets_out, 0u);
}

TEST_F(DhtServiceTest, JoinFillsBothTablesAndStateSurvivesARestart) {
  DhtService a(io_, loopback(31));
  ASSERT_TRUE(a.start());
  auto b_options = loopback(32);
  b_options.bootstrap = {*HostPort::parse(a.local_endpoints()[0].to_string())};
  b_options.state_dir = dir_;
  std::optional<NodeId> b_id;
  {
    DhtService b(io_, b_options);
    ASSERT_TRUE(b.start());
    b_id = b.node().id();
    bool joined = false;
    b.on_joined([&] { joined = true; });
    ASSERT_TRUE(run_until(io_, [&] { return joined; }));
    // A learns of B from its query and confirms it with a ping.
    ASSERT_TRUE(run_until(io_, [&] {
      return a.node().table(Endpoint::Family::v4).size() == 1 &&
             b.node().table(Endpoint::Family::v4).size() == 1;
    }));
    b.stop();
  }
  auto saved = load_dht_state(dir_);
  ASSERT_TRUE(saved && saved->has_value());
  EXPECT_EQ((*saved)->id, *b_id);
  ASSERT_EQ((*saved)->nodes.size(), 1u);
  EXPECT_EQ((*saved)->nodes[0].id, a.node().id());

  // Restarted without routers: same id, and it rejoins through the saved node.
  b_options.bootstrap.clear();
  DhtService again(io_, b_options);
  ASSERT_TRUE(again.start());
  EXPECT_EQ(again.node().id(), *b_id);
  ASSERT_TRUE(run_until(io_, [&] { return again.node().table(Endpoint::Family::v4).size() == 1; }));
}

// A home server whose table drops to nothing (network down, router gone)
// bootstraps again by itself once the router answers.
TEST_F(DhtServiceTest, EmptyTableBootstrapsAgainWhenTheRouterComesBack) {
  std::uint16_t port = 0;
  {
    DhtService probe(io_, loopback(41));
    ASSERT_TRUE(probe.start());
    port = probe.local_endpoints()[0].port();
    probe.stop();
  }
  auto b_options = loopback(42);
  b_options.bootstrap = {*HostPort::parse("127.0.0.41:" + std::to_string(port))};
  b_options.rebootstrap_every = 1s;
  DhtService b(io_, b_options);
  ASSERT_TRUE(b.start());
  bool joined = false;
  b.on_joined([&] { joined = true; });
  ASSERT_TRUE(run_until(io_, [&] { return joined; }, 10s));
  EXPECT_EQ(b.node().table(Endpoint::Family::v4).size(), 0u) << "nobody answered the join";

  auto a_options = loopback(41);
  a_options.port = port;
  DhtService a(io_, a_options);
  ASSERT_TRUE(a.start());
  // The maintenance timer (every 5 s) notices the empty table.
  EXPECT_TRUE(run_until(io_, [&] { return b.node().table(Endpoint::Family::v4).size() == 1; }, 15s));
}

TEST_F(DhtServiceTest, CorruptStateFileMeansAFreshStart) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / kDhtStateFile) << "d2:id3:xyz";
  auto options = loopback(41);
  options.state_dir = dir_;
  DhtService s(io_, options);
  ASSERT_TRUE(s.start());
  EXPECT_FALSE(s.node().id().is_zero());
  s.stop();  // replaces the corrupt file with a good one
  auto saved = load_dht_state(dir_);
  ASSERT_TRUE(saved && saved->has_value());
  EXPECT_EQ((*saved)->id, s.node().id());
}

// Two long-running nodes pointed at one state dir: the second must not answer
// for the first one's saved id, nor overwrite its file.
TEST_F(DhtServiceTest, ASecondNodeOnTheSameStateDirTakesAFreshIdAndSavesNothing) {
  auto first_options = loopback(61);
  first_options.state_dir = dir_;
  DhtService first(io_, first_options);
  ASSERT_TRUE(first.start());
  first.stop();  // writes its id; it still owns the dir until destroyed
  auto saved = load_dht_state(dir_);
  ASSERT_TRUE(saved && saved->has_value());
  const NodeId owner_id = (*saved)->id;

  auto second_options = loopback(62);
  second_options.state_dir = dir_;
  DhtService second(io_, second_options);
  ASSERT_TRUE(second.start());
  EXPECT_NE(second.node().id(), owner_id);
  second.stop();
  auto after = load_dht_state(dir_);
  ASSERT_TRUE(after && after->has_value());
  EXPECT_EQ((*after)->id, owner_id) << "the second node overwrote the owner's state";
}

TEST_F(DhtServiceTest, BindFailureIsAnError) {
  DhtService a(io_, loopback(51));
  ASSERT_TRUE(a.start());
  auto clash = loopback(51);
  clash.port = a.local_endpoints()[0].port();
  DhtService b(io_, clash);
  const auto started = b.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("bind"), std::string::npos);
}

}  // namespace
}  // namespace btnode::node
