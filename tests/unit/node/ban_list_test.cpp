#include "node/ban_list.h"

#include <gtest/gtest.h>

#include <vector>

namespace btnode::node {
namespace {

Endpoint ip(std::uint8_t last, std::uint16_t port = 6881) {
  return Endpoint::v4({10, 0, 0, last}, port);
}

std::vector<BlockSource> from(std::initializer_list<Endpoint> senders) {
  std::vector<BlockSource> blocks;
  for (const auto& sender : senders) blocks.push_back(BlockSource{sender, ""});
  return blocks;
}

TEST(BanListTest, SoleContributorOfTwoFailedPiecesIsBanned) {
  BanList bans;
  EXPECT_TRUE(bans.on_piece_failed(1, from({ip(1), ip(1)})).empty());
  EXPECT_FALSE(bans.is_banned(ip(1)));
  // Reconnected from another port: same address, same record.
  const auto banned = bans.on_piece_failed(2, from({ip(1, 9999), ip(1, 9999)}));
  ASSERT_EQ(banned.size(), 1u);
  EXPECT_EQ(banned[0], ip(1, 9999));
  EXPECT_TRUE(bans.is_banned(ip(1, 1234)));
  EXPECT_EQ(bans.banned_count(), 1u);
}

TEST(BanListTest, SharedFailuresBanOnlyAfterRepeatedInvolvement) {
  BanListOptions options;
  options.involvements_to_ban = 3;
  BanList bans(options);
  EXPECT_TRUE(bans.on_piece_failed(1, from({ip(1), ip(2)})).empty());
  EXPECT_TRUE(bans.on_piece_failed(2, from({ip(1), ip(3)})).empty());
  const auto banned = bans.on_piece_failed(3, from({ip(4), ip(1), ip(1)}));
  EXPECT_EQ(banned, std::vector<Endpoint>{ip(1)});
  EXPECT_FALSE(bans.is_banned(ip(2)));
  EXPECT_FALSE(bans.is_banned(ip(4)));
  // Already banned: not reported twice.
  EXPECT_TRUE(bans.on_piece_failed(4, from({ip(1)})).empty());
}

TEST(BanListTest, SmartBanNamesTheSenderOfTheDifferingBlock) {
  BanList bans;
  std::vector<BlockSource> failed{{ip(1), "good0"}, {ip(2), "evil"}, {ip(3), "good2"}};
  EXPECT_TRUE(bans.on_piece_failed(7, failed).empty());
  std::vector<BlockSource> passed{{ip(5), "good0"}, {ip(5), "good1"}, {ip(3), "good2"}};
  EXPECT_EQ(bans.on_piece_passed(7, passed), std::vector<Endpoint>{ip(2)});
  EXPECT_FALSE(bans.is_banned(ip(1)));
  EXPECT_FALSE(bans.is_banned(ip(3)));
  // Forgotten once used.
  EXPECT_TRUE(bans.on_piece_passed(7, passed).empty());
}

TEST(BanListTest, SmartBanMemoryIsBounded) {
  BanListOptions options;
  options.max_remembered_pieces = 2;
  options.involvements_to_ban = 100;
  options.sole_failures_to_ban = 100;
  BanList bans(options);
  for (std::uint32_t piece = 0; piece < 3; ++piece) {
    std::vector<BlockSource> failed{{ip(static_cast<std::uint8_t>(piece + 1)), "bad"}};
    (void)bans.on_piece_failed(piece, failed);
  }
  std::vector<BlockSource> good{{ip(9), "good"}};
  EXPECT_TRUE(bans.on_piece_passed(0, good).empty());  // evicted, oldest first
  EXPECT_EQ(bans.on_piece_passed(2, good), std::vector<Endpoint>{ip(3)});
}

TEST(BanListTest, MappedAddressesAreTheSamePeer) {
  BanList bans;
  bans.ban(ip(7));
  const auto mapped = Endpoint::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 7}, 1);
  EXPECT_TRUE(bans.is_banned(mapped));
}

}  // namespace
}  // namespace btnode::node
