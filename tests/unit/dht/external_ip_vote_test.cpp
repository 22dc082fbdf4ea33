#include "dht/external_ip_vote.h"

#include <gtest/gtest.h>

namespace btnode::dht {
namespace {

Endpoint voter(std::uint8_t n, std::uint16_t port = 6881) {
  return Endpoint::v4({1, 1, 1, n}, port);
}
const Endpoint kHome = Endpoint::v4({5, 6, 7, 8}, 40000);
const Endpoint kLie = Endpoint::v4({66, 66, 66, 66}, 1);

TEST(ExternalIpVote, ElectsAfterMinVotesFromDistinctVoters) {
  ExternalIpVote vote;
  EXPECT_FALSE(vote.add(voter(1), kHome));
  EXPECT_FALSE(vote.add(voter(2), kHome));
  EXPECT_FALSE(vote.elected());
  EXPECT_TRUE(vote.add(voter(3), kHome.with_port(1234))) << "ports are ignored";
  ASSERT_TRUE(vote.elected());
  EXPECT_EQ(*vote.elected(), kHome.with_port(0));
  EXPECT_FALSE(vote.add(voter(4), kHome)) << "no change";
}

TEST(ExternalIpVote, OneVoterIpCountsOnce) {
  ExternalIpVote vote;
  for (std::uint16_t port = 1; port <= 100; ++port) vote.add(voter(9, port), kLie);
  EXPECT_EQ(vote.voters(), 1u);
  EXPECT_FALSE(vote.elected());
}

TEST(ExternalIpVote, MajorityWinsAndTiesKeepTheOldAddress) {
  ExternalIpVote vote;
  for (std::uint8_t n = 1; n <= 3; ++n) vote.add(voter(n), kHome);
  for (std::uint8_t n = 10; n <= 12; ++n) vote.add(voter(n), kLie);
  EXPECT_EQ(*vote.elected(), kHome.with_port(0)) << "3 against 3 keeps the elected one";
  EXPECT_TRUE(vote.add(voter(13), kLie));
  EXPECT_EQ(*vote.elected(), kLie.with_port(0));
}

TEST(ExternalIpVote, VoterChangingItsMindMovesItsVote) {
  ExternalIpVote vote;
  for (std::uint8_t n = 1; n <= 3; ++n) vote.add(voter(n), kHome);
  const Endpoint moved = Endpoint::v4({9, 9, 9, 9}, 0);
  // After a reconnect every node sees the new address.
  for (std::uint8_t n = 1; n <= 3; ++n) vote.add(voter(n), moved);
  EXPECT_EQ(*vote.elected(), moved);
  EXPECT_EQ(vote.voters(), 3u);
}

TEST(ExternalIpVote, OldestVotersAreForgotten) {
  ExternalIpVote vote({.min_votes = 3, .max_voters = 5});
  for (std::uint8_t n = 1; n <= 5; ++n) vote.add(voter(n), kLie);
  for (std::uint8_t n = 10; n <= 14; ++n) vote.add(voter(n), kHome);
  EXPECT_EQ(vote.voters(), 5u);
  EXPECT_EQ(*vote.elected(), kHome.with_port(0));
}

}  // namespace
}  // namespace btnode::dht
