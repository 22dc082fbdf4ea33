// Torrent over real loopback sockets in one io_context (Sessions listen and
// accept; the Torrents dial): MSE `prefer` falling back to plaintext against a
// peer that refuses MSE, a seed dialling a leech that never dials, and a leech
// that completes with a single complete piece allowed to wait for the disk.
#include "node/torrent.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>

#include "core/torrent_creator.h"
#include "node/session.h"
#include "tests/unit/core/test_files.h"

namespace btnode::node {
namespace {

using btnode::testing::read_file;

SessionOptions loopback(wire::MsePolicy incoming, wire::MsePolicy outgoing) {
  SessionOptions o;
  o.bind.push_back(*Endpoint::from_address("127.0.0.1", 0));
  o.disk_threads = 1;
  o.connection.incoming_mse = incoming;
  o.connection.outgoing_mse = outgoing;
  return o;
}

struct Swarm {
  testing::TempDir dir;
  std::string content = testing::random_content(7, 9 * 65536 + 1000);  // 10 pieces, the last short
  Metainfo meta;
  asio::io_context io;

  Swarm() {
    std::filesystem::create_directories(dir.path() / "seed");
    std::ofstream(dir.path() / "seed" / "f.bin", std::ios::binary) << content;
    CreateOptions options;
    options.piece_length = 65536;
    meta = *parse_metainfo(create_torrent(dir.path() / "seed" / "f.bin", options)->bytes);
  }

  Torrent& seed(Session& session) {
    TorrentOptions o;
    o.download_dir = dir.path() / "seed";
    Torrent& t = session.add_torrent(meta, o, {});
    EXPECT_TRUE(t.start());
    // Checked before anyone dials (a checking torrent refuses peers).
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (t.stats().checking && std::chrono::steady_clock::now() < end)
      io.run_one_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(t.stats().checking);
    return t;
  }

  Torrent& leech(Session& session, bool& complete, TorrentOptions o = {}) {
    o.download_dir = dir.path() / "leech";
    TorrentCallbacks callbacks;
    callbacks.on_complete = [&complete] { complete = true; };
    Torrent& t = session.add_torrent(meta, o, callbacks);
    EXPECT_TRUE(t.start());
    return t;
  }

  // Runs the loop until `done` or the deadline; returns the seconds taken.
  double run_until(const bool& done, std::chrono::seconds limit) {
    auto start = std::chrono::steady_clock::now();
    while (!done && std::chrono::steady_clock::now() < start + limit)
      io.run_one_for(std::chrono::milliseconds(50));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  bool downloaded() const { return read_file(dir.path() / "leech" / "f.bin") == content; }
};

Endpoint local(std::uint16_t port) { return *Endpoint::from_address("127.0.0.1", port); }

TEST(Torrent, MsePreferFallsBackToPlaintextAtOnce) {
  Swarm swarm;
  // The seed takes plain handshakes only: an MSE offer is garbage to it.
  Session seed_session(swarm.io, loopback(wire::MsePolicy::disable, wire::MsePolicy::disable));
  Session leech_session(swarm.io, loopback(wire::MsePolicy::prefer, wire::MsePolicy::prefer));
  ASSERT_TRUE(seed_session.listen());
  ASSERT_TRUE(leech_session.listen());
  swarm.seed(seed_session);
  bool complete = false;
  Torrent& leech = swarm.leech(leech_session, complete);
  leech.add_peer(local(seed_session.listen_port()));
  double seconds = swarm.run_until(complete, std::chrono::seconds(20));
  ASSERT_TRUE(complete);
  // The plain redial is immediate: not at the next 1 s tick, not after the
  // reconnect backoff, nor after a handshake timeout.
  EXPECT_LT(seconds, 0.9);
  EXPECT_TRUE(swarm.downloaded());
}

TEST(Torrent, RequireNeverFallsBackToPlaintext) {
  Swarm swarm;
  Session seed_session(swarm.io, loopback(wire::MsePolicy::disable, wire::MsePolicy::disable));
  Session leech_session(swarm.io, loopback(wire::MsePolicy::require, wire::MsePolicy::require));
  ASSERT_TRUE(seed_session.listen());
  ASSERT_TRUE(leech_session.listen());
  swarm.seed(seed_session);
  bool complete = false;
  Torrent& leech = swarm.leech(leech_session, complete);
  leech.add_peer(local(seed_session.listen_port()));
  swarm.run_until(complete, std::chrono::seconds(4));
  EXPECT_FALSE(complete);
  EXPECT_EQ(leech.stats().downloaded, 0u);
}

TEST(Torrent, SeedDialsALeechThatNeverDials) {
  Swarm swarm;
  Session seed_session(swarm.io, loopback(wire::MsePolicy::prefer, wire::MsePolicy::prefer));
  Session leech_session(swarm.io, loopback(wire::MsePolicy::prefer, wire::MsePolicy::prefer));
  ASSERT_TRUE(seed_session.listen());
  ASSERT_TRUE(leech_session.listen());
  Torrent& seed = swarm.seed(seed_session);
  bool complete = false;
  Torrent& leech = swarm.leech(leech_session, complete);
  seed.add_peer(local(leech_session.listen_port()));  // the leech knows nobody
  swarm.run_until(complete, std::chrono::seconds(20));
  ASSERT_TRUE(complete);
  EXPECT_TRUE(leech.complete());
  EXPECT_GE(seed.stats().uploaded, swarm.content.size());
  EXPECT_TRUE(swarm.downloaded());
}

TEST(Torrent, CompletesWithOnePieceAtATimeWaitingForTheDisk) {
  Swarm swarm;
  Session seed_session(swarm.io, loopback(wire::MsePolicy::disable, wire::MsePolicy::disable));
  Session leech_session(swarm.io, loopback(wire::MsePolicy::disable, wire::MsePolicy::disable));
  ASSERT_TRUE(seed_session.listen());
  ASSERT_TRUE(leech_session.listen());
  swarm.seed(seed_session);
  bool complete = false;
  TorrentOptions o;
  o.max_unverified_bytes = 1;  // no request while any complete piece is being verified
  o.sequential = true;
  Torrent& leech = swarm.leech(leech_session, complete, o);
  leech.add_peer(local(seed_session.listen_port()));
  swarm.run_until(complete, std::chrono::seconds(20));
  ASSERT_TRUE(complete);
  EXPECT_TRUE(leech.picker().finished());
  EXPECT_EQ(leech.stats().pieces_have, swarm.meta.piece_count());
  EXPECT_TRUE(swarm.downloaded());
}

}  // namespace
}  // namespace btnode::node
