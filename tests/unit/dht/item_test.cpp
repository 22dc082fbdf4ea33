#include "dht/item.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

namespace btnode::dht {
namespace {

// BEP 44 test vectors.
const std::string kPublicKey =
    *from_hex("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548");
const std::string kSigNoSalt = *from_hex(
    "305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff"
    "1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01");
const std::string kSigSalt = *from_hex(
    "6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17d"
    "df9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08");
constexpr std::string_view kValue = "12:Hello World!";

TEST(Item, Bep44SignedBuffers) {
  std::string buffer;
  append_signed_buffer(buffer, "", 1, kValue);
  EXPECT_EQ(buffer, "3:seqi1e1:v12:Hello World!");
  buffer.clear();
  append_signed_buffer(buffer, "foobar", 1, kValue);
  EXPECT_EQ(buffer, "4:salt6:foobar3:seqi1e1:v12:Hello World!");
}

TEST(Item, Bep44Targets) {
  EXPECT_EQ(to_hex(mutable_target(kPublicKey, "").view()),
            "4a533d47ec9c7d95b1ad75f576cffc641853b750");
  EXPECT_EQ(to_hex(mutable_target(kPublicKey, "foobar").view()),
            "411eba73b6f087ca51a3795d9c8c938d365e32c1");
  EXPECT_EQ(to_hex(immutable_target(kValue).view()), "e5f96f6f38320f0f33959cb4d3d656452117aadb");
}

TEST(Item, Bep44SignaturesVerify) {
  EXPECT_TRUE(verify_item_signature(kPublicKey, kSigNoSalt, "", 1, kValue));
  EXPECT_TRUE(verify_item_signature(kPublicKey, kSigSalt, "foobar", 1, kValue));
}

TEST(Item, SignatureBindsSeqSaltAndValue) {
  EXPECT_FALSE(verify_item_signature(kPublicKey, kSigNoSalt, "", 2, kValue));
  EXPECT_FALSE(verify_item_signature(kPublicKey, kSigNoSalt, "foobar", 1, kValue));
  EXPECT_FALSE(verify_item_signature(kPublicKey, kSigSalt, "", 1, kValue));
  EXPECT_FALSE(verify_item_signature(kPublicKey, kSigNoSalt, "", 1, "12:Hello World?"));
  EXPECT_FALSE(verify_item_signature(kPublicKey, kSigNoSalt.substr(1), "", 1, kValue));
}

TEST(Item, SignRoundTripsWithLibsodiumKeys) {
  ASSERT_GE(sodium_init(), 0);
  Ed25519PublicKey pk{};
  Ed25519SecretKey sk{};
  crypto_sign_keypair(pk.data(), sk.data());
  const Ed25519Signature sig = sign_item(sk, "salt", 7, "i42e");
  EXPECT_TRUE(verify_item_signature(bytes_view(pk), bytes_view(sig), "salt", 7, "i42e"));
  EXPECT_FALSE(verify_item_signature(bytes_view(pk), bytes_view(sig), "salt", 8, "i42e"));
}

// RFC 8032 section 7.1, test 1: seed -> public key.
TEST(Item, KeyPairFromSeedMatchesRfc8032) {
  const auto seed_bytes =
      from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  ASSERT_TRUE(seed_bytes);
  Ed25519Seed seed{};
  std::copy(seed_bytes->begin(), seed_bytes->end(), seed.begin());
  const Ed25519SecretKey sk = ed25519_secret_key(seed);
  const Ed25519PublicKey pk = ed25519_public_key(sk);
  EXPECT_EQ(to_hex(bytes_view(pk)),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const Ed25519Signature sig = sign_item(sk, "", 3, "3:abc");
  EXPECT_TRUE(verify_item_signature(bytes_view(pk), bytes_view(sig), "", 3, "3:abc"));
}

}  // namespace
}  // namespace btnode::dht
