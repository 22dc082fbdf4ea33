#include "tracker/announce_schedule.h"

#include <gtest/gtest.h>

namespace btnode::tracker {
namespace {

using namespace std::chrono_literals;
const TimePoint kT0{std::chrono::hours(1)};

AnnounceResponse answer(std::uint32_t interval, std::optional<std::uint32_t> min = {}) {
  AnnounceResponse r;
  r.interval = interval;
  r.min_interval = min;
  return r;
}

TEST(AnnounceSchedule, StartedUntilATrackerTookItThenRegular) {
  AnnounceSchedule s(kT0, false);
  EXPECT_EQ(s.due(), kT0);
  EXPECT_EQ(s.event(), Event::started);
  s.on_failure(kT0);
  EXPECT_EQ(s.event(), Event::started);
  EXPECT_EQ(s.due(), kT0 + 15s);
  s.on_failure(kT0 + 15s);
  EXPECT_EQ(s.due(), kT0 + 45s);
  s.on_success(kT0 + 50s, answer(900));
  EXPECT_EQ(s.event(), Event::none);
  EXPECT_EQ(s.due(), kT0 + 950s);
}

TEST(AnnounceSchedule, CompletedOnceAndRightAwayDespiteMinInterval) {
  AnnounceSchedule s(kT0, false);
  s.on_success(kT0, answer(900, 120));
  s.on_complete(kT0 + 10s);
  EXPECT_EQ(s.event(), Event::completed);
  EXPECT_TRUE(s.completed_pending());
  EXPECT_EQ(s.due(), kT0 + 10s);
  s.on_success(kT0 + 10s, answer(900));
  EXPECT_FALSE(s.completed_pending());
  EXPECT_EQ(s.event(), Event::none);
  s.on_complete(kT0 + 200s);
  EXPECT_EQ(s.event(), Event::none);
}

TEST(AnnounceSchedule, ASeedNeverSendsCompleted) {
  AnnounceSchedule s(kT0, true);
  s.on_success(kT0, answer(900));
  s.on_complete(kT0 + 1s);
  EXPECT_EQ(s.event(), Event::none);
  EXPECT_EQ(s.due(), kT0 + 900s);
}

TEST(AnnounceSchedule, HurryRespectsMinIntervalAndBackoff) {
  AnnounceSchedule s(kT0, false);
  s.on_success(kT0, answer(1800, 300));
  s.hurry(kT0 + 10s);
  EXPECT_EQ(s.due(), kT0 + 300s);
  s.on_failure(kT0 + 300s);
  auto backed_off = s.due();
  s.hurry(kT0 + 301s);
  EXPECT_EQ(s.due(), backed_off);
}

TEST(AnnounceSchedule, BackoffIsCappedAt30Minutes) {
  AnnounceSchedule s(kT0, false);
  TimePoint now = kT0;
  for (int i = 0; i < 20; ++i) s.on_failure(now);
  EXPECT_EQ(s.due(), now + 1800s);
}

}  // namespace
}  // namespace btnode::tracker
