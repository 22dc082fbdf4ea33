#include "dht/outbound_budget.h"

#include <gtest/gtest.h>

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

TEST(OutboundBudget, BurstThenRate) {
  OutboundBudget b({.packets_per_second = 100, .burst = 10}, kT0);
  int sent = 0;
  for (int i = 0; i < 50; ++i) sent += b.take(kT0) ? 1 : 0;
  EXPECT_EQ(sent, 10);
  EXPECT_EQ(b.refused(), 40u);
  // 100 ms at 100/s refills 10 packets.
  sent = 0;
  for (int i = 0; i < 50; ++i) sent += b.take(kT0 + 100ms) ? 1 : 0;
  EXPECT_EQ(sent, 10);
  // A long pause refills no more than the burst.
  sent = 0;
  for (int i = 0; i < 50; ++i) sent += b.take(kT0 + 1h) ? 1 : 0;
  EXPECT_EQ(sent, 10);
}

TEST(OutboundBudget, ZeroRateIsUnlimited) {
  OutboundBudget b({.packets_per_second = 0, .burst = 1}, kT0);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(b.take(kT0));
  EXPECT_EQ(b.refused(), 0u);
}

}  // namespace
}  // namespace btnode::dht
