#include "dht/rate_limiter.h"

#include <gtest/gtest.h>

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

Endpoint host(std::uint8_t i, std::uint16_t port = 6881) {
  return Endpoint::v4({198, 51, 100, i}, port);
}

RateLimiterOptions small() {
  RateLimiterOptions o;
  o.max_packets = 3;
  o.window = 1s;
  o.block_for = 1min;
  o.max_tracked = 4;
  return o;
}

TEST(RateLimiter, AllowsUpToTheLimitPerWindow) {
  RateLimiter limiter(small());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow(host(1), kT0));
  EXPECT_TRUE(limiter.allow(host(2), kT0));  // other hosts are unaffected
  // A new window starts the count again.
  RateLimiter slow(small());
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(slow.allow(host(1), kT0 + i * 1s));
}

TEST(RateLimiter, ExceedingBlocksForTheBlockDuration) {
  RateLimiter limiter(small());
  for (int i = 0; i < 3; ++i) limiter.allow(host(1), kT0);
  EXPECT_FALSE(limiter.allow(host(1, 1234), kT0));  // any port of that host
  EXPECT_TRUE(limiter.is_blocked(host(1), kT0 + 59s));
  EXPECT_FALSE(limiter.allow(host(1), kT0 + 59s));
  EXPECT_FALSE(limiter.is_blocked(host(1), kT0 + 60s));
  EXPECT_TRUE(limiter.allow(host(1), kT0 + 60s));
}

TEST(RateLimiter, MemoryIsBounded) {
  RateLimiter limiter(small());
  for (std::uint8_t i = 0; i < 100; ++i) EXPECT_TRUE(limiter.allow(host(i), kT0));
  EXPECT_LE(limiter.tracked(), 4u);
  // Stale entries are pruned to make room for new hosts.
  EXPECT_TRUE(limiter.allow(host(200), kT0 + 2s));
  EXPECT_LE(limiter.tracked(), 4u);
  for (int i = 0; i < 3; ++i) limiter.allow(host(200), kT0 + 2s);
  EXPECT_TRUE(limiter.is_blocked(host(200), kT0 + 2s));
}

TEST(RateLimiter, BlockedHostsSurvivePruning) {
  RateLimiter limiter(small());
  for (int i = 0; i < 4; ++i) limiter.allow(host(1), kT0);
  for (std::uint8_t i = 2; i < 50; ++i) limiter.allow(host(i), kT0 + 10s);
  EXPECT_TRUE(limiter.is_blocked(host(1), kT0 + 10s));
}

}  // namespace
}  // namespace btnode::dht
