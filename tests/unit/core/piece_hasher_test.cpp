#include "core/piece_hasher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "tests/unit/core/test_files.h"

namespace btnode {
namespace {

using testing::fixture_content;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

constexpr std::int64_t kPiece = 16384;

HashOptions on_threads(unsigned threads, const std::atomic<bool>* cancel = nullptr) {
  HashOptions options;
  options.threads = threads;
  options.cancel = cancel;
  return options;
}

// Reference: SHA-1 of each piece_length slice of the concatenated content.
std::vector<Sha1Digest> reference(const std::string& all, std::int64_t piece) {
  std::vector<Sha1Digest> out;
  for (std::size_t pos = 0; pos < all.size(); pos += static_cast<std::size_t>(piece)) {
    out.push_back(sha1(std::string_view(all).substr(pos, static_cast<std::size_t>(piece))));
  }
  return out;
}

struct Content {
  std::vector<ContentFile> files;
  std::string all;  // the concatenation, pad files as zeros
};

// Sizes chosen so pieces span several files, start inside files and include
// 0-byte files at the start, middle and end.
Content make_content(const TempDir& dir, const std::vector<std::int64_t>& sizes) {
  Content c;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const auto path = dir / ("f" + std::to_string(i));
    const std::string bytes =
        fixture_content(static_cast<int>(i), static_cast<std::size_t>(sizes[i]));
    write_file(path, bytes);
    c.files.push_back({path, sizes[i], false});
    c.all += bytes;
  }
  return c;
}

std::vector<Sha1Digest> all_hashed(const PieceHashes& h) {
  std::vector<Sha1Digest> out;
  for (const auto& p : h.pieces) {
    EXPECT_TRUE(p.has_value());
    if (p) out.push_back(*p);
  }
  return out;
}

TEST(PieceHasher, MatchesSingleThreadedSha1OfTheConcatenation) {
  TempDir dir;
  const Content c = make_content(dir, {0, 5000, 40000, 0, 16384, 1, 100000, 7, 0});
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    auto h = hash_pieces(c.files, kPiece, on_threads(threads));
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(all_hashed(*h), reference(c.all, kPiece)) << threads << " threads";
    EXPECT_EQ(h->missing_count(), 0);
    EXPECT_FALSE(h->cancelled);
    EXPECT_EQ(h->file_errors, std::vector<std::string>(c.files.size()));
  }
}

TEST(PieceHasher, LargePiecesAndManySmallFiles) {
  TempDir dir;
  // 300 files: more than a worker's open-file cache, several per piece.
  std::vector<std::int64_t> sizes;
  for (int i = 0; i < 300; ++i) sizes.push_back(1000 + i * 37);
  const Content c = make_content(dir, sizes);
  for (std::int64_t piece : {kPiece, std::int64_t{1} << 20}) {
    auto h = hash_pieces(c.files, piece, on_threads(2));
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(all_hashed(*h), reference(c.all, piece));
  }
}

TEST(PieceHasher, PadFilesHashAsZerosWithoutTouchingDisk) {
  TempDir dir;
  Content c = make_content(dir, {1000});
  c.files.push_back({dir / "does-not-exist", 3 * kPiece - 1000, true});
  c.all += std::string(3 * kPiece - 1000, '\0');
  auto h = hash_pieces(c.files, kPiece, on_threads(2));
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(all_hashed(*h), reference(c.all, kPiece));
}

TEST(PieceHasher, MissingFileMarksOnlyItsPiecesMissing) {
  TempDir dir;
  Content c = make_content(dir, {2 * kPiece, kPiece + 10, 2 * kPiece});
  std::filesystem::remove(c.files[1].path);
  auto h = hash_pieces(c.files, kPiece, on_threads(2));
  ASSERT_TRUE(h) << h.error().message;
  const auto ref = reference(c.all, kPiece);
  ASSERT_EQ(h->pieces.size(), 6u);
  EXPECT_EQ(h->pieces[0], ref[0]);
  EXPECT_EQ(h->pieces[1], ref[1]);
  EXPECT_FALSE(h->pieces[2]);  // file 1
  EXPECT_FALSE(h->pieces[3]);  // file 1's last 10 bytes + file 2
  EXPECT_EQ(h->pieces[4], ref[4]);
  EXPECT_EQ(h->pieces[5], ref[5]);
  EXPECT_EQ(h->missing_count(), 2);
  EXPECT_THAT(h->file_errors[1], HasSubstr("No such file or directory"));
  EXPECT_THAT(h->file_errors[1], HasSubstr(c.files[1].path.string()));
  EXPECT_TRUE(h->file_errors[0].empty());
}

TEST(PieceHasher, TruncatedFileKeepsThePiecesItStillHas) {
  TempDir dir;
  Content c = make_content(dir, {3 * kPiece, kPiece});
  std::filesystem::resize_file(c.files[0].path, kPiece + 100);
  auto h = hash_pieces(c.files, kPiece, on_threads(1));
  ASSERT_TRUE(h) << h.error().message;
  const auto ref = reference(c.all, kPiece);
  EXPECT_EQ(h->pieces[0], ref[0]);
  EXPECT_FALSE(h->pieces[1]);
  EXPECT_FALSE(h->pieces[2]);
  EXPECT_EQ(h->pieces[3], ref[3]);
  EXPECT_THAT(h->file_errors[0], HasSubstr("is 16484 bytes, expected 49152"));
}

TEST(PieceHasher, ModifiedBytesGiveADifferentHashNotAMissingPiece) {
  TempDir dir;
  Content c = make_content(dir, {2 * kPiece});
  std::string changed = c.all;
  changed[kPiece + 5] ^= 1;
  write_file(c.files[0].path, changed);
  auto h = hash_pieces(c.files, kPiece, {});
  ASSERT_TRUE(h) << h.error().message;
  const auto ref = reference(c.all, kPiece);
  EXPECT_EQ(h->pieces[0], ref[0]);
  ASSERT_TRUE(h->pieces[1]);
  EXPECT_NE(*h->pieces[1], ref[1]);
}

TEST(PieceHasher, DirectoryInPlaceOfFileIsReported) {
  TempDir dir;
  std::filesystem::create_directory(dir / "d");
  auto h = hash_pieces({{dir / "d", 10, false}}, kPiece, {});
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_FALSE(h->pieces[0]);
  EXPECT_THAT(h->file_errors[0], HasSubstr("is not a regular file"));
}

TEST(PieceHasher, ProgressIsReportedForEveryPiece) {
  TempDir dir;
  const Content c = make_content(dir, {20 * kPiece + 3});
  std::mutex m;
  std::vector<std::int64_t> seen;
  HashOptions options = on_threads(3);
  options.on_progress = [&](std::int64_t done, std::int64_t total) {
    std::lock_guard lock(m);
    EXPECT_EQ(total, 21);
    seen.push_back(done);
  };
  ASSERT_TRUE(hash_pieces(c.files, kPiece, options));
  std::sort(seen.begin(), seen.end());
  std::vector<std::int64_t> expected(21);
  for (int i = 0; i < 21; ++i) expected[i] = i + 1;
  EXPECT_EQ(seen, expected);
}

TEST(PieceHasher, CancelStopsClaimingPieces) {
  TempDir dir;
  const Content c = make_content(dir, {10 * kPiece});
  std::atomic<bool> cancel{true};
  auto h = hash_pieces(c.files, kPiece, on_threads(2, &cancel));
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_TRUE(h->cancelled);
  EXPECT_EQ(h->missing_count(), 10);

  // Cancelling from the progress callback stops the job part-way.
  cancel = false;
  HashOptions options = on_threads(1, &cancel);
  options.on_progress = [&](std::int64_t done, std::int64_t) { cancel = done >= 3; };
  h = hash_pieces(c.files, kPiece, options);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->cancelled);
  EXPECT_EQ(h->missing_count(), 7);
}

TEST(PieceHasher, RejectsInvalidArguments) {
  EXPECT_FALSE(hash_pieces({}, 0));
  auto h = hash_pieces({{"x", -1, false}}, kPiece);
  ASSERT_FALSE(h);
  EXPECT_THAT(h.error().message, HasSubstr("negative size"));
  h = hash_pieces({{"x", INT64_MAX, true}, {"y", 1, true}}, kPiece);
  ASSERT_FALSE(h);
  EXPECT_THAT(h.error().message, HasSubstr("overflows"));
}

TEST(PieceHasher, EmptyContentHasNoPieces) {
  TempDir dir;
  const Content c = make_content(dir, {0, 0});
  auto h = hash_pieces(c.files, kPiece, {});
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->pieces.empty());
  EXPECT_FALSE(h->cancelled);
}

}  // namespace
}  // namespace btnode
