#include "wire/allowed_fast.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace btnode::wire {
namespace {

WireHash aaaa() {
  WireHash h;
  h.fill(0xAA);
  return h;
}

Endpoint ip(const char* text) {
  return *Endpoint::from_address(text, 6881);
}

// The BEP 6 test vectors.
TEST(AllowedFast, Bep6SevenPieceVector) {
  EXPECT_EQ(allowed_fast_set(ip("80.4.4.200"), aaaa(), 1313, 7),
            (std::vector<std::uint32_t>{1059, 431, 808, 1217, 287, 376, 1188}));
}

TEST(AllowedFast, Bep6NinePieceVector) {
  EXPECT_EQ(allowed_fast_set(ip("80.4.4.200"), aaaa(), 1313, 9),
            (std::vector<std::uint32_t>{1059, 431, 808, 1217, 287, 376, 1188, 353, 508}));
}

TEST(AllowedFast, SameSlash24SameSet) {
  EXPECT_EQ(allowed_fast_set(ip("80.4.4.1"), aaaa(), 1313),
            allowed_fast_set(ip("80.4.4.254"), aaaa(), 1313));
  EXPECT_NE(allowed_fast_set(ip("80.4.5.1"), aaaa(), 1313),
            allowed_fast_set(ip("80.4.4.1"), aaaa(), 1313));
}

TEST(AllowedFast, V4MappedIsTreatedAsV4) {
  EXPECT_EQ(allowed_fast_set(ip("::ffff:80.4.4.200"), aaaa(), 1313, 7),
            allowed_fast_set(ip("80.4.4.200"), aaaa(), 1313, 7));
}

TEST(AllowedFast, Ipv6AndEmptyTorrentsGetNoSet) {
  EXPECT_TRUE(allowed_fast_set(ip("2001:db8::1"), aaaa(), 1313).empty());
  EXPECT_TRUE(allowed_fast_set(ip("80.4.4.200"), aaaa(), 0).empty());
}

TEST(AllowedFast, SmallTorrentGetsEveryPieceOnceAndTerminates) {
  const auto set = allowed_fast_set(ip("80.4.4.200"), aaaa(), 3, 10);
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(std::set<std::uint32_t>(set.begin(), set.end()), (std::set<std::uint32_t>{0, 1, 2}));
}

}  // namespace
}  // namespace btnode::wire
