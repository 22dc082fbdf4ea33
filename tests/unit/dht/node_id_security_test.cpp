#include "dht/node_id_security.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace btnode::dht {
namespace {

using V4 = std::array<std::uint8_t, 4>;

NodeId id_from_hex(std::string_view hex) {
  return *NodeId::from_hex(hex);
}

TEST(Crc32c, StandardCheckValue) {
  constexpr std::string_view text = "123456789";
  std::array<std::uint8_t, 9> bytes{};
  for (std::size_t i = 0; i < text.size(); ++i) bytes[i] = static_cast<std::uint8_t>(text[i]);
  EXPECT_EQ(crc32c(bytes), 0xE3069283u);
}

struct Bep42Vector {
  V4 ip;
  std::uint8_t rand;
  std::string_view id_hex;
};

// The test vectors of BEP 42.
constexpr Bep42Vector kVectors[] = {
    {{124, 31, 75, 21}, 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"},
    {{21, 75, 31, 124}, 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256"},
    {{65, 23, 51, 170}, 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616"},
    {{84, 124, 73, 14}, 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41"},
    {{43, 213, 53, 83}, 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a"},
};

TEST(NodeIdSecurity, Bep42VectorsVerify) {
  for (const auto& v : kVectors) {
    EXPECT_TRUE(is_secure_node_id(id_from_hex(v.id_hex), v.ip)) << v.id_hex;
  }
}

TEST(NodeIdSecurity, Bep42VectorsAreGenerated) {
  for (const auto& v : kVectors) {
    const NodeId expected = id_from_hex(v.id_hex);
    NodeId seed = expected;
    seed.bytes[0] = seed.bytes[1] = 0;  // the constrained bits must be recomputed
    seed.bytes[2] &= 0x07;
    ASSERT_EQ(seed.bytes[19], v.rand);
    EXPECT_EQ(secure_node_id(v.ip, seed), expected) << v.id_hex;
  }
}

TEST(NodeIdSecurity, WrongIpOrTamperedPrefixFails) {
  const NodeId id = id_from_hex(kVectors[0].id_hex);
  EXPECT_FALSE(is_secure_node_id(id, kVectors[1].ip));
  NodeId tampered = id;
  tampered.bytes[2] ^= 0x08;  // the lowest constrained bit
  EXPECT_FALSE(is_secure_node_id(tampered, kVectors[0].ip));
  NodeId free_bits = id;
  free_bits.bytes[2] ^= 0x07;  // unconstrained bits may be anything
  free_bits.bytes[10] ^= 0xff;
  EXPECT_TRUE(is_secure_node_id(free_bits, kVectors[0].ip));
  NodeId other_r = id;
  other_r.bytes[19] ^= 0x04;  // r changes the hash
  EXPECT_FALSE(is_secure_node_id(other_r, kVectors[0].ip));
}

TEST(NodeIdSecurity, RandomIdsVerifyForTheirIp) {
  const V4 ip = {203, 0, 113, 7};
  const std::array<std::uint8_t, 16> ip6 = {0x20, 0x01, 0x0d, 0xb8, 1, 2,  3,  4,
                                            5,    6,    7,    8,    9, 10, 11, 12};
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(is_secure_node_id(make_secure_node_id(ip), ip));
    EXPECT_TRUE(is_secure_node_id(make_secure_node_id(ip6), ip6));
  }
}

TEST(NodeIdSecurity, Ipv6UsesOnlyTheHigh64Bits) {
  std::array<std::uint8_t, 16> a = {0x20, 0x01, 0x0d, 0xb8, 9, 9, 9, 9, 1, 1, 1, 1, 1, 1, 1, 1};
  auto b = a;
  b[15] = 0x42;
  const NodeId id = make_secure_node_id(a);
  EXPECT_TRUE(is_secure_node_id(id, b));
}

TEST(NodeIdSecurity, LocalAddressesAreExempt) {
  const NodeId any = id_from_hex("0000000000000000000000000000000000000000");
  for (V4 ip : {V4{10, 1, 2, 3}, V4{127, 0, 0, 1}, V4{172, 16, 0, 1}, V4{172, 31, 255, 1},
                V4{192, 168, 1, 1}, V4{169, 254, 3, 4}}) {
    EXPECT_TRUE(is_bep42_exempt(ip));
    EXPECT_TRUE(is_secure_node_id(any, ip));
  }
  for (V4 ip : {V4{172, 32, 0, 1}, V4{11, 0, 0, 1}, V4{192, 169, 0, 1}}) {
    EXPECT_FALSE(is_bep42_exempt(ip));
  }
  std::array<std::uint8_t, 16> loopback6{};
  loopback6[15] = 1;
  EXPECT_TRUE(is_bep42_exempt(loopback6));
  std::array<std::uint8_t, 16> ula{0xfd};
  EXPECT_TRUE(is_bep42_exempt(ula));
  std::array<std::uint8_t, 16> global{0x20, 0x01};
  EXPECT_FALSE(is_bep42_exempt(global));
}

TEST(NodeIdSecurity, MalformedAddressNeverVerifies) {
  const std::array<std::uint8_t, 5> bad{1, 2, 3, 4, 5};
  EXPECT_FALSE(is_secure_node_id(id_from_hex(kVectors[0].id_hex), bad));
}

}  // namespace
}  // namespace btnode::dht

namespace btnode::dht {
namespace {

TEST(NodeIdSecurity, EndpointOverloadsUseTheAddress) {
  const Endpoint ep = Endpoint::v4({124, 31, 75, 21}, 6881);
  EXPECT_TRUE(is_secure_node_id(*NodeId::from_hex("5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"), ep));
  const NodeId mine = make_secure_node_id(ep);
  EXPECT_TRUE(is_secure_node_id(mine, ep.with_port(1)));
  // A v4-mapped IPv6 address is checked as the IPv4 address behind it.
  const Endpoint mapped =
      Endpoint::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 124, 31, 75, 21}, 6881);
  EXPECT_TRUE(is_secure_node_id(mine, mapped));
}

}  // namespace
}  // namespace btnode::dht
