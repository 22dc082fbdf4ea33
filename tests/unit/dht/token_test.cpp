#include "dht/token.h"

#include <gtest/gtest.h>

#include <string>

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(10);

const Endpoint kAlice = Endpoint::v4({203, 0, 113, 5}, 6881);
const Endpoint kBob = Endpoint::v4({203, 0, 113, 6}, 6881);
const NodeId kHash = *NodeId::from_hex("0123456789abcdef0123456789abcdef01234567");
const NodeId kOtherHash = *NodeId::from_hex("1123456789abcdef0123456789abcdef01234567");

std::string str(const TokenIssuer::Token& t) {
  return std::string(TokenIssuer::view(t));
}

TEST(Token, VerifiesForTheSameIpAndTarget) {
  TokenIssuer issuer(kT0);
  const std::string token = str(issuer.issue(kAlice, kHash, kT0));
  EXPECT_EQ(token.size(), TokenIssuer::kSize);
  EXPECT_TRUE(issuer.verify(token, kAlice, kHash, kT0 + 1s));
  EXPECT_TRUE(issuer.verify(token, kAlice.with_port(9999), kHash, kT0 + 1s));  // port ignored
  EXPECT_FALSE(issuer.verify(token, kBob, kHash, kT0 + 1s));
  EXPECT_FALSE(issuer.verify(token, kAlice, kOtherHash, kT0 + 1s));
}

TEST(Token, MalformedTokensFail) {
  TokenIssuer issuer(kT0);
  const std::string token = str(issuer.issue(kAlice, kHash, kT0));
  EXPECT_FALSE(issuer.verify("", kAlice, kHash, kT0));
  EXPECT_FALSE(issuer.verify(token.substr(0, 4), kAlice, kHash, kT0));
  EXPECT_FALSE(issuer.verify(token + "x", kAlice, kHash, kT0));
  std::string flipped = token;
  flipped[0] ^= 1;
  EXPECT_FALSE(issuer.verify(flipped, kAlice, kHash, kT0));
}

TEST(Token, PreviousSecretIsAcceptedThenExpires) {
  TokenIssuer issuer(kT0);
  const std::string token = str(issuer.issue(kAlice, kHash, kT0 + 4min));
  EXPECT_TRUE(issuer.verify(token, kAlice, kHash, kT0 + 5min));    // rotated once: previous
  EXPECT_TRUE(issuer.verify(token, kAlice, kHash, kT0 + 9min));    // still previous
  EXPECT_FALSE(issuer.verify(token, kAlice, kHash, kT0 + 10min));  // rotated twice
  // A fresh token after rotation is different and valid.
  const std::string fresh = str(issuer.issue(kAlice, kHash, kT0 + 10min));
  EXPECT_NE(fresh, token);
  EXPECT_TRUE(issuer.verify(fresh, kAlice, kHash, kT0 + 14min));
}

TEST(Token, LongSilenceDiscardsBothSecrets) {
  TokenIssuer issuer(kT0);
  const std::string token = str(issuer.issue(kAlice, kHash, kT0));
  // Nothing happens for 12 minutes; the first call then must not accept the
  // 12-minute-old token as "previous".
  EXPECT_FALSE(issuer.verify(token, kAlice, kHash, kT0 + 12min));
}

TEST(Token, V4MappedIsTheSameHost) {
  TokenIssuer issuer(kT0);
  const Endpoint mapped =
      Endpoint::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 5}, 1);
  EXPECT_TRUE(issuer.verify(str(issuer.issue(kAlice, kHash, kT0)), mapped, kHash, kT0));
}

TEST(Token, IssuersHaveIndependentSecrets) {
  TokenIssuer a(kT0), b(kT0);
  EXPECT_NE(str(a.issue(kAlice, kHash, kT0)), str(b.issue(kAlice, kHash, kT0)));
}

}  // namespace
}  // namespace btnode::dht
