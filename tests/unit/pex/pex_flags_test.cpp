#include "pex/pex_flags.h"

#include <gtest/gtest.h>

namespace btnode::pex {
namespace {

TEST(PexFlags, EachFactSetsItsBit) {
  EXPECT_EQ(flags_for({}), 0);
  EXPECT_EQ(flags_for({.outgoing = true}), kFlagReachable);
  EXPECT_EQ(flags_for({.encrypted = true}), kFlagEncryption);
  EXPECT_EQ(flags_for({.seed = true}), kFlagSeed);
  EXPECT_EQ(flags_for({.outgoing = true, .encrypted = true, .seed = true}), 0x13);
}

TEST(PexFlags, UtpAndHolepunchAreNeverClaimed) {
  for (int bits = 0; bits < 8; ++bits) {
    auto f = flags_for({.outgoing = (bits & 1) != 0, .encrypted = (bits & 2) != 0,
                        .seed = (bits & 4) != 0});
    EXPECT_EQ(f & kFlagUtp, 0);
    EXPECT_EQ(f & kFlagHolepunch, 0);
  }
}

TEST(PexFlags, SeedsAreNotDialledWhileSeeding) {
  EXPECT_TRUE(dial_hint(kFlagSeed, true).skip);
  EXPECT_TRUE(dial_hint(kFlagSeed | kFlagReachable | kFlagEncryption, true).skip);
  EXPECT_FALSE(dial_hint(kFlagSeed, false).skip);  // a leech wants seeds
  EXPECT_FALSE(dial_hint(kFlagReachable, true).skip);  // a seed serves leeches
  EXPECT_FALSE(dial_hint(0, true).skip);
}

TEST(PexFlags, EncryptionFlagChoosesTheFirstHandshake) {
  EXPECT_TRUE(dial_hint(kFlagEncryption, false).encrypted_first);
  EXPECT_TRUE(dial_hint(kFlagEncryption | kFlagSeed, false).encrypted_first);
  EXPECT_FALSE(dial_hint(0, false).encrypted_first);
  EXPECT_FALSE(dial_hint(kFlagReachable | kFlagUtp | kFlagHolepunch, false).encrypted_first);
}

TEST(PexFlags, FlagsSurviveTheWireAndDriveTheHint) {
  // What one btnode says about a peer is what the next one acts on.
  PexMessage m;
  m.added.push_back({*Endpoint::from_address("10.0.0.1", 6881),
                     flags_for({.outgoing = true, .encrypted = true, .seed = true})});
  m.added.push_back({*Endpoint::from_address("10.0.0.2", 6881), flags_for({.outgoing = true})});
  auto decoded = decode_pex(encode_pex(m));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->added.size(), 2u);
  EXPECT_TRUE(dial_hint(decoded->added[0].flags, true).skip);
  EXPECT_TRUE(dial_hint(decoded->added[0].flags, false).encrypted_first);
  EXPECT_FALSE(dial_hint(decoded->added[1].flags, true).skip);
  EXPECT_FALSE(dial_hint(decoded->added[1].flags, false).encrypted_first);
}

}  // namespace
}  // namespace btnode::pex
