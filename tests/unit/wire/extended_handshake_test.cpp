#include "wire/extended_handshake.h"

#include <gtest/gtest.h>

#include <string>

namespace btnode::wire {
namespace {

using namespace std::string_literals;

ExtendedHandshake full() {
  ExtendedHandshake h;
  h.extensions = {{"ut_metadata", 3}, {"ut_pex", 1}};
  h.client = "btnode 0.1";
  h.listen_port = 6881;
  h.reqq = 500;
  h.your_ip = Endpoint::from_address("1.2.3.4", 0);
  h.ipv6 = Endpoint::from_address("2001:db8::1", 0);
  h.metadata_size = 31235;
  h.upload_only = true;
  return h;
}

TEST(ExtendedHandshake, EncodesCanonicalSortedDict) {
  ExtendedHandshake h;
  h.extensions = {{"ut_metadata", 3}};
  h.metadata_size = 31235;
  h.listen_port = 6881;
  EXPECT_EQ(encode_extended_handshake(h),
            "d1:md11:ut_metadatai3ee13:metadata_sizei31235e1:pi6881ee");
}

TEST(ExtendedHandshake, RoundTripsEveryField) {
  auto back = decode_extended_handshake(encode_extended_handshake(full()));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, full());
  EXPECT_EQ(back->id_of(kUtMetadata), 3);
  EXPECT_EQ(back->id_of("lt_donthave"), std::nullopt);
}

TEST(ExtendedHandshake, ParsesTheBep10Example) {
  auto h = decode_extended_handshake(
      // The BEP prints "6:" for the 7-byte UTF-8 name; the lengths here are real.
      "d1:md11:LT_metadatai1e7:\xc2\xb5T_PEXi2ee1:pi6881e1:v13:\xc2\xb5Torrent 1.2e");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->id_of("LT_metadata"), 1);
  EXPECT_EQ(h->id_of("\xc2\xb5T_PEX"), 2);
  EXPECT_EQ(h->listen_port, 6881);
  EXPECT_EQ(h->client, "\xc2\xb5Torrent 1.2");
}

TEST(ExtendedHandshake, IgnoresUnknownKeysAndBadValues) {
  auto h = decode_extended_handshake(
      "d1:ai1e1:md1:xi300e1:yi-1e1:zi0e2:ok3:bade1:pi70000e4:reqqi-5e"
      "6:yourip3:abc13:metadata_sizei-1e7:unknownld1:ai1eeee");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->extensions.size(), 1u);     // only z=0 survives: 300, -1 and a string are dropped
  EXPECT_EQ(h->id_of("z"), std::nullopt);  // 0 means disabled
  EXPECT_FALSE(h->listen_port);
  EXPECT_FALSE(h->reqq);
  EXPECT_FALSE(h->your_ip);
  EXPECT_FALSE(h->metadata_size);
}

TEST(ExtendedHandshake, ClampsAndTruncates) {
  ExtendedHandshakeLimits limits;
  limits.max_client_size = 4;
  limits.max_reqq = 1000;
  auto h = decode_extended_handshake("d4:reqqi99999999e1:v10:abcdefghije", limits);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->reqq, 1000u);
  EXPECT_EQ(h->client, "abcd");
}

TEST(ExtendedHandshake, CapsExtensionCount) {
  std::string m;
  for (int i = 0; i < 100; ++i) m += "3:x" + std::to_string(10 + i).substr(0, 2) + "i1e";
  ExtendedHandshakeLimits limits;
  limits.max_extensions = 8;
  auto h = decode_extended_handshake("d1:md" + m + "ee", limits);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->extensions.size(), 8u);
}

TEST(ExtendedHandshake, RejectsNonDictAndOversize) {
  EXPECT_FALSE(decode_extended_handshake("li1ee"));
  EXPECT_FALSE(decode_extended_handshake("d1:m"));
  EXPECT_FALSE(decode_extended_handshake(""));
  ExtendedHandshakeLimits limits;
  limits.max_payload = 4;
  EXPECT_FALSE(decode_extended_handshake("d1:pi1ee", limits));
}

TEST(ExtendedHandshake, MergeIsAdditiveForM) {
  ExtendedHandshake a = full();
  auto update = decode_extended_handshake("d1:md11:ut_metadatai0e11:lt_donthavei7eee");
  ASSERT_TRUE(update);
  merge_extended_handshake(a, *update);
  EXPECT_EQ(a.id_of(kUtMetadata), std::nullopt);  // switched off
  EXPECT_EQ(a.id_of(kUtPex), 1);                  // kept
  EXPECT_EQ(a.id_of("lt_donthave"), 7);
  EXPECT_EQ(a.listen_port, 6881);  // absent in the update: kept
  EXPECT_FALSE(a.upload_only);     // upload_only takes the later value
}

}  // namespace
}  // namespace btnode::wire
