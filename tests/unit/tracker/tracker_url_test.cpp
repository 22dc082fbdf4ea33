#include "tracker/tracker_url.h"

#include <gtest/gtest.h>

namespace btnode::tracker {
namespace {

TEST(TrackerUrl, Schemes) {
  EXPECT_EQ(parse_tracker_url("http://t/announce")->scheme, Scheme::http);
  EXPECT_EQ(parse_tracker_url("HTTPS://t/announce")->scheme, Scheme::http);
  auto u = parse_tracker_url("udp://tracker.example:1337/announce");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, Scheme::udp);
  EXPECT_EQ(u->udp_host.host, "tracker.example");
  EXPECT_EQ(u->udp_host.port, 1337);
  auto v6 = parse_tracker_url("udp://[::1]:6969");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->udp_host.host, "::1");
}

TEST(TrackerUrl, Rejects) {
  EXPECT_FALSE(parse_tracker_url("wss://t/announce"));
  EXPECT_FALSE(parse_tracker_url("t/announce"));
  EXPECT_FALSE(parse_tracker_url("udp://host"));
  EXPECT_FALSE(parse_tracker_url("udp://host:0/announce"));
  EXPECT_FALSE(parse_tracker_url("udp://:80"));
}

}  // namespace
}  // namespace btnode::tracker
