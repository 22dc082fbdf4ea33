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
