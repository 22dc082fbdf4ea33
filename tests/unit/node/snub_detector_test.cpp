#include "node/snub_detector.h"

#include <gtest/gtest.h>

namespace btnode::node {
namespace {

using std::chrono::seconds;

const TimePoint kStart = TimePoint{} + seconds(1000);

TEST(SnubDetectorTest, SnubbedAfterSixtySilentSecondsWithRequestsOut) {
  SnubDetector snub;
  snub.on_waiting_started(kStart);
  EXPECT_FALSE(snub.check(kStart + seconds(59), false, true));
  EXPECT_TRUE(snub.check(kStart + seconds(60), false, true));
  EXPECT_TRUE(snub.snubbed());
  EXPECT_FALSE(snub.check(kStart + seconds(61), false, true));  // reported once
  snub.on_block(kStart + seconds(70));
  EXPECT_FALSE(snub.snubbed());
  EXPECT_FALSE(snub.check(kStart + seconds(129), false, true));
  EXPECT_TRUE(snub.check(kStart + seconds(130), false, true));
}

TEST(SnubDetectorTest, NotSnubbedWhileChokingUsOrWithNothingAsked) {
  SnubDetector snub;
  snub.on_waiting_started(kStart);
  EXPECT_FALSE(snub.check(kStart + seconds(100), true, true));
  EXPECT_FALSE(snub.check(kStart + seconds(100), false, false));
  EXPECT_FALSE(snub.snubbed());
}

}  // namespace
}  // namespace btnode::node
