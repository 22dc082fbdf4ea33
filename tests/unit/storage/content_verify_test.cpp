#include "storage/content_verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "tests/unit/core/test_files.h"

namespace btnode::storage {
namespace {

using btnode::testing::data_path;
using btnode::testing::fixture_content;
using btnode::testing::TempDir;
using btnode::testing::write_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The content tests/data/metainfo/*.torrent were made from (see its README).
void write_fixture_content(const TempDir& dir) {
  write_file(dir / "single.bin", fixture_content(1, 40000));
  write_file(dir / "multi/a.txt", fixture_content(2, 12000));
  write_file(dir / "multi/empty", "");
  write_file(dir / "multi/sub/b.bin", fixture_content(3, 30000));
}

Metainfo load(std::string_view name) {
  auto m = load_torrent_file(data_path(std::string("metainfo/") + std::string(name)));
  EXPECT_TRUE(m) << m.error().message;
  return m ? *m : Metainfo{};
}

TEST(ContentVerify, VerifiesContentOfTorrentsMadeByOtherTools) {
  TempDir dir;
  write_fixture_content(dir);
  for (const char* name : {"single.torrent", "multi.torrent", "hybrid.torrent"}) {
    const Metainfo meta = load(name);
    auto check = verify_on_disk(meta, dir.path(), {.threads = 2});
    ASSERT_TRUE(check) << check.error().message;
    EXPECT_TRUE(check->complete()) << name;
    EXPECT_EQ(check->valid_pieces, meta.piece_count()) << name;
    EXPECT_TRUE(check->bad.empty());
    EXPECT_TRUE(check->missing.empty());
    EXPECT_TRUE(check->problems.empty());
  }
}

TEST(ContentVerify, ReportsBadMissingAndShortFiles) {
  TempDir dir;
  write_fixture_content(dir);
  const Metainfo meta = load("hybrid.torrent");  // pieces of 16 KiB: a.txt | b.bin b.bin
  std::string b = fixture_content(3, 30000);
  b[20000] ^= 0x40;  // piece 2
  write_file(dir / "multi/sub/b.bin", b);
  auto check = verify_on_disk(meta, dir.path());
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ(check->valid_pieces, 2);
  EXPECT_THAT(check->bad, ElementsAre(PieceRange{2, 2}));
  EXPECT_TRUE(check->missing.empty());

  // Short: piece 1 (bytes 0-16383 of b.bin) is still there, piece 2 is not.
  write_file(dir / "multi/sub/b.bin", fixture_content(3, 20000));
  check = verify_on_disk(meta, dir.path());
  ASSERT_TRUE(check);
  EXPECT_EQ(check->valid_pieces, 2);
  EXPECT_THAT(check->missing, ElementsAre(PieceRange{2, 2}));
  ASSERT_EQ(check->problems.size(), 1u);
  EXPECT_THAT(check->problems[0], HasSubstr("b.bin' is 20000 bytes, expected 30000"));

  std::filesystem::remove(dir / "multi/sub/b.bin");
  check = verify_on_disk(meta, dir.path());
  ASSERT_TRUE(check);
  EXPECT_EQ(check->valid_pieces, 1);
  EXPECT_THAT(check->missing, ElementsAre(PieceRange{1, 2}));
  EXPECT_TRUE(check->bad.empty());
  ASSERT_EQ(check->problems.size(), 1u);
  EXPECT_THAT(check->problems[0], HasSubstr("multi/sub/b.bin': missing"));
  EXPECT_FALSE(check->complete());
}

TEST(ContentVerify, ReportsProgressUpToEveryPiece) {
  TempDir dir;
  write_fixture_content(dir);
  const Metainfo meta = load("multi.torrent");
  std::int64_t last_done = -1, last_total = -1;
  VerifyOptions options;
  options.on_progress = [&](std::int64_t done, std::int64_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    last_total = total;
  };
  auto check = verify_on_disk(meta, dir.path(), options);
  ASSERT_TRUE(check);
  EXPECT_EQ(last_done, meta.piece_count());
  EXPECT_EQ(last_total, meta.piece_count());
}

TEST(ContentVerify, MissingDirectoryMeansEveryPieceMissing) {
  TempDir dir;
  const Metainfo meta = load("multi.torrent");
  auto check = verify_on_disk(meta, dir / "nowhere");
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ(check->valid_pieces, 0);
  EXPECT_THAT(check->missing, ElementsAre(PieceRange{0, meta.piece_count() - 1}));
}

}  // namespace
}  // namespace btnode::storage
