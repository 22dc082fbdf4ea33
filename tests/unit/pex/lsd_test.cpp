#include "pex/lsd.h"

#include <gtest/gtest.h>

namespace btnode::pex {
namespace {

LsdHash hash_of(std::uint8_t fill) {
  LsdHash h{};
  h.fill(fill);
  return h;
}

TEST(Lsd, RoundTrip) {
  LsdAnnounce a{6881, {hash_of(0xab), hash_of(0x01)}, "c00k1e"};
  auto text = encode_lsd_announce("239.192.152.143:6771", a);
  EXPECT_EQ(text.rfind("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\n", 0),
            0u);
  auto back = decode_lsd_announce(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, a);
}

TEST(Lsd, ToleratesCaseUpperHexAndUnknownHeaders) {
  std::string text =
      "BT-SEARCH * HTTP/1.1\r\nhost: [ff15::efc0:988f]:6771\r\nPORT: 51413\r\nX-Other: 1\r\n"
      "infohash: ABABABABABABABABABABABABABABABABABABABAB\r\nInfohash: nothex\r\n\r\n\r\n";
  auto a = decode_lsd_announce(text);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->port, 51413);
  ASSERT_EQ(a->info_hashes.size(), 1u);
  EXPECT_EQ(a->info_hashes[0], hash_of(0xab));
  EXPECT_TRUE(a->cookie.empty());
}

TEST(Lsd, RejectsBadInput) {
  EXPECT_FALSE(decode_lsd_announce("GET / HTTP/1.1\r\nPort: 1\r\n\r\n"));
  EXPECT_FALSE(decode_lsd_announce("BT-SEARCH * HTTP/1.1\r\nPort: 0\r\n"
                                   "Infohash: abababababababababababababababababababab\r\n\r\n"));
  EXPECT_FALSE(decode_lsd_announce("BT-SEARCH * HTTP/1.1\r\nPort: 99999\r\n"
                                   "Infohash: abababababababababababababababababababab\r\n\r\n"));
  EXPECT_FALSE(decode_lsd_announce("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\n\r\n"));
  EXPECT_FALSE(decode_lsd_announce("BT-SEARCH * HTTP/1.1\r\nInfohash: "
                                   "abababababababababababababababababababab\r\n\r\n"));
  EXPECT_FALSE(decode_lsd_announce(std::string(2000, 'B')));
  EXPECT_FALSE(decode_lsd_announce(""));
}

TEST(Lsd, KeepsAtMostMaxInfoHashes) {
  LsdAnnounce a{1, {}, ""};
  for (int i = 0; i < 30; ++i) a.info_hashes.push_back(hash_of(static_cast<std::uint8_t>(i)));
  auto back = decode_lsd_announce(encode_lsd_announce("h", a), {.max_datagram = 4000,
                                                              .max_info_hashes = 16});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->info_hashes.size(), 16u);
}

TEST(LsdPolicy, AnnounceIntervalAndSourceBurst) {
  using namespace std::chrono_literals;
  LsdPolicy p(300s, 2, 60s);
  LsdTime t{};
  EXPECT_TRUE(p.should_announce(hash_of(1), t));
  EXPECT_FALSE(p.should_announce(hash_of(1), t + 299s));
  EXPECT_TRUE(p.should_announce(hash_of(2), t + 1s));
  EXPECT_TRUE(p.should_announce(hash_of(1), t + 300s));
  EXPECT_TRUE(p.accept_from("10.0.0.1", t));
  EXPECT_TRUE(p.accept_from("10.0.0.1", t + 1s));
  EXPECT_FALSE(p.accept_from("10.0.0.1", t + 2s));
  EXPECT_TRUE(p.accept_from("10.0.0.2", t + 2s));
  EXPECT_TRUE(p.accept_from("10.0.0.1", t + 61s));
}

}  // namespace
}  // namespace btnode::pex
