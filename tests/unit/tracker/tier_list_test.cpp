#include "tracker/tier_list.h"

#include <gtest/gtest.h>

#include <set>

namespace btnode::tracker {
namespace {

std::vector<std::string> walk(const TierList& t) {
  std::vector<std::string> out;
  for (auto at = t.first(); at; at = t.next(*at)) out.push_back(t.url(*at));
  return out;
}

TEST(TierList, TriesTierByTierAndDropsEmptiesAndDuplicates) {
  TierList t({{"a"}, {}, {"", "b", "a"}, {"c"}}, 1);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(walk(t), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(TierList, ShufflesWithinATierOnly) {
  std::set<std::vector<std::string>> orders;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    TierList t({{"a1", "a2", "a3"}, {"b"}}, seed);
    auto w = walk(t);
    ASSERT_EQ(w.size(), 4u);
    EXPECT_EQ(w.back(), "b");
    orders.insert(w);
  }
  EXPECT_GT(orders.size(), 3u);
}

TEST(TierList, PromoteMovesTheWorkingTrackerToTheFrontOfItsTier) {
  TierList t({{"a1", "a2", "a3"}, {"b1", "b2"}}, 3);
  auto order = walk(t);
  TierPosition third{0, 2};
  std::string winner = t.url(third);
  t.promote(third);
  auto after = walk(t);
  EXPECT_EQ(after[0], winner);
  EXPECT_EQ(after[1], order[0]);
  EXPECT_EQ(after[2], order[1]);
  EXPECT_EQ(std::vector(after.begin() + 3, after.end()), std::vector(order.begin() + 3, order.end()));
}

TEST(TierList, EmptyListHasNoFirst) {
  TierList t({}, 0);
  EXPECT_TRUE(t.empty());
  EXPECT_FALSE(t.first());
}

}  // namespace
}  // namespace btnode::tracker
