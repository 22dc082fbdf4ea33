#include "node/router_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>
#include <thread>
#include <string>

#include "dht/krpc.h"

namespace btnode::node {
namespace {

// A client socket on 127.0.1.<host> that speaks to the server.
class Client {
 public:
  explicit Client(std::uint8_t host) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl((127u << 24) | (1u << 8) | host);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  ~Client() { ::close(fd_); }
  void send(const Endpoint& to, const std::string& bytes) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(to.port());
    std::memcpy(&a.sin_addr, to.address_bytes().data(), 4);
    ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  // Replies (y=r) that arrive until the socket stays quiet for `quiet_ms`.
  std::size_t count_replies(int quiet_ms) {
    std::size_t n = 0;
    for (int k = 0; k < 100000; ++k) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, quiet_ms) != 1) break;
      char buf[2048];
      const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got > 0 && std::string_view(buf, static_cast<std::size_t>(got)).ends_with("1:y1:re")) ++n;
    }
    return n;
  }
  std::string receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return {};
    char buf[2048];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  int fd_;
};

std::string ping(const std::string& id, const std::string& tid) {
  return "d1:ad2:id20:" + id + "e1:q4:ping1:t" + std::to_string(tid.size()) + ":" + tid +
         "1:y1:qe";
}

RouterServerOptions options(const std::filesystem::path& state, unsigned threads = 2) {
  RouterServerOptions o;
  o.bind = {Endpoint::v4({127, 0, 1, 200}, 0)};
  o.port = 0;
  o.threads = threads;
  o.router.id = random_node_id();
  o.router.allow_local = true;
  o.router.capacity_v4 = 100;
  o.router.cookie_key.fill(3);
  o.state_file = state;
  return o;
}

TEST(RouterServer, AnswersVerifiesSavesAndReloads) {
  const auto dir = std::filesystem::temp_directory_path() / ("router_server_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto state = dir / "buffer.bin";
  {
    RouterServer server(options(state));
    ASSERT_TRUE(server.start());
    ASSERT_EQ(server.local_endpoints().size(), 1u);
    const Endpoint at = server.local_endpoints()[0];
    ASSERT_NE(at.port(), 0);
    for (std::uint8_t h = 1; h <= 5; ++h) {
      Client c(h);
      const std::string id(20, static_cast<char>('a' + h));
      c.send(at, ping(id, "q1"));
      // Reply and verification ping, in either order.
      std::string cookie;
      bool answered = false;
      for (int k = 0; k < 2; ++k) {
        const std::string got = c.receive();
        const dht::Decoded d = dht::decode(got);
        ASSERT_TRUE(std::holds_alternative<dht::Message>(d)) << got;
        const auto& m = std::get<dht::Message>(d);
        if (std::holds_alternative<dht::Query>(m.body)) cookie = std::string(m.transaction_id);
        else answered = m.transaction_id == "q1";
      }
      ASSERT_TRUE(answered);
      ASSERT_EQ(cookie.size(), 6u);
      c.send(at, "d1:rd2:id20:" + id + "e1:t6:" + cookie + "1:y1:re");
    }
    // The threads publish their counters every 0.2 s.
    for (int i = 0; i < 50 && server.stats().router.verified < 5; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(server.stats().router.verified, 5u);
    server.stop();
    EXPECT_EQ(server.stats().nodes_v4, 5u);
    auto saved = server.save();
    ASSERT_TRUE(saved);
    EXPECT_EQ(*saved, 5u);
  }
  RouterServer again(options(state));
  ASSERT_TRUE(again.start());
  EXPECT_EQ(again.loaded(), 5u);
  // A find_node now hands out the saved nodes.
  Client c(9);
  c.send(again.local_endpoints()[0],
         "d1:ad2:id20:" + std::string(20, 'z') + "6:target20:" + std::string(20, 't') +
             "e1:q9:find_node1:t2:fn1:y1:qe");
  std::string got;
  for (int k = 0; k < 2; ++k) {
    got = c.receive();
    if (got.ends_with("1:y1:re")) break;
  }
  const dht::Decoded d = dht::decode(got);
  ASSERT_TRUE(std::holds_alternative<dht::Message>(d)) << got;
  const auto& r = std::get<dht::Response>(std::get<dht::Message>(d).body);
  ASSERT_TRUE(r.nodes);
  EXPECT_EQ(r.nodes->size(), 5 * 26u);
  again.stop();
  std::filesystem::remove_all(dir);
}

TEST(RouterServer, OneAddressHasOneRateLimitWhateverThreadsItsPortsReach) {
  // Four threads; one address floods from 16 ports (the kernel's 4-tuple
  // hash alone would spread them over every thread, each with its own
  // bucket). The address must get one bucket's worth: burst + rate x time.
  RouterServerOptions o = options({}, 4);
  o.router.rate.per_second = 10;
  o.router.rate.burst = 20;
  RouterServer server(o);
  ASSERT_TRUE(server.start());
  const Endpoint at = server.local_endpoints()[0];
  std::vector<std::unique_ptr<Client>> ports;
  for (int k = 0; k < 16; ++k) ports.push_back(std::make_unique<Client>(77));
  const auto t0 = std::chrono::steady_clock::now();
  for (int round = 0; round < 10; ++round)
    for (std::size_t k = 0; k < ports.size(); ++k)
      ports[k]->send(at, ping(std::string(20, 'f'), "p" + std::to_string(k)));
  const double sending_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Another address is still served meanwhile.
  Client other(78);
  other.send(at, ping(std::string(20, 'o'), "ok"));
  std::size_t answered = 0;
  for (auto& c : ports) answered += c->count_replies(answered == 0 ? 500 : 50);
  EXPECT_EQ(other.count_replies(500), 1u);
  EXPECT_GE(answered, 15u);
  EXPECT_LE(answered, 20u + static_cast<std::size_t>(10 * sending_s) + 2);
  server.stop();
  EXPECT_EQ(server.stats().router.dropped_rate, 160u - answered);
}

TEST(RouterServer, StartsEmptyOverACorruptBufferFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("router_server_bad_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto state = dir / "buffer.bin";
  { std::ofstream(state) << "btnode-router-buffer 1\n" << std::string(20, 'i') << "xxxxyyyy"; }
  EXPECT_FALSE(RouterServer::decode_buffer("btnode-router-buffer 1\n" + std::string(20, 'i') + "xxxxyyyy"));
  RouterServer server(options(state));
  ASSERT_TRUE(server.start());
  EXPECT_EQ(server.loaded(), 0u);
  server.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace btnode::node
