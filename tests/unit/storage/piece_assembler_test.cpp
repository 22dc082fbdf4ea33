#include "storage/piece_assembler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace btnode::storage {
namespace {

using ::testing::ElementsAre;

// 3 pieces of 40 KiB (3 blocks: 16+16+8 KiB) and a last piece of 20000 bytes.
FileLayout layout() {
  return *FileLayout::create({{3 * 40960 + 20000, false}}, 40960);
}

std::string block(char c, std::int64_t n) {
  return std::string(static_cast<std::size_t>(n), c);
}

TEST(PieceAssembler, CollectsBlocksInAnyOrderAndReportsDistinctSenders) {
  PieceAssembler a(layout());
  EXPECT_EQ(a.block_count(0), 3);
  EXPECT_EQ(a.add_block(0, 32768, block('c', 8192), 7), BlockStatus::accepted);
  EXPECT_EQ(a.add_block(0, 0, block('a', 16384), 5), BlockStatus::accepted);
  EXPECT_FALSE(a.take(0));  // not complete yet
  EXPECT_TRUE(a.has_block(0, 0));
  EXPECT_FALSE(a.has_block(0, 16384));
  EXPECT_EQ(a.add_block(0, 16384, block('b', 16384), 7), BlockStatus::complete);
  auto piece = a.take(0);
  ASSERT_TRUE(piece);
  EXPECT_EQ(piece->bytes, block('a', 16384) + block('b', 16384) + block('c', 8192));
  EXPECT_THAT(piece->senders, ElementsAre(5, 7));
  EXPECT_EQ(a.pieces_in_progress(), 0u);
}

TEST(PieceAssembler, DropForgetsAPieceInProgress) {
  PieceAssembler a(layout());
  EXPECT_FALSE(a.drop(0));
  EXPECT_EQ(a.add_block(0, 0, block('a', 16384), 5), BlockStatus::accepted);
  EXPECT_TRUE(a.drop(0));
  EXPECT_FALSE(a.has_block(0, 0));
  EXPECT_EQ(a.pieces_in_progress(), 0u);
}

TEST(PieceAssembler, DuplicateBlockKeepsFirstCopy) {
  PieceAssembler a(layout());
  EXPECT_EQ(a.add_block(3, 0, block('x', 16384), 1), BlockStatus::accepted);
  EXPECT_EQ(a.add_block(3, 0, block('y', 16384), 2), BlockStatus::duplicate);
  EXPECT_EQ(a.add_block(3, 16384, block('z', 20000 - 16384), 1), BlockStatus::complete);
  auto piece = a.take(3);
  ASSERT_TRUE(piece);
  EXPECT_EQ(piece->bytes.substr(0, 1), "x");
  EXPECT_THAT(piece->senders, ElementsAre(1));
}

TEST(PieceAssembler, RejectsInvalidBlocksWithoutStoringThem) {
  PieceAssembler a(layout());
  EXPECT_EQ(a.add_block(-1, 0, block('a', 16384), 1), BlockStatus::invalid);
  EXPECT_EQ(a.add_block(4, 0, block('a', 16384), 1), BlockStatus::invalid);
  EXPECT_EQ(a.add_block(0, 100, block('a', 16384), 1), BlockStatus::invalid);    // unaligned
  EXPECT_EQ(a.add_block(0, 0, block('a', 100), 1), BlockStatus::invalid);        // short
  EXPECT_EQ(a.add_block(0, 32768, block('a', 16384), 1), BlockStatus::invalid);  // past end
  EXPECT_EQ(a.add_block(0, 49152, block('a', 1), 1), BlockStatus::invalid);
  EXPECT_EQ(a.pieces_in_progress(), 0u);
}

TEST(PieceAssembler, TracksBufferedMemoryAndDrop) {
  PieceAssembler a(layout());
  a.add_block(1, 0, block('a', 16384), 1);
  a.add_block(3, 0, block('a', 16384), 1);
  EXPECT_EQ(a.buffered_bytes(), 40960 + 20000);
  a.drop(1);
  EXPECT_EQ(a.buffered_bytes(), 20000);
  EXPECT_FALSE(a.has_block(1, 0));
}

}  // namespace
}  // namespace btnode::storage
