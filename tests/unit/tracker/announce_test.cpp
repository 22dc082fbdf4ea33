#include "tracker/announce.h"

#include <gtest/gtest.h>

namespace btnode::tracker {
namespace {

TEST(Announce, EventNamesFollowBep3) {
  EXPECT_EQ(event_name(Event::started), "started");
  EXPECT_EQ(event_name(Event::completed), "completed");
  EXPECT_EQ(event_name(Event::stopped), "stopped");
  EXPECT_EQ(event_name(Event::none), "");
}

TEST(Announce, IntervalsAreClamped) {
  EXPECT_EQ(clamp_interval(0), kMinInterval);
  EXPECT_EQ(clamp_interval(-5), kMinInterval);
  EXPECT_EQ(clamp_interval(1800), 1800u);
  EXPECT_EQ(clamp_interval(315'360'000), kMaxInterval);
}

}  // namespace
}  // namespace btnode::tracker
