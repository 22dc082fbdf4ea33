#include "core/content_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/core/test_files.h"

namespace btnode {
namespace {

using testing::data_path;
using ::testing::ElementsAre;
using testing::fixture_content;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

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

TEST(ContentCheck, MapsFilesUnderTheDownloadDirectory) {
  const Metainfo single = load("single.torrent");
  auto files = content_files(single, "/dl");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "/dl/single.bin");
  EXPECT_EQ(files[0].size, 40000);

  const Metainfo hybrid = load("hybrid.torrent");
  files = content_files(hybrid, "/dl");
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files[0].path, "/dl/multi/a.txt");
  EXPECT_TRUE(files[1].pad);
  EXPECT_FALSE(files[3].pad);
}

TEST(ContentCheck, VerifiesContentOfTorrentsMadeByOtherTools) {
  TempDir dir;
  write_fixture_content(dir);
  for (const char* name : {"single.torrent", "multi.torrent", "hybrid.torrent"}) {
    const Metainfo meta = load(name);
    HashOptions options;
    options.threads = 2;
    auto check = verify_content(meta, dir.path(), options);
    ASSERT_TRUE(check) << check.error().message;
    EXPECT_TRUE(check->complete()) << name;
    EXPECT_EQ(check->valid_pieces, meta.piece_count()) << name;
    EXPECT_TRUE(check->bad.empty());
    EXPECT_TRUE(check->missing.empty());
    EXPECT_TRUE(check->problems.empty());
  }
}

TEST(ContentCheck, ReportsBadAndMissingRanges) {
  TempDir dir;
  write_fixture_content(dir);
  const Metainfo meta = load("hybrid.torrent");  // pieces of 16 KiB: a.txt | b.bin b.bin
  std::string b = fixture_content(3, 30000);
  b[20000] ^= 0x40;  // piece 2
  write_file(dir / "multi/sub/b.bin", b);
  auto check = verify_content(meta, dir.path());
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ(check->valid_pieces, 2);
  EXPECT_THAT(check->bad, ElementsAre(PieceRange{2, 2}));
  EXPECT_FALSE(check->complete());

  std::filesystem::remove(dir / "multi/sub/b.bin");
  check = verify_content(meta, dir.path());
  ASSERT_TRUE(check);
  EXPECT_EQ(check->valid_pieces, 1);
  EXPECT_THAT(check->missing, ElementsAre(PieceRange{1, 2}));
  ASSERT_EQ(check->problems.size(), 1u);
  EXPECT_THAT(check->problems[0], HasSubstr("multi/sub/b.bin': No such file or directory"));
}

TEST(ContentCheck, ComparePiecesMergesConsecutiveRanges) {
  const Sha1Digest a = sha1("a"), b = sha1("b");
  PieceHashes h;
  h.pieces = {a, b, b, std::nullopt, std::nullopt, a, b, std::nullopt};
  h.file_errors = {"", "'x': gone", ""};
  const std::vector<Sha1Digest> expected{a, a, a, a, a, a, a, a, a};  // one more than hashed
  const ContentCheck c = compare_pieces(h, expected);
  EXPECT_EQ(c.total_pieces, 9);
  EXPECT_EQ(c.valid_pieces, 2);
  EXPECT_THAT(c.bad, ElementsAre(PieceRange{1, 2}, PieceRange{6, 6}));
  EXPECT_THAT(c.missing, ElementsAre(PieceRange{3, 4}, PieceRange{7, 8}));
  EXPECT_THAT(c.problems, ElementsAre("'x': gone"));
}

}  // namespace
}  // namespace btnode
