#include "wire/dh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/ids.h"

namespace btnode::wire {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> array_of(std::string_view hex) {
  std::array<std::uint8_t, N> out{};
  const auto raw = from_hex(hex);
  EXPECT_TRUE(raw && raw->size() == N) << hex;
  if (raw && raw->size() == N) std::copy(raw->begin(), raw->end(), out.begin());
  return out;
}

std::string hex_of(std::span<const std::uint8_t> bytes) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

DhKeyPair pair_from(std::string_view private_hex) {
  auto pair = DhKeyPair::from_private(array_of<kDhPrivateSize>(private_hex));
  EXPECT_TRUE(pair.has_value());
  return std::move(pair).value();
}

// Known answers computed independently with Python's pow(2, x, P).
constexpr const char* kXa = "0102030405060708090a0b0c0d0e0f1011121314";
constexpr const char* kYa =
    "96e112dab29e8c5272accb9b17b26887ce54a144a4e3b697c7d159b7a817e556b0918db2b4c658e02a87f7e5fb14"
    "b18a553e084cbf3dad2d30f16596ccb982d406258c61b30c5c1dae2ddc60bdbd48d79896312aad63238c39e1a633"
    "821eb693";
constexpr const char* kXb = "ffeeddccbbaa99887766554433221100fedcba98";
constexpr const char* kYb =
    "e8957ec5b7045a0d0fc1f1acbbfadfee1860bef99a43d173f1ca00e940d29cda170aedd05a48fae0c057e51358"
    "75b1d92f3ca9ac9622ec555e7411a042bb897488b45edd01c3c4ba279de1bcc9ae6302da954be517c87f1080ab"
    "cd61a6ddde7d";
constexpr const char* kS =
    "f8ef95c29fd94ce6bfd736041a14d17f4f119b0c47444a7890c8e73861e53a272cd5e5148cf356da104f7614b6c6"
    "53de780951e45294640040ca6676771ef01094ef10298769c616c3ce3edc3f1ec9a2e95e4869451a739f078ae20c"
    "52ffd12f";

TEST(Dh, PublicKeysMatchKnownAnswers) {
  EXPECT_EQ(hex_of(pair_from(kXa).public_key()), kYa);
  EXPECT_EQ(hex_of(pair_from(kXb).public_key()), kYb);
}

TEST(Dh, SharedSecretMatchesKnownAnswerFromBothSides) {
  auto a = pair_from(kXa);
  auto b = pair_from(kXb);
  auto sa = a.shared_secret(b.public_key());
  auto sb = b.shared_secret(a.public_key());
  ASSERT_TRUE(sa.has_value());
  ASSERT_TRUE(sb.has_value());
  EXPECT_EQ(hex_of(*sa), kS);
  EXPECT_EQ(*sa, *sb);
}

TEST(Dh, SmallResultsAreLeftPaddedTo96Bytes) {
  // x = 256: 2^256 < P, so Y is a single 1 bit with 63 leading zero bytes.
  auto pair = pair_from("0000000000000000000000000000000000000100");
  std::array<std::uint8_t, kDhKeySize> expected{};
  expected[kDhKeySize - 33] = 0x01;
  EXPECT_EQ(pair.public_key(), expected);
}

TEST(Dh, GeneratedPairsAgreeAndDiffer) {
  auto a = DhKeyPair::generate();
  auto b = DhKeyPair::generate();
  EXPECT_NE(a.public_key(), b.public_key());
  auto sa = a.shared_secret(b.public_key());
  auto sb = b.shared_secret(a.public_key());
  ASSERT_TRUE(sa && sb);
  EXPECT_EQ(*sa, *sb);
}

TEST(Dh, RefusesDegeneratePeerKeys) {
  auto pair = DhKeyPair::generate();
  DhPublicKey zero{};
  DhPublicKey one{};
  one.back() = 1;
  DhPublicKey p = mse_dh_prime();
  DhPublicKey p_minus_1 = p;
  p_minus_1.back() -= 1;
  DhPublicKey all_ff{};
  all_ff.fill(0xFF);
  for (const auto& key : {zero, one, p_minus_1, p, all_ff}) {
    auto s = pair.shared_secret(key);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().message, "MSE: peer's DH public key is out of range");
  }
  DhPublicKey two{};
  two.back() = 2;
  EXPECT_TRUE(pair.shared_secret(two).has_value());
}

TEST(Dh, SecretWithGeneratorIsOwnPublicKey) {
  auto pair = DhKeyPair::generate();
  DhPublicKey two{};
  two.back() = 2;
  auto s = pair.shared_secret(two);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, pair.public_key());
}

TEST(Dh, RefusesZeroPrivateKey) {
  EXPECT_FALSE(DhKeyPair::from_private(DhPrivateKey{}).has_value());
}

}  // namespace
}  // namespace btnode::wire
