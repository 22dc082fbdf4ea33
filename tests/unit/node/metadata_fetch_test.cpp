// MetadataFetch against a real seeding Session in one io_context over
// loopback TCP: the info dict arrives over ut_metadata (served by the seed's
// TorrentExtensions), its hash checks, it parses to the seed's Metainfo, and
// the peers it knows are handed over; a peer that never answers leaves it
// waiting (no callback, no metadata size).
#include "node/metadata_fetch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>

#include "core/torrent_creator.h"
#include "node/session.h"
#include "tests/unit/core/test_files.h"

namespace btnode::node {
namespace {

SessionOptions loopback() {
  SessionOptions o;
  o.bind.push_back(*Endpoint::from_address("127.0.0.1", 0));
  o.disk_threads = 1;
  return o;
}

struct Seeded {
  testing::TempDir dir;
  Metainfo meta;
  asio::io_context io;
  Session seed{io, loopback()};
  bool checked = false;

  Seeded() {
    std::mt19937 rng(7);
    std::string content(3 * 1024 * 1024 + 5, '\0');
    for (auto& c : content) c = static_cast<char>(rng());
    std::filesystem::create_directories(dir.path() / "seed");
    std::ofstream(dir.path() / "seed" / "f.bin", std::ios::binary) << content;
    CreateOptions options;
    options.piece_length = 16384;  // ~190 pieces: a 4 KiB info dict
    meta = *parse_metainfo(create_torrent(dir.path() / "seed" / "f.bin", options)->bytes);
    EXPECT_TRUE(seed.listen());
    TorrentOptions to;
    to.download_dir = dir.path() / "seed";
    TorrentCallbacks cb;
    cb.on_checked = [this](const storage::CheckFinished&) { checked = true; };
    EXPECT_TRUE(seed.add_torrent(meta, to, cb).start());
  }

  template <class Pred>
  void run_until(Pred done, std::chrono::seconds limit = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      io.run_one_for(std::chrono::milliseconds(50));
  }
};

PeerConnectionOptions client_connection() {
  PeerConnectionOptions o;
  o.own_peer_id = make_peer_id();
  o.reserved.set_extension_protocol(true);
  o.reserved.set_fast_extension(true);
  return o;
}

TEST(MetadataFetch, FetchesVerifiesAndParsesTheInfoDictFromASeed) {
  Seeded s;
  s.run_until([&] { return s.checked; });
  ASSERT_TRUE(s.checked);
  std::optional<Metainfo> got;
  std::vector<Endpoint> handed_over;
  std::vector<std::shared_ptr<PeerConnection>> kept;
  std::string error;
  MetadataFetch fetch(
      s.io, s.meta.info_hash, client_connection(), {},
      [&](Metainfo m, std::vector<Endpoint> peers,
          std::vector<std::shared_ptr<PeerConnection>> connections) {
        got = std::move(m);
        handed_over = std::move(peers);
        kept = std::move(connections);
      },
      [&](const std::string& e) { error = e; });
  fetch.start();
  auto seed_at = *Endpoint::from_address("127.0.0.1", s.seed.listen_port());
  fetch.add_peer(seed_at);
  s.run_until([&] { return got.has_value() || !error.empty(); });
  ASSERT_TRUE(got) << error;
  EXPECT_EQ(got->info_hash, s.meta.info_hash);
  EXPECT_EQ(got->info_bytes, s.meta.info_bytes);
  EXPECT_EQ(got->piece_hashes, s.meta.piece_hashes);
  EXPECT_EQ(got->name, "f.bin");
  ASSERT_EQ(handed_over.size(), 1u);
  EXPECT_EQ(handed_over[0], seed_at);
  // The handshaken connection comes along, open and parked (no handler).
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_FALSE(kept[0]->closed());
  EXPECT_FALSE(kept[0]->attached());
  EXPECT_EQ(kept[0]->remote(), seed_at);
  for (auto& c : kept) c->detach_and_close();
}

TEST(MetadataFetch, TheTorrentDownloadsOverTheHandedOverConnection) {
  Seeded s;
  s.run_until([&] { return s.checked; });
  ASSERT_TRUE(s.checked);
  std::optional<Metainfo> got;
  std::vector<std::shared_ptr<PeerConnection>> kept;
  std::string error;
  auto client = client_connection();
  MetadataFetch fetch(
      s.io, s.meta.info_hash, client, {},
      [&](Metainfo m, std::vector<Endpoint>, std::vector<std::shared_ptr<PeerConnection>> c) {
        got = std::move(m);
        kept = std::move(c);
      },
      [&](const std::string& e) { error = e; });
  fetch.start();
  auto seed_at = *Endpoint::from_address("127.0.0.1", s.seed.listen_port());
  fetch.add_peer(seed_at);
  s.run_until([&] { return got.has_value() || !error.empty(); });
  ASSERT_TRUE(got) << error;
  ASSERT_EQ(kept.size(), 1u);
  auto conn = kept[0];
  std::uint64_t before = conn->bytes_received();
  TorrentOptions to;
  to.download_dir = s.dir.path() / "leech";
  bool complete = false;
  TorrentCallbacks cb;
  cb.on_complete = [&] { complete = true; };
  Torrent leech(s.io, s.seed.pool(), *got, to, client, cb);
  ASSERT_TRUE(leech.start());
  leech.adopt(conn);
  leech.add_peer(seed_at);  // known under the same endpoint: not dialled again
  s.run_until([&] { return complete; });
  ASSERT_TRUE(complete);
  // Every piece came over the connection the metadata phase opened.
  EXPECT_FALSE(conn->closed());
  EXPECT_TRUE(conn->attached());
  EXPECT_TRUE(conn->handed_over());
  EXPECT_GE(conn->bytes_received() - before, static_cast<std::uint64_t>(got->total_size));
  EXPECT_EQ(leech.stats().peers, 1u);
  EXPECT_EQ(leech.stats().downloaded, static_cast<std::uint64_t>(got->total_size));
  bool stopped = false;
  leech.stop([&] { stopped = true; });
  s.run_until([&] { return stopped; });
}

TEST(MetadataFetch, NothingToFetchFromAPeerThatDoesNotAnswer) {
  Seeded s;
  bool called = false;
  MetadataFetchOptions options;
  options.reconnect_min = std::chrono::seconds(1);
  MetadataFetch fetch(
      s.io, s.meta.info_hash, client_connection(), options,
      [&](Metainfo, std::vector<Endpoint>, std::vector<std::shared_ptr<PeerConnection>>) {
        called = true;
      },
      [&](const std::string&) { called = true; });
  fetch.start();
  fetch.add_peer(*Endpoint::from_address("127.0.0.1", 1));  // nobody listens there
  s.run_until([&] { return called; }, std::chrono::seconds(2));
  EXPECT_FALSE(called);
  auto stats = fetch.stats();
  EXPECT_EQ(stats.peers_known, 1u);
  EXPECT_EQ(stats.connected, 0u);
  EXPECT_EQ(stats.pieces_total, 0u);
}

}  // namespace
}  // namespace btnode::node
