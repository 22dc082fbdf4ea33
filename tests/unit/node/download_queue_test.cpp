#include "node/download_queue.h"

#include <gtest/gtest.h>

#include <set>

namespace btnode::node {
namespace {

constexpr std::uint32_t kBlock = wire::kBlockSize;

auto all = [](std::uint32_t) { return true; };
auto none_outstanding = [](const wire::BlockRef&) { return false; };

TEST(DownloadQueue, LastPieceAndLastBlockAreShort) {
  // 3 pieces of 2 blocks; the last piece has one block of 100 bytes.
  DownloadQueue q(3, 2 * kBlock, 4 * kBlock + 100);
  EXPECT_EQ(q.piece_size(2), 100u);
  EXPECT_EQ(q.block_count(2), 1u);
  std::set<wire::BlockRef> seen;
  while (auto b = q.pick(all, none_outstanding)) seen.insert(*b);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_TRUE(seen.contains(wire::BlockRef{2, 0, 100}));
  EXPECT_TRUE(seen.contains(wire::BlockRef{1, kBlock, kBlock}));
}

TEST(DownloadQueue, FinishesStartedPiecesFirst) {
  DownloadQueue q(4, 4 * kBlock, 16 * kBlock);
  auto first = q.pick(all, none_outstanding);
  ASSERT_TRUE(first);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.pick(all, none_outstanding)->piece, first->piece);
  EXPECT_NE(q.pick(all, none_outstanding)->piece, first->piece);
}

TEST(DownloadQueue, OnlyPiecesThePeerHas) {
  DownloadQueue q(4, kBlock, 4 * kBlock);
  auto only_two = [](std::uint32_t p) { return p == 2; };
  EXPECT_EQ(q.pick(only_two, none_outstanding)->piece, 2u);
  EXPECT_FALSE(q.pick(only_two, none_outstanding));  // not endgame: others are not started
}

TEST(DownloadQueue, StartsAtTheGivenPiece) {
  DownloadQueue q(10, kBlock, 10 * kBlock, 7);
  EXPECT_EQ(q.pick(all, none_outstanding)->piece, 7u);
  EXPECT_EQ(q.pick(all, none_outstanding)->piece, 8u);
}

TEST(DownloadQueue, ReturnedBlocksArePickedAgain) {
  DownloadQueue q(1, 2 * kBlock, 2 * kBlock);
  auto a = *q.pick(all, none_outstanding);
  auto b = *q.pick(all, none_outstanding);
  q.received(a);
  q.returned(b);
  EXPECT_EQ(*q.pick(all, none_outstanding), b);
}

TEST(DownloadQueue, EndgameAsksASecondPeerOnceAndNeverTheSameOne) {
  DownloadQueue q(1, 2 * kBlock, 2 * kBlock);
  auto a = *q.pick(all, none_outstanding);
  auto b = *q.pick(all, none_outstanding);
  EXPECT_TRUE(q.endgame());
  // The first peer has both outstanding: nothing for it.
  std::set<wire::BlockRef> mine{a, b};
  auto at_first = [&](const wire::BlockRef& x) { return mine.contains(x); };
  EXPECT_FALSE(q.pick(all, at_first));
  // A second peer gets each block once more, then nothing (two copies at most).
  std::set<wire::BlockRef> second;
  while (auto x = q.pick(all, [&](const wire::BlockRef& y) { return second.contains(y); }))
    second.insert(*x);
  EXPECT_EQ(second, mine);
  EXPECT_FALSE(q.pick(all, none_outstanding));
}

TEST(DownloadQueue, FailedPieceIsFetchedAgainAndDonePiecesNever) {
  DownloadQueue q(2, kBlock, 2 * kBlock);
  q.piece_done(1);
  EXPECT_EQ(q.remaining_pieces(), 1u);
  auto a = *q.pick(all, none_outstanding);
  EXPECT_EQ(a.piece, 0u);
  q.received(a);
  EXPECT_FALSE(q.pick(all, none_outstanding));
  q.piece_failed(0);
  EXPECT_EQ(*q.pick(all, none_outstanding), a);
  q.piece_done(0);
  EXPECT_EQ(q.remaining_pieces(), 0u);
  EXPECT_FALSE(q.pick(all, none_outstanding));
  EXPECT_FALSE(q.wanted(0));
}

}  // namespace
}  // namespace btnode::node
