#include "node/rate_estimator.h"

#include <gtest/gtest.h>

namespace btnode::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint{} + seconds(1000);

TEST(RateEstimatorTest, EmptyIsZero) {
  RateEstimator estimator;
  EXPECT_EQ(estimator.rate(kStart), 0.0);
}

TEST(RateEstimatorTest, SteadyFlowReadsItsRate) {
  RateEstimator estimator(seconds(5));
  // 100 KB every 100 ms = 1 MB/s for 10 s.
  for (int i = 0; i < 100; ++i) estimator.add(100'000, kStart + milliseconds(100 * i));
  const double rate = estimator.rate(kStart + milliseconds(9950));
  EXPECT_NEAR(rate, 1'000'000, 50'000);
  EXPECT_EQ(estimator.total(), 10'000'000u);
}

TEST(RateEstimatorTest, YoungEstimatorCountsOnlyItsLifetime) {
  RateEstimator estimator(seconds(5));
  estimator.add(500'000, kStart);
  estimator.add(500'000, kStart + seconds(1));
  // 1 MB over 1 s, not over the 5 s window.
  EXPECT_NEAR(estimator.rate(kStart + seconds(1)), 1'000'000, 1);
}

TEST(RateEstimatorTest, OldBytesLeaveTheWindow) {
  RateEstimator estimator(seconds(5));
  for (int i = 0; i < 50; ++i) estimator.add(100'000, kStart + milliseconds(100 * i));
  EXPECT_GT(estimator.rate(kStart + seconds(5)), 500'000);
  EXPECT_EQ(estimator.rate(kStart + seconds(11)), 0.0);
  // A new sample after the silence does not resurrect the old slots.
  estimator.add(1000, kStart + seconds(20));
  // The window at a slot boundary spans 9 whole slots (4.5 s).
  EXPECT_NEAR(estimator.rate(kStart + seconds(20)), 1000.0 / 4.5, 1);
}

TEST(RateEstimatorTest, SamplesFromBeforeTheWindowAreDropped) {
  RateEstimator estimator(seconds(5));
  estimator.add(1000, kStart + seconds(10));
  estimator.add(1'000'000, kStart);  // clock went back 10 s
  EXPECT_EQ(estimator.total(), 1000u);
}

}  // namespace
}  // namespace btnode::node
