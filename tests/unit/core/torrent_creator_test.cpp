#include "core/torrent_creator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>

#include "core/piece_hasher.h"
#include "tests/unit/core/test_files.h"

namespace btnode {
namespace {

namespace fs = std::filesystem;
using testing::fixture_content;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * KiB;

CreateOptions with_piece_length(std::int64_t piece_length) {
  CreateOptions options;
  options.piece_length = piece_length;
  return options;
}

std::string error_of(const fs::path& source, const CreateOptions& options = {}) {
  auto r = create_torrent(source, options);
  return r ? std::string("(created)") : r.error().message;
}

TEST(TorrentCreator, AutoPieceLengthAimsAtAtMost2000Pieces) {
  EXPECT_EQ(auto_piece_length(1), 16 * KiB);
  EXPECT_EQ(auto_piece_length(2000 * 16 * KiB), 16 * KiB);
  EXPECT_EQ(auto_piece_length(2000 * 16 * KiB + 1), 32 * KiB);
  EXPECT_EQ(auto_piece_length(700 * MiB), 512 * KiB);  // 1400 pieces
  EXPECT_EQ(auto_piece_length(std::int64_t{1} << 50), 16 * MiB);
  for (std::int64_t total : {100 * MiB, 3 * MiB * 1000 + 7, 30 * 1024 * MiB}) {
    const std::int64_t piece = auto_piece_length(total);
    const std::int64_t count = (total + piece - 1) / piece;
    EXPECT_GT(count, 1000) << total;
    EXPECT_LE(count, 2000) << total;
    EXPECT_EQ(piece & (piece - 1), 0);
  }
}

TEST(TorrentCreator, SameInfoHashAsMktorrentForTheSameContent) {
  TempDir dir;
  write_file(dir / "single.bin", fixture_content(1, 40000));
  write_file(dir / "multi/a.txt", fixture_content(2, 12000));
  write_file(dir / "multi/empty", "");
  write_file(dir / "multi/sub/b.bin", fixture_content(3, 30000));
  // See tests/data/metainfo/README.md for the mktorrent commands.
  auto single = create_torrent(dir / "single.bin", with_piece_length(32 * KiB));
  ASSERT_TRUE(single) << single.error().message;
  EXPECT_EQ(single->metainfo.info_hash.v1_hex(), "17ea403418cdfae08c246553f90263e82388408b");
  EXPECT_TRUE(single->metainfo.single_file);
  CreateOptions options = with_piece_length(32 * KiB);
  options.is_private = true;
  auto multi = create_torrent(dir / "multi", options);
  ASSERT_TRUE(multi) << multi.error().message;
  EXPECT_EQ(multi->metainfo.info_hash.v1_hex(), "c9ff48ed2546c6d8480ca9e68f76459e549b2499");
  ASSERT_EQ(multi->metainfo.files.size(), 3u);
  EXPECT_EQ(multi->metainfo.files[1].relative_path, "multi/empty");
  EXPECT_TRUE(multi->metainfo.is_private);
}

TEST(TorrentCreator, DeterministicAndSortedBytewiseByComponent) {
  TempDir dir;
  for (const char* f : {"t/a.txt", "t/a-c", "t/a/b", "t/B", "t/.hidden"}) {
    write_file(dir / f, std::string(f) + " content");
  }
  auto first = create_torrent(dir / "t");
  ASSERT_TRUE(first) << first.error().message;
  auto second = create_torrent(dir / "t/");  // trailing slash: same name
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->bytes, second->bytes);
  std::vector<std::string> order;
  for (const auto& f : first->metainfo.files) order.push_back(f.relative_path);
  EXPECT_EQ(order, (std::vector<std::string>{"t/.hidden", "t/B", "t/a/b", "t/a-c", "t/a.txt"}));
  EXPECT_EQ(first->metainfo.name, "t");
  EXPECT_EQ(first->bytes.find("creation date"), std::string::npos);
}

TEST(TorrentCreator, WritesTrackersWebSeedsAndAdvisoryFields) {
  TempDir dir;
  write_file(dir / "f", fixture_content(9, 100000));
  CreateOptions options;
  options.tracker_tiers = {{"http://a/1", ""}, {}, {"udp://b/2", "udp://b/3"}};
  options.web_seeds = {"http://seed/", ""};
  options.comment = "c";
  options.creation_date = 1700000000;
  options.name = "renamed.bin";
  auto t = create_torrent(dir / "f", options);
  ASSERT_TRUE(t) << t.error().message;
  const Metainfo& m = t->metainfo;
  EXPECT_EQ(m.trackers,
            (std::vector<std::vector<std::string>>{{"http://a/1"}, {"udp://b/2", "udp://b/3"}}));
  EXPECT_THAT(t->bytes, HasSubstr("8:announce10:http://a/1"));
  EXPECT_EQ(m.web_seeds, std::vector<std::string>{"http://seed/"});
  EXPECT_EQ(m.comment, "c");
  EXPECT_EQ(m.created_by, "btnode/0.1.0");
  EXPECT_EQ(m.creation_date, 1700000000);
  EXPECT_EQ(m.name, "renamed.bin");
  EXPECT_EQ(m.piece_length, 16 * KiB);
  EXPECT_EQ(m.piece_count(), 7);

  // One tracker: `announce` only (BEP 12 list adds nothing).
  CreateOptions one_tracker;
  one_tracker.tracker_tiers = {{"http://only/"}};
  auto one = create_torrent(dir / "f", one_tracker);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->bytes.find("announce-list"), std::string::npos);
  EXPECT_EQ(one->metainfo.trackers, (std::vector<std::vector<std::string>>{{"http://only/"}}));
}

TEST(TorrentCreator, CreatedTorrentVerifiesAgainstItsContent) {
  TempDir dir;
  write_file(dir / "c/x/1.bin", fixture_content(4, 70000));
  write_file(dir / "c/2.bin", fixture_content(5, 5));
  write_file(dir / "c/zero", "");
  CreateOptions options;
  options.hash.threads = 2;
  std::atomic<std::int64_t> calls{0}, max_done{0}, reported_total{0};
  options.hash.on_progress = [&](std::int64_t done, std::int64_t total) {
    ++calls;
    reported_total = total;
    std::int64_t seen = max_done.load();
    while (done > seen && !max_done.compare_exchange_weak(seen, done)) {
    }
  };
  auto t = create_torrent(dir / "c", options);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(calls.load(), t->metainfo.piece_count());
  EXPECT_EQ(max_done.load(), t->metainfo.piece_count());
  EXPECT_EQ(reported_total.load(), t->metainfo.piece_count());
  // Hashing the content again gives the torrent's piece hashes.
  std::vector<ContentFile> files;
  for (const auto& f : t->metainfo.files) files.push_back({dir / f.relative_path, f.size, f.pad()});
  auto again = hash_pieces(files, t->metainfo.piece_length);
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(again->pieces.size(), t->metainfo.piece_hashes.size());
  for (std::size_t i = 0; i < again->pieces.size(); ++i) {
    EXPECT_EQ(again->pieces[i], t->metainfo.piece_hashes[i]) << "piece " << i;
  }
}

TEST(TorrentCreator, FollowsSymlinksToFiles) {
  TempDir dir;
  write_file(dir / "outside.bin", fixture_content(6, 3000));
  write_file(dir / "d/real", "r");
  fs::create_symlink(dir / "outside.bin", dir / "d/link");
  auto t = create_torrent(dir / "d");
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->metainfo.files.size(), 2u);
  EXPECT_EQ(t->metainfo.files[0].relative_path, "d/link");
  EXPECT_EQ(t->metainfo.files[0].size, 3000);
}

TEST(TorrentCreator, RefusesWhatItCannotRepresent) {
  TempDir dir;
  fs::create_directories(dir / "empty/sub");
  EXPECT_THAT(error_of(dir / "empty"), HasSubstr("contains no files"));
  write_file(dir / "zeros/a", "");
  write_file(dir / "zeros/b/c", "");
  EXPECT_THAT(error_of(dir / "zeros"), HasSubstr("has no data (total size 0)"));
  EXPECT_THAT(error_of(dir / "nope"), HasSubstr("create: '"));

  write_file(dir / "fifo/ok", "x");
  ASSERT_EQ(::mkfifo((dir / "fifo/pipe").c_str(), 0600), 0);
  EXPECT_THAT(error_of(dir / "fifo"), HasSubstr("pipe' is a special file"));
  EXPECT_THAT(error_of(dir / "fifo/pipe"), HasSubstr("is not a file or directory"));

  write_file(dir / "dangling/ok", "x");
  fs::create_symlink(dir / "gone", dir / "dangling/l");
  EXPECT_THAT(error_of(dir / "dangling"), HasSubstr("is a dangling symlink"));

  write_file(dir / "dirlink/ok", "x");
  fs::create_directory_symlink(dir / "empty", dir / "dirlink/l");
  EXPECT_THAT(error_of(dir / "dirlink"), HasSubstr("symlink to a directory"));

  write_file(dir / "f", "data");
  EXPECT_THAT(error_of(dir / "f", with_piece_length(3 * 16 * KiB)), HasSubstr("power of two"));
  EXPECT_THAT(error_of(dir / "f", with_piece_length(8 * KiB)), HasSubstr("power of two"));
  CreateOptions dots;
  dots.name = "..";
  EXPECT_THAT(error_of(dir / "f", dots), HasSubstr("create: name: "));
  write_file(dir / "bs/a\\b", "x");  // valid on Linux, a separator on Windows
  EXPECT_THAT(error_of(dir / "bs"), HasSubstr("cannot be stored in a torrent"));
}

}  // namespace
}  // namespace btnode
