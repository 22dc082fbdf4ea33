#include "dht/ip_rate_table.h"

#include <gtest/gtest.h>

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

std::string ip(std::uint8_t a, std::uint8_t b) {
  return std::string{static_cast<char>(25), 0, static_cast<char>(a), static_cast<char>(b)};
}

TEST(IpRateTable, AllowsTheBurstThenTheSustainedRate) {
  IpRateTable t({.per_second = 10, .burst = 5, .table_bits = 8});
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += t.allow(ip(0, 1), kT0);
  EXPECT_EQ(allowed, 5);
  // One second later: 10 more tokens, capped at the burst.
  allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += t.allow(ip(0, 1), kT0 + std::chrono::seconds(1));
  EXPECT_EQ(allowed, 5);
  // 100 ms later: one token.
  allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += t.allow(ip(0, 1), kT0 + std::chrono::milliseconds(1100));
  EXPECT_EQ(allowed, 1);
}

TEST(IpRateTable, AFloodingAddressDoesNotLimitOthers) {
  IpRateTable t({.per_second = 10, .burst = 5, .table_bits = 12});
  for (int i = 0; i < 10000; ++i) t.allow(ip(0, 1), kT0);
  int others = 0;
  for (int i = 2; i < 200; ++i) others += t.allow(ip(static_cast<std::uint8_t>(i >> 8),
                                                      static_cast<std::uint8_t>(i)), kT0);
  // Up to a few hash collisions with the flooder's slot reset it: still served.
  EXPECT_EQ(others, 198);
  EXPECT_FALSE(t.allow(ip(0, 1), kT0) && t.allow(ip(0, 1), kT0) && t.allow(ip(0, 1), kT0) &&
               t.allow(ip(0, 1), kT0) && t.allow(ip(0, 1), kT0) && t.allow(ip(0, 1), kT0));
}

TEST(IpRateTable, TableStaysBounded) {
  IpRateTable t({.per_second = 1, .burst = 1, .table_bits = 6});
  for (std::uint32_t i = 0; i < 100000; ++i)
    (void)t.allow(ip(static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)), kT0);
  EXPECT_EQ(t.slots(), 64u);
}

}  // namespace
}  // namespace btnode::dht
