// PeerConnection over real loopback sockets, driven by a raw client: the
// handshake deadline, refusal by the owner, and a handshake followed in the
// same write by messages (which must reach the protocol, not be lost).
#include "node/peer_connection.h"

#include <gtest/gtest.h>

#include <asio/read.hpp>
#include <asio/write.hpp>
#include <chrono>

#include "wire/message.h"

namespace btnode::node {
namespace {

using namespace std::chrono_literals;

struct Recorder : PeerConnectionHandler {
  bool attached = false;
  std::vector<wire::PeerEvent> events;
  std::string closed;
  void on_peer_attached(PeerConnection&) override { attached = true; }
  void on_peer_events(PeerConnection&, std::vector<wire::PeerEvent>& e) override {
    events.insert(events.end(), e.begin(), e.end());
  }
  void on_peer_closed(PeerConnection&, const std::string& reason) override { closed = reason; }
};

struct Pair {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  asio::ip::tcp::socket client{io};
  std::shared_ptr<PeerConnection> server;
  wire::WireHash hash{};

  explicit Pair(PeerConnectionOptions options) {
    hash.fill(7);
    client.connect(acceptor.local_endpoint());
    auto accepted = acceptor.accept();
    options.own_peer_id = make_peer_id();
    server = PeerConnection::incoming(
        std::move(accepted), [h = hash](const wire::WireHash& x) { return x == h; }, options);
  }
  template <class Done>
  void run_until(Done done, std::chrono::milliseconds limit = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  }
  std::string handshake() const {
    return wire::encode_handshake({wire::Reserved{}, hash, make_peer_id()});
  }
};

TEST(PeerConnection, ClosesWhenNoHandshakeArrivesInTime) {
  PeerConnectionOptions options;
  options.handshake_timeout = 300ms;
  Pair p(options);
  Recorder r;
  p.server->set_handler(&r);
  p.server->start([](PeerConnection&) { return std::nullopt; });
  p.run_until([&] { return !r.closed.empty(); });
  EXPECT_EQ(r.closed, "handshake timed out");
  EXPECT_TRUE(p.server->closed());
}

TEST(PeerConnection, OwnerRefusalClosesTheConnection) {
  Pair p(PeerConnectionOptions{});
  bool asked = false;
  p.server->start([&](PeerConnection&) {
    asked = true;
    return std::optional<PeerAttach>{};
  });
  asio::write(p.client, asio::buffer(p.handshake()));
  p.run_until([&] { return p.server->closed(); });
  EXPECT_TRUE(asked);
  EXPECT_TRUE(p.server->closed());
}

TEST(PeerConnection, MessagesInTheHandshakeSegmentReachTheOwner) {
  Pair p(PeerConnectionOptions{});
  Recorder r;
  p.server->start([&](PeerConnection&) {
    PeerAttach a;
    a.handler = &r;
    a.geometry = {8, 16384, 8 * 16384};
    return std::optional<PeerAttach>{a};
  });
  std::string bytes = p.handshake();
  wire::append_message(bytes, wire::Interested{});
  wire::append_message(bytes, wire::Have{3});
  asio::write(p.client, asio::buffer(bytes));
  p.run_until([&] { return r.events.size() >= 2; });
  ASSERT_TRUE(r.attached);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<wire::event::Interested>(r.events[0]));
  EXPECT_TRUE(std::holds_alternative<wire::event::Have>(r.events[1]));
  // Our handshake comes back with the same info-hash.
  std::string reply(wire::kHandshakeSize, '\0');
  asio::read(p.client, asio::buffer(reply));
  EXPECT_EQ(reply.substr(28, 20), std::string(20, '\7'));
}

}  // namespace
}  // namespace btnode::node
