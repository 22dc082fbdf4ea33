#include "core/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/random.h"

namespace btnode {
namespace {

NodeId id_from_hex(std::string_view hex) {
  auto id = NodeId::from_hex(hex);
  EXPECT_TRUE(id) << hex;
  return id.value_or(NodeId{});
}

std::string random_string(std::size_t n) {
  std::string s(n, '\0');
  random_bytes(s.data(), s.size());
  return s;
}

// ------------------------------------------------------------------ Id160

TEST(Id160, FromBytesNeedsExactlyTwentyBytes) {
  std::string raw(20, '\x07');
  auto id = NodeId::from_bytes(raw);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->view(), raw);
  EXPECT_FALSE(NodeId::from_bytes(std::string(19, 'a')));
  EXPECT_FALSE(NodeId::from_bytes(std::string(21, 'a')));
  EXPECT_FALSE(PeerId::from_bytes(""));
}

TEST(Id160, HexRoundTripAndCase) {
  const std::string hex = "0123456789abcdef0123456789abcdef01234567";
  auto lower = NodeId::from_hex(hex);
  auto upper = NodeId::from_hex("0123456789ABCDEF0123456789ABCDEF01234567");
  ASSERT_TRUE(lower && upper);
  EXPECT_EQ(*lower, *upper);
  EXPECT_EQ(lower->to_hex(), hex);
  EXPECT_EQ(lower->bytes[0], 0x01);
  EXPECT_EQ(lower->bytes[19], 0x67);
}

TEST(Id160, HexRejectsBadInput) {
  EXPECT_FALSE(NodeId::from_hex(""));
  EXPECT_FALSE(NodeId::from_hex(std::string(39, 'a')));
  EXPECT_FALSE(NodeId::from_hex(std::string(41, 'a')));
  EXPECT_FALSE(NodeId::from_hex(std::string(38, 'a') + "g0"));
  EXPECT_FALSE(NodeId::from_hex(std::string(38, 'a') + " 0"));
  EXPECT_FALSE(PeerId::from_hex(std::string(38, 'a') + "0x"));
}

TEST(Id160, IsZero) {
  EXPECT_TRUE(NodeId{}.is_zero());
  NodeId id;
  id.bytes[19] = 1;
  EXPECT_FALSE(id.is_zero());
}

TEST(Id160, OrdersAsBigEndianInteger) {
  NodeId a, b;
  a.bytes[0] = 0x01;
  b.bytes[19] = 0xff;
  EXPECT_LT(b, a);
}

// ------------------------------------------------------------ XOR metric

TEST(XorMetric, DistanceProperties) {
  for (int i = 0; i < 50; ++i) {
    NodeId a = random_node_id(), b = random_node_id(), c = random_node_id();
    EXPECT_TRUE(xor_distance(a, a).is_zero());
    EXPECT_EQ(xor_distance(a, b), xor_distance(b, a));
    // d(a,b) xor d(b,c) == d(a,c): the metric the routing table relies on.
    EXPECT_EQ(xor_distance(xor_distance(a, b), xor_distance(b, c)), xor_distance(a, c));
  }
}

TEST(XorMetric, CloserToMatchesDistanceOrder) {
  for (int i = 0; i < 200; ++i) {
    NodeId t = random_node_id(), a = random_node_id(), b = random_node_id();
    EXPECT_EQ(closer_to(t, a, b), xor_distance(t, a) < xor_distance(t, b));
    EXPECT_FALSE(closer_to(t, a, a));
    EXPECT_TRUE(closer_to(t, t, a) || a == t);
  }
}

TEST(XorMetric, CloserToKnownValues) {
  NodeId target = id_from_hex("8000000000000000000000000000000000000000");
  NodeId near = id_from_hex("8000000000000000000000000000000000000001");
  NodeId far = id_from_hex("0000000000000000000000000000000000000000");
  NodeId mid = id_from_hex("c000000000000000000000000000000000000000");
  EXPECT_TRUE(closer_to(target, near, mid));
  EXPECT_TRUE(closer_to(target, mid, far));
  EXPECT_FALSE(closer_to(target, far, near));
  // Sorting by closer_to yields increasing distance.
  std::vector<NodeId> ids{far, mid, near, target};
  std::sort(ids.begin(), ids.end(),
            [&](const NodeId& x, const NodeId& y) { return closer_to(target, x, y); });
  EXPECT_EQ(ids, (std::vector<NodeId>{target, near, mid, far}));
}

TEST(XorMetric, CommonPrefixBits) {
  NodeId zero;
  EXPECT_EQ(common_prefix_bits(zero, zero), 160);
  EXPECT_EQ(common_prefix_bits(zero, id_from_hex("8000000000000000000000000000000000000000")), 0);
  EXPECT_EQ(common_prefix_bits(zero, id_from_hex("0100000000000000000000000000000000000000")), 7);
  EXPECT_EQ(common_prefix_bits(zero, id_from_hex("0080000000000000000000000000000000000000")), 8);
  EXPECT_EQ(common_prefix_bits(zero, id_from_hex("0000000000000000000000000000000000000001")), 159);
  NodeId a = id_from_hex("ffffffffffffffffffffffffffffffffffffffff");
  NodeId b = id_from_hex("fffffffffffffffffffffffffffffffff7ffffff");
  EXPECT_EQ(common_prefix_bits(a, b), 132);
  EXPECT_EQ(common_prefix_bits(b, a), 132);
  for (int i = 0; i < 50; ++i) {
    NodeId x = random_node_id();
    EXPECT_EQ(common_prefix_bits(x, x), 160);
  }
}

TEST(XorMetric, RandomNodeIdsDiffer) {
  NodeId a = random_node_id(), b = random_node_id();
  EXPECT_NE(a, b);
  EXPECT_FALSE(a.is_zero());
}

// --------------------------------------------------------------- InfoHash

constexpr const char* kV1Hex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";

TEST(InfoHash, V1HexAndBase32Agree) {
  auto from_hex_ih = InfoHash::from_v1_hex(kV1Hex);
  ASSERT_TRUE(from_hex_ih);
  EXPECT_EQ(from_hex_ih->v1_hex(), kV1Hex);
  EXPECT_FALSE(from_hex_ih->v2);
  std::string b32 = to_base32(from_hex_ih->v1_view());
  ASSERT_EQ(b32.size(), 32u);
  auto from_b32 = InfoHash::from_v1_base32(b32);
  ASSERT_TRUE(from_b32);
  EXPECT_EQ(*from_b32, *from_hex_ih);
  std::transform(b32.begin(), b32.end(), b32.begin(), ::tolower);
  EXPECT_EQ(InfoHash::from_v1_base32(b32), from_hex_ih);
}

TEST(InfoHash, RejectsBadText) {
  EXPECT_FALSE(InfoHash::from_v1_hex(std::string(kV1Hex).substr(1)));
  EXPECT_FALSE(InfoHash::from_v1_hex(std::string(kV1Hex) + "0"));
  EXPECT_FALSE(InfoHash::from_v1_hex(std::string(39, '0') + "z"));
  EXPECT_FALSE(InfoHash::from_v1_base32(std::string(31, 'A')));
  EXPECT_FALSE(InfoHash::from_v1_base32(std::string(33, 'A')));
  EXPECT_FALSE(InfoHash::from_v1_base32(std::string(31, 'A') + "1"));
  EXPECT_FALSE(InfoHash::from_v1_base32(std::string(40, 'A')));  // valid base32, wrong length
  EXPECT_FALSE(InfoHash::from_v2_hex(kV1Hex));
}

TEST(InfoHash, WireIdV1V2Hybrid) {
  std::array<std::uint8_t, 32> v2{};
  for (std::size_t i = 0; i < v2.size(); ++i) v2[i] = static_cast<std::uint8_t>(i + 1);
  InfoHash only_v2 = InfoHash::from_v2(v2);
  EXPECT_EQ(only_v2.v1_hex(), "");
  EXPECT_EQ(only_v2.v1_view(), "");
  EXPECT_EQ(only_v2.v2_hex(), to_hex({reinterpret_cast<const char*>(v2.data()), 32}));
  auto wire = only_v2.wire_id();
  EXPECT_TRUE(std::equal(wire.begin(), wire.end(), v2.begin()));  // BEP 52 truncation
  EXPECT_EQ(only_v2.dht_target().bytes, wire);

  InfoHash hybrid = *InfoHash::from_v1_hex(kV1Hex);
  hybrid.v2 = v2;
  EXPECT_EQ(hybrid.wire_id(), *hybrid.v1);
  EXPECT_EQ(hybrid.dht_target().to_hex(), kV1Hex);

  EXPECT_EQ(InfoHash{}.wire_id(), (std::array<std::uint8_t, 20>{}));
  auto parsed_v2 = InfoHash::from_v2_hex(only_v2.v2_hex());
  ASSERT_TRUE(parsed_v2);
  EXPECT_EQ(*parsed_v2, only_v2);
}

// ---------------------------------------------------------------- peer id

TEST(PeerId, PrefixThenRandom) {
  PeerId a = make_peer_id();
  PeerId b = make_peer_id();
  EXPECT_EQ(a.view().substr(0, 8), "-BN0100-");
  EXPECT_EQ(a.view().size(), 20u);
  EXPECT_NE(a, b);  // 12 random bytes: a collision is 2^-96
}

TEST(PeerId, PrefixLengthLimits) {
  EXPECT_EQ(make_peer_id("M4-3-6--").view().substr(0, 8), "M4-3-6--");
  const std::string twenty = "-XX0000-abcdefghijkl";
  EXPECT_EQ(make_peer_id(twenty).view(), twenty);
  EXPECT_THROW(make_peer_id(twenty + "m"), std::invalid_argument);
  EXPECT_NE(make_peer_id(""), make_peer_id(""));
}

// ------------------------------------------------------------ hex, base32

TEST(Hex, RoundTripAllLengths) {
  for (std::size_t n = 0; n <= 41; ++n) {
    std::string raw = random_string(n);
    std::string hex = to_hex(raw);
    EXPECT_EQ(hex.size(), 2 * n);
    EXPECT_EQ(from_hex(hex), raw);
  }
  EXPECT_EQ(to_hex(std::string("\x00\xff\x10\xab", 4)), "00ff10ab");
  EXPECT_EQ(from_hex("00FF10aB"), std::string("\x00\xff\x10\xab", 4));
}

TEST(Hex, RejectsOddLengthAndBadDigits) {
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_hex("-1"));
  EXPECT_FALSE(from_hex(std::string("0\0", 2)));
  EXPECT_EQ(from_hex(""), std::string());
}

TEST(Base32, Rfc4648Vectors) {
  // RFC 4648 section 10, padding removed.
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(to_base32(plain), encoded);
    EXPECT_EQ(from_base32(encoded), plain);
    std::string lower(encoded);
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    EXPECT_EQ(from_base32(lower), plain);
  }
}

TEST(Base32, RoundTripAllLengths) {
  for (std::size_t n = 0; n <= 41; ++n) {
    std::string raw = random_string(n);
    EXPECT_EQ(from_base32(to_base32(raw)), raw) << n;
  }
}

TEST(Base32, RejectsBadCharsLengthsAndTrailingBits) {
  EXPECT_FALSE(from_base32("MY======"));  // no padding accepted
  EXPECT_FALSE(from_base32("M0"));        // 0, 1, 8, 9 are not in the alphabet
  EXPECT_FALSE(from_base32("M1"));
  EXPECT_FALSE(from_base32("M8"));
  EXPECT_FALSE(from_base32("M Y"));
  EXPECT_FALSE(from_base32("M"));  // 1, 3, 6 mod 8 encode no byte string
  EXPECT_FALSE(from_base32("MZX"));
  EXPECT_FALSE(from_base32("MZXW6Y"));
  EXPECT_FALSE(from_base32("MZ"));  // non-zero leftover bits
  EXPECT_FALSE(from_base32("MZXR"));
}

}  // namespace
}  // namespace btnode
