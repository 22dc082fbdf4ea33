#include "dht/bucket.h"

#include <gtest/gtest.h>

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(100);

NodeEntry entry(std::uint8_t tag, bool responded, bool verified, TimePoint seen) {
  NodeEntry e;
  e.info.id.bytes[0] = tag;
  e.info.endpoint = Endpoint::v4({1, 2, 3, tag}, 6881);
  e.responded = responded;
  e.verified = verified;
  e.last_seen = seen;
  if (responded) e.last_response = seen;
  return e;
}

TEST(Bucket, StateFollowsResponsesQueriesAndFailures) {
  const BucketPolicy policy;
  NodeEntry e = entry(1, false, false, kT0);
  EXPECT_EQ(e.state(kT0, policy), NodeState::questionable);  // never answered
  e.last_query = kT0;
  EXPECT_EQ(e.state(kT0, policy), NodeState::questionable);  // queries alone are not enough
  e = entry(1, true, false, kT0);
  EXPECT_EQ(e.state(kT0 + 14min, policy), NodeState::good);
  EXPECT_EQ(e.state(kT0 + 15min, policy), NodeState::questionable);
  e.last_query = kT0 + 10min;
  EXPECT_EQ(e.state(kT0 + 24min, policy), NodeState::good);
  e.failures = 1;
  EXPECT_EQ(e.state(kT0 + 24min, policy), NodeState::questionable);
  e.failures = 2;
  EXPECT_EQ(e.state(kT0 + 24min, policy), NodeState::bad);
}

TEST(Bucket, PingCandidateIsLeastRecentlySeenQuestionable) {
  const BucketPolicy policy;
  Bucket b;
  b.live = {entry(1, true, false, kT0 + 3s), entry(2, true, false, kT0 + 1s),
            entry(3, true, false, kT0 + 20min)};
  const TimePoint now = kT0 + 25min;  // 1 and 2 are questionable, 3 is good
  NodeEntry* pick = b.ping_candidate(now, policy);
  ASSERT_NE(pick, nullptr);
  EXPECT_EQ(pick->info.id.bytes[0], 2);
  pick->ping_suggested = true;
  pick->last_ping = now;
  EXPECT_EQ(b.ping_candidate(now, policy)->info.id.bytes[0], 1);
  EXPECT_EQ(b.ping_candidate(now + policy.ping_interval, policy)->info.id.bytes[0], 2);
}

TEST(Bucket, BadAndUnverifiedVictims) {
  const BucketPolicy policy;
  Bucket b;
  b.live = {entry(1, true, true, kT0), entry(2, true, false, kT0)};
  EXPECT_EQ(b.bad_node(kT0, policy), nullptr);
  EXPECT_EQ(b.unverified_non_good(kT0, policy), nullptr);  // good nodes are kept
  EXPECT_EQ(b.unverified_non_good(kT0 + 20min, policy)->info.id.bytes[0], 2);
  b.live[0].failures = 2;
  EXPECT_EQ(b.bad_node(kT0, policy)->info.id.bytes[0], 1);
}

TEST(Bucket, CacheRanksAnsweredVerifiedAndRecentFirst) {
  Bucket b;
  b.cache = {entry(1, false, true, kT0 + 9s), entry(2, true, false, kT0 + 5s),
             entry(3, true, true, kT0 + 1s), entry(4, true, true, kT0 + 2s)};
  EXPECT_EQ(b.best_confirmed_cached()->info.id.bytes[0], 4);
  EXPECT_EQ(b.cache_victim(entry(5, false, false, kT0 + 10s)), b.cache.end());
  EXPECT_EQ(b.cache_victim(entry(5, false, true, kT0 + 10s))->info.id.bytes[0], 1);
  const BucketPolicy policy;
  EXPECT_EQ(b.cached_to_ping(kT0, policy)->info.id.bytes[0], 1);
  b.cache = {entry(2, true, false, kT0)};
  EXPECT_EQ(b.cached_to_ping(kT0, policy), nullptr);  // only unanswered ones need a ping
  b.cache.clear();
  EXPECT_EQ(b.best_confirmed_cached(), b.cache.end());
}

TEST(Bucket, FindsById) {
  Bucket b;
  b.live = {entry(1, true, false, kT0)};
  b.cache = {entry(2, false, false, kT0)};
  EXPECT_NE(b.find_live(b.live[0].info.id), nullptr);
  EXPECT_EQ(b.find_live(b.cache[0].info.id), nullptr);
  EXPECT_NE(b.find_cached(b.cache[0].info.id), nullptr);
}

}  // namespace
}  // namespace btnode::dht
