#include "dht/rtt_estimator.h"

#include <gtest/gtest.h>

namespace btnode::dht {
namespace {

TEST(RttEstimator, CeilingUntilTheFirstAnswer) {
  RttEstimator rtt;
  EXPECT_FALSE(rtt.has_samples());
  EXPECT_EQ(rtt.timeout(), 1s);
}

TEST(RttEstimator, FirstSampleGivesTwiceIt) {
  RttEstimator rtt;
  rtt.add(200ms);
  EXPECT_EQ(rtt.smoothed(), 200ms);
  EXPECT_EQ(rtt.timeout(), 400ms);  // 200 + 2 * 100
  RttEstimator tcp({.deviations = 4});
  tcp.add(200ms);
  EXPECT_EQ(tcp.timeout(), 600ms);  // RFC 6298: 200 + 4 * 100
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
  EXPECT_GT(rtt.timeout(), 400ms);
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
