#include "dht/syn_cookie.h"

#include <gtest/gtest.h>

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);
const std::string kAddr("\x19\x00\x00\x01", 4);
const std::string kId(20, 'i');

SynCookie::Key key(std::uint8_t c) {
  SynCookie::Key k;
  k.fill(c);
  return k;
}

TEST(SynCookie, AcceptsItsOwnCookieForTheSameNodeOnly) {
  SynCookie sc(key(1), std::chrono::minutes(10));
  const auto c = sc.make(kAddr, 6881, kId, kT0);
  const auto v = SynCookie::view(c);
  EXPECT_TRUE(sc.check(v, kAddr, 6881, kId, kT0));
  EXPECT_FALSE(sc.check(v, kAddr, 6882, kId, kT0));                         // other port
  EXPECT_FALSE(sc.check(v, std::string("\x19\x00\x00\x02", 4), 6881, kId, kT0));             // other address
  EXPECT_FALSE(sc.check(v, kAddr, 6881, std::string(20, 'j'), kT0));        // other id
  EXPECT_FALSE(sc.check(v.substr(0, 5), kAddr, 6881, kId, kT0));            // truncated
  std::string forged(v);
  forged[0] ^= 1;
  EXPECT_FALSE(sc.check(forged, kAddr, 6881, kId, kT0));
}

TEST(SynCookie, LivesOneToTwoEpochs) {
  SynCookie sc(key(1), std::chrono::minutes(10));
  const TimePoint start = TimePoint{} + std::chrono::minutes(60);  // an epoch boundary
  const std::string c(SynCookie::view(sc.make(kAddr, 1, kId, start)));
  EXPECT_TRUE(sc.check(c, kAddr, 1, kId, start + std::chrono::minutes(19)));
  EXPECT_FALSE(sc.check(c, kAddr, 1, kId, start + std::chrono::minutes(20)));  // stale
}

TEST(SynCookie, RespondersSharingAMasterKeyAgreeAndOthersDoNot) {
  SynCookie a(key(1)), b(key(1)), other(key(2));
  const std::string c(SynCookie::view(a.make(kAddr, 1, kId, kT0)));
  EXPECT_TRUE(b.check(c, kAddr, 1, kId, kT0));
  EXPECT_FALSE(other.check(c, kAddr, 1, kId, kT0));
}

}  // namespace
}  // namespace btnode::dht
