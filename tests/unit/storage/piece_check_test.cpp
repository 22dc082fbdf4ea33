#include "storage/piece_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/storage/storage_test_support.h"

namespace btnode::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::make_content;
using testing::TempDir;

std::optional<CheckResult> run(const testing::Content& c, const std::filesystem::path& dir,
                               const Bitfield& which, unsigned threads,
                               std::shared_ptr<std::atomic<bool>> cancel = nullptr) {
  testing::Loop loop;
  std::optional<CheckResult> result;
  {
    WorkerPool pool(threads);
    CheckRequest request{testing::make_store(c, dir),
                         std::make_shared<const std::vector<Sha1Digest>>(c.hashes()), which,
                         std::move(cancel)};
    check_pieces(std::move(request), pool, loop.post(), [&](CheckResult r) { result = r; });
    EXPECT_TRUE(loop.run_until([&] { return result.has_value(); }));
  }
  return result;
}

Bitfield all(std::int64_t n) {
  Bitfield b(n);
  for (std::int64_t i = 0; i < n; ++i) b.set(i);
  return b;
}

TEST(PieceCheck, FindsGoodBadAndUnreadablePieces) {
  TempDir dir;
  // 1 MiB pieces are read in 256 KiB chunks; the second file ends mid-piece.
  const auto c = make_content({3 << 20, (1 << 20) + 5, -11, 100}, 1 << 20);
  for (std::size_t f : {0u, 1u}) testing::write_file(dir / c.paths[f], c.file_bytes(f));
  std::string bad = c.file_bytes(0);
  bad[(1 << 20) + 7] ^= 1;  // piece 1
  testing::write_file(dir / c.paths[0], bad);
  for (unsigned threads : {1u, 2u, 4u}) {
    auto r = run(c, dir.path(), all(c.layout().piece_count()), threads);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->checked, 5);
    EXPECT_TRUE(r->valid.test(0));
    EXPECT_FALSE(r->valid.test(1));
    EXPECT_TRUE(r->valid.test(2));
    EXPECT_TRUE(r->valid.test(3));
    EXPECT_FALSE(r->valid.test(4));  // its last file was never written
    EXPECT_THAT(r->problems, ElementsAre(HasSubstr("file deleted reading 't/d/f3'")));
  }
}

TEST(PieceCheck, OnlyRequestedPiecesAreHashed) {
  TempDir dir;
  const auto c = make_content({100000}, 16384);
  testing::write_file(dir / c.paths[0], c.file_bytes(0));
  Bitfield which(c.layout().piece_count());
  which.set(2);
  which.set(6);
  auto r = run(c, dir.path(), which, 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->checked, 2);
  EXPECT_EQ(r->valid, which);
}

TEST(PieceCheck, NothingToCheckStillCompletes) {
  TempDir dir;
  const auto c = make_content({100}, 16384);
  auto r = run(c, dir.path(), Bitfield(1), 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->checked, 0);
}

TEST(PieceCheck, CancelStopsEarlyAndSaysSo) {
  TempDir dir;
  const auto c = make_content({100000}, 16384);
  testing::write_file(dir / c.paths[0], c.file_bytes(0));
  auto cancel = std::make_shared<std::atomic<bool>>(true);
  auto r = run(c, dir.path(), all(c.layout().piece_count()), 2, cancel);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->valid.count(), 0);
}

}  // namespace
}  // namespace btnode::storage
