#include "core/content_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace btnode {
namespace {

using ::testing::ElementsAre;

TEST(ContentCheck, AdjacentPiecesMergeIntoOneRange) {
  std::vector<PieceRange> r;
  for (std::int64_t p : {1, 2, 3, 6, 8, 9}) add_to_ranges(r, p);
  EXPECT_THAT(r, ElementsAre(PieceRange{1, 3}, PieceRange{6, 6}, PieceRange{8, 9}));
}

TEST(ContentCheck, CompleteOnlyWhenEveryPieceIsValid) {
  ContentCheck c;
  c.total_pieces = 3;
  c.valid_pieces = 2;
  EXPECT_FALSE(c.complete());
  c.valid_pieces = 3;
  EXPECT_TRUE(c.complete());
}

}  // namespace
}  // namespace btnode
