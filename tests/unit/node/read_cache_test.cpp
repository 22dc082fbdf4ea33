#include "node/read_cache.h"

#include <gtest/gtest.h>

namespace btnode::node {
namespace {

constexpr std::uint32_t kSpan = ReadCache::kSpanSize;

std::shared_ptr<const std::string> bytes(char c) {
  return std::make_shared<const std::string>(16, c);
}

TEST(ReadCache, BlocksMapToTheirAlignedSpanClippedToThePiece) {
  // 1 MiB pieces: one span per piece.
  auto s = ReadCache::span_of(7, 16384, 16384, kSpan);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, (ReadCache::SpanKey{7, 0}));
  EXPECT_EQ(s->second, kSpan);
  // 4 MiB pieces: four spans; the last of a short last piece is clipped.
  s = ReadCache::span_of(2, 3 * kSpan + 16384, 16384, 4 * kSpan);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, (ReadCache::SpanKey{2, 3 * kSpan}));
  EXPECT_EQ(s->second, kSpan);
  s = ReadCache::span_of(9, kSpan, 100, kSpan + 1000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, (ReadCache::SpanKey{9, kSpan}));
  EXPECT_EQ(s->second, 1000u);
  // A small last piece.
  s = ReadCache::span_of(3, 0, 5000, 5000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->second, 5000u);
}

TEST(ReadCache, RangesOutsideThePieceOrAcrossASpanHaveNoSpan) {
  EXPECT_FALSE(ReadCache::span_of(0, 0, 0, kSpan));                       // empty
  EXPECT_FALSE(ReadCache::span_of(0, kSpan - 100, 200, kSpan));           // past the piece
  EXPECT_FALSE(ReadCache::span_of(0, kSpan - 8192, 16384, 2 * kSpan));    // crosses spans
  EXPECT_FALSE(ReadCache::span_of(0, 0xFFFFFFF0u, 0x20, 0x1'0000'0000));  // no overflow
  EXPECT_TRUE(ReadCache::span_of(0, kSpan - 16384, 16384, 2 * kSpan));    // ends on the edge
}

TEST(ReadCache, KeepsTheMostRecentlyUsedSpansWithinCapacity) {
  ReadCache cache(2);
  cache.insert({1, 0}, bytes('a'));
  cache.insert({2, 0}, bytes('b'));
  ASSERT_NE(cache.find({1, 0}), nullptr);  // 1 is now the most recent
  cache.insert({3, 0}, bytes('c'));        // drops 2
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find({2, 0}), nullptr);
  ASSERT_NE(cache.find({1, 0}), nullptr);
  EXPECT_EQ(*cache.find({1, 0}), std::string(16, 'a'));
  EXPECT_EQ(*cache.find({3, 0}), std::string(16, 'c'));
  EXPECT_EQ(cache.find({1, kSpan}), nullptr);  // another span of piece 1
}

TEST(ReadCache, AnEvictedBufferLivesOnWhileReferenced) {
  ReadCache cache(1);
  cache.insert({1, 0}, bytes('a'));
  auto held = cache.find({1, 0});
  cache.insert({2, 0}, bytes('b'));
  EXPECT_EQ(cache.find({1, 0}), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(*held, std::string(16, 'a'));
}

TEST(ReadCache, ReinsertingASpanReplacesItWithoutGrowing) {
  ReadCache cache(2);
  cache.insert({1, 0}, bytes('a'));
  cache.insert({1, 0}, bytes('z'));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(*cache.find({1, 0}), std::string(16, 'z'));
}

}  // namespace
}  // namespace btnode::node
