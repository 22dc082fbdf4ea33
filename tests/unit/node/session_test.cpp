// Two Sessions in one io_context over loopback TCP: a seed and a leech move
// a small multi-block torrent end to end (handshake, availability, requests,
// hash-then-write, have), and a connection for an unknown torrent is refused.
#include "node/session.h"

#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <fstream>
#include <random>

#include "core/torrent_creator.h"
#include "tests/unit/core/test_files.h"
#include "wire/handshake.h"

namespace btnode::node {
namespace {

using btnode::testing::read_file;

SessionOptions loopback() {
  SessionOptions o;
  o.bind.push_back(*Endpoint::from_address("127.0.0.1", 0));
  o.disk_threads = 1;
  return o;
}

struct Fixture {
  testing::TempDir dir;
  // 6 pieces, the last short.
  std::string content = testing::random_content(42, 5 * 16384 * 4 + 777);
  Metainfo meta;

  Fixture() {
    std::filesystem::create_directories(dir.path() / "seed");
    std::ofstream(dir.path() / "seed" / "f.bin", std::ios::binary) << content;
    CreateOptions options;
    options.piece_length = 65536;
    auto created = create_torrent(dir.path() / "seed" / "f.bin", options);
    meta = *parse_metainfo(created->bytes);
  }
};

TEST(Session, SeedToLeechOverLoopback) {
  Fixture f;
  asio::io_context io;
  Session seed(io, loopback());
  Session leech(io, loopback());
  ASSERT_TRUE(seed.listen());
  ASSERT_TRUE(leech.listen());
  ASSERT_NE(seed.listen_port(), 0);

  bool seeded = false;
  bool complete = false;
  TorrentOptions seed_options;
  seed_options.download_dir = f.dir.path() / "seed";
  TorrentCallbacks seed_callbacks;
  seed_callbacks.on_checked = [&](const storage::CheckFinished&) { seeded = true; };
  Torrent& s = seed.add_torrent(f.meta, seed_options, seed_callbacks);
  ASSERT_TRUE(s.start());
  TorrentOptions leech_options;
  leech_options.download_dir = f.dir.path() / "leech";
  TorrentCallbacks leech_callbacks;
  leech_callbacks.on_complete = [&] { complete = true; };
  Torrent& l = leech.add_torrent(f.meta, leech_options, leech_callbacks);
  ASSERT_TRUE(l.start());
  l.add_peer(*Endpoint::from_address("127.0.0.1", seed.listen_port()));

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!complete && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(seeded);
  ASSERT_TRUE(complete);
  EXPECT_TRUE(l.stats().complete);
  EXPECT_EQ(l.stats().pieces_have, f.meta.piece_count());
  EXPECT_GE(l.stats().downloaded, f.content.size());
  EXPECT_GE(s.stats().uploaded, f.content.size());
  EXPECT_EQ(read_file(f.dir.path() / "leech" / "f.bin"), f.content);
}

TEST(Session, RefusesAHandshakeForAnUnknownTorrent) {
  Fixture f;
  asio::io_context io;
  Session seed(io, loopback());
  ASSERT_TRUE(seed.listen());

  asio::ip::tcp::socket client(io);
  client.connect({asio::ip::make_address("127.0.0.1"), seed.listen_port()});
  wire::Handshake hs;
  hs.info_hash.fill(0xAB);  // no such torrent here
  hs.peer_id = make_peer_id();
  asio::write(client, asio::buffer(wire::encode_handshake(hs)));
  bool closed = false;
  char byte = 0;
  client.async_read_some(asio::buffer(&byte, 1),
                         [&](const asio::error_code& ec, std::size_t) { closed = bool(ec); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!closed && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(closed);  // closed without a handshake in reply
}

}  // namespace
}  // namespace btnode::node
