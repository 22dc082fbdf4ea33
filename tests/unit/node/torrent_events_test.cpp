// Torrent's per-peer request handling (torrent_events.cpp) against a peer
// that unchokes, takes requests and never answers, over loopback: requests
// time out and a snubbing peer's requests are released back to the picker,
// and an honest seed that appears later gets them.
#include <gtest/gtest.h>

#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <fstream>
#include <random>

#include "core/torrent_creator.h"
#include "node/session.h"
#include "node/torrent.h"
#include "tests/unit/core/test_files.h"
#include "wire/handshake.h"
#include "wire/message.h"

namespace btnode::node {
namespace {

std::string random_bytes_of(std::size_t n) {
  std::mt19937 rng(11);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

SessionOptions loopback() {
  SessionOptions o;
  o.bind.push_back(*Endpoint::from_address("127.0.0.1", 0));
  o.disk_threads = 1;
  o.connection.incoming_mse = o.connection.outgoing_mse = wire::MsePolicy::disable;
  return o;
}

// Handshakes, says it has every piece, unchokes, then reads and ignores.
class SilentPeer {
 public:
  SilentPeer(asio::io_context& io, const Metainfo& meta)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), socket_(io) {
    wire::Handshake hs;
    hs.info_hash = meta.info_hash.wire_id();
    hs.peer_id = make_peer_id("-SI0001-");
    greeting_ = wire::encode_handshake(hs);
    Bitfield all(meta.piece_count());
    all.set_all();
    greeting_ += wire::encode_message(wire::BitfieldMessage{all.wire()});
    greeting_ += wire::encode_message(wire::Unchoke{});
    acceptor_.async_accept(socket_, [this](const asio::error_code& ec) {
      if (ec) return;
      asio::async_read(socket_, asio::buffer(in_, 68), [this](const asio::error_code& e, std::size_t) {
        if (e) return;
        asio::async_write(socket_, asio::buffer(greeting_),
                          [this](const asio::error_code&, std::size_t) { drain(); });
      });
    });
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::size_t received() const { return received_; }

 private:
  void drain() {
    socket_.async_read_some(asio::buffer(in_), [this](const asio::error_code& ec, std::size_t n) {
      if (ec) return;
      received_ += n;
      drain();
    });
  }
  asio::ip::tcp::acceptor acceptor_;
  asio::ip::tcp::socket socket_;
  std::string greeting_;
  std::array<char, 65536> in_{};
  std::size_t received_ = 0;
};

struct Fixture {
  testing::TempDir dir;
  std::string content = random_bytes_of(7 * 65536 + 99);  // 8 pieces
  Metainfo meta;
  asio::io_context io;

  Fixture() {
    std::filesystem::create_directories(dir.path() / "seed");
    std::ofstream(dir.path() / "seed" / "f.bin", std::ios::binary) << content;
    CreateOptions options;
    options.piece_length = 65536;
    meta = *parse_metainfo(create_torrent(dir.path() / "seed" / "f.bin", options)->bytes);
  }
  void run_for(std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) io.run_one_for(std::chrono::milliseconds(20));
  }
  template <class Pred>
  bool run_until(Pred done, std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end)
      io.run_one_for(std::chrono::milliseconds(20));
    return done();
  }
  std::size_t requested_blocks(const PiecePicker& picker) const {
    std::size_t n = 0;
    for (std::uint32_t p = 0; p < picker.piece_count(); ++p) {
      for (std::uint32_t b = 0; b < picker.blocks_in_piece(p); ++b)
        n += picker.requesters(picker.block_ref(p, b)).empty() ? 0 : 1;
    }
    return n;
  }
  Endpoint local(std::uint16_t port) const { return *Endpoint::from_address("127.0.0.1", port); }
};

// Requests the silent peer holds are given back, then an honest seed shows up.
void silent_then_seed(TorrentOptions options) {
  Fixture f;
  SilentPeer silent(f.io, f.meta);
  Session leech_session(f.io, loopback());
  ASSERT_TRUE(leech_session.listen());
  bool complete = false;
  options.download_dir = f.dir.path() / "leech";
  TorrentCallbacks callbacks;
  callbacks.on_complete = [&complete] { complete = true; };
  Torrent& leech = leech_session.add_torrent(f.meta, options, callbacks);
  ASSERT_TRUE(leech.start());
  leech.add_peer(f.local(silent.port()));

  ASSERT_TRUE(f.run_until([&] { return f.requested_blocks(leech.picker()) > 0; },
                          std::chrono::seconds(10)))
      << "the leech never asked the silent peer";
  // Within two ticks of the timeout every request is back in the picker.
  ASSERT_TRUE(f.run_until([&] { return f.requested_blocks(leech.picker()) == 0; },
                          std::chrono::seconds(5)))
      << "requests to the silent peer were never given back";
  EXPECT_GT(silent.received(), 0u);
  EXPECT_FALSE(complete);

  Session seed_session(f.io, loopback());
  ASSERT_TRUE(seed_session.listen());
  TorrentOptions seed_options;
  seed_options.download_dir = f.dir.path() / "seed";
  Torrent& seed = seed_session.add_torrent(f.meta, seed_options, {});
  ASSERT_TRUE(seed.start());
  ASSERT_TRUE(f.run_until([&] { return !seed.stats().checking; }, std::chrono::seconds(10)));
  leech.add_peer(f.local(seed_session.listen_port()));
  ASSERT_TRUE(f.run_until([&] { return complete; }, std::chrono::seconds(15)));
  std::ifstream in(f.dir.path() / "leech" / "f.bin", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), f.content);
}

TEST(TorrentEvents, UnansweredRequestsTimeOutAndGoToAnotherPeer) {
  TorrentOptions o;
  o.request_timeout = std::chrono::seconds(1);
  o.snub_timeout = std::chrono::seconds(600);
  silent_then_seed(o);
}

TEST(TorrentEvents, ASnubbingPeersRequestsAreReleased) {
  TorrentOptions o;
  o.request_timeout = std::chrono::seconds(600);
  o.snub_timeout = std::chrono::seconds(1);
  silent_then_seed(o);
}

}  // namespace
}  // namespace btnode::node
