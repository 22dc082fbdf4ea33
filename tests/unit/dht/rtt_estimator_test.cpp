#include "dht/rtt_estimator.h"

#include <gtest/gtest.h>

namespace btnode::dht {
namespace {

TEST(RttEstimator, CeilingUntilTheFirstAnswer) {
  RttEstimator rtt;
  EXPECT_FALSE(rtt.has_samples());
  EXPECT_EQ(rtt.timeout(), 1s);
}

TEST(RttEstimator, FirstSampleGivesThreeTimesIt) {
  RttEstimator rtt;
  rtt.add(100ms);
  EXPECT_EQ(rtt.smoothed(), 100ms);
  EXPECT_EQ(rtt.timeout(), 300ms);  // 100 + 4 * 50
}

TEST(RttEstimator, SteadyAnswersShrinkTheTimeoutToTheFloor) {
  RttEstimator rtt;
  for (int i = 0; i < 100; ++i) rtt.add(40ms);
  EXPECT_EQ(rtt.smoothed(), 40ms);
  EXPECT_EQ(rtt.timeout(), 250ms);
}

TEST(RttEstimator, SpreadBetweenNodesWidensIt) {
  RttEstimator rtt;
  // Alternating near and far nodes: mean 160 ms, deviation 140 ms.
  for (int i = 0; i < 200; ++i) rtt.add(i % 2 ? 20ms : 300ms);
  EXPECT_GT(rtt.timeout(), 600ms);
  EXPECT_LE(rtt.timeout(), 1s);
  for (int i = 0; i < 200; ++i) rtt.add(5s);
  EXPECT_EQ(rtt.timeout(), 1s) << "never above the ceiling";
}

TEST(RttEstimator, FixedWhenNotAdaptive) {
  RttEstimator rtt({.adaptive = false, .floor = 250ms, .ceiling = 800ms});
  rtt.add(50ms);
  EXPECT_EQ(rtt.timeout(), 800ms);
}

}  // namespace
}  // namespace btnode::dht
