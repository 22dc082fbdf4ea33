#include "dht/rpc_tracker.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);
const Endpoint kPeer = Endpoint::v4({198, 51, 100, 1}, 6881);
const Endpoint kSpoofer = Endpoint::v4({198, 51, 100, 2}, 6881);

TEST(RpcTracker, MatchesOnTransactionIdAndEndpoint) {
  RpcTracker rpc;
  const auto tid = rpc.start({kPeer, std::nullopt, kT0});
  ASSERT_TRUE(tid.has_value());
  const std::string id(RpcTracker::view(*tid));
  // Right id from the wrong host (or port): not ours, and the real reply
  // still matches afterwards.
  EXPECT_FALSE(rpc.finish(id, kSpoofer).has_value());
  EXPECT_FALSE(rpc.finish(id, kPeer.with_port(1)).has_value());
  EXPECT_EQ(rpc.in_flight(), 1u);
  const auto query = rpc.finish(id, kPeer);
  ASSERT_TRUE(query.has_value());
  EXPECT_EQ(query->to, kPeer);
  EXPECT_FALSE(rpc.finish(id, kPeer).has_value());  // only once
  EXPECT_EQ(rpc.in_flight(), 0u);
}

TEST(RpcTracker, RejectsMalformedIds) {
  RpcTracker rpc;
  rpc.start({kPeer, std::nullopt, kT0});
  EXPECT_FALSE(rpc.finish("", kPeer).has_value());
  EXPECT_FALSE(rpc.finish("abc", kPeer).has_value());
}

TEST(RpcTracker, IdsAreUniqueAndInFlightIsBounded) {
  RpcTracker rpc(100);
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const auto tid = rpc.start({kPeer, std::nullopt, kT0});
    ASSERT_TRUE(tid.has_value());
    EXPECT_TRUE(ids.insert(std::string(RpcTracker::view(*tid))).second);
  }
  EXPECT_FALSE(rpc.start({kPeer, std::nullopt, kT0}).has_value());
}

TEST(RpcTracker, ExpiresAfterTheTimeout) {
  RpcTracker rpc;
  NodeId id;
  id.bytes[0] = 7;
  rpc.start({kPeer, id, kT0});
  rpc.start({kSpoofer, std::nullopt, kT0 + 2s});
  EXPECT_EQ(rpc.next_timeout(4s), kT0 + 4s);
  std::vector<PendingQuery> timed_out;
  rpc.expire(kT0 + 3s, 4s, timed_out);
  EXPECT_TRUE(timed_out.empty());
  rpc.expire(kT0 + 4s, 4s, timed_out);
  ASSERT_EQ(timed_out.size(), 1u);
  EXPECT_EQ(timed_out[0].node, id);
  EXPECT_EQ(rpc.next_timeout(4s), kT0 + 6s);
  rpc.expire(kT0 + 6s, 4s, timed_out);
  EXPECT_EQ(rpc.next_timeout(4s), TimePoint::max());
}

TEST(RpcTracker, NextTimeoutMayBeEarlyAfterAnAnswerButNeverLate) {
  RpcTracker rpc;
  const auto first = rpc.start({kPeer, std::nullopt, kT0});
  rpc.start({kSpoofer, std::nullopt, kT0 + 2s});
  ASSERT_TRUE(rpc.finish(RpcTracker::view(*first), kPeer).has_value());
  EXPECT_LE(rpc.next_timeout(4s), kT0 + 6s);
  std::vector<PendingQuery> timed_out;
  rpc.expire(kT0 + 4s, 4s, timed_out);  // the early wake-up finds nothing due
  EXPECT_TRUE(timed_out.empty());
  EXPECT_EQ(rpc.next_timeout(4s), kT0 + 6s) << "and corrects the estimate";
  rpc.expire(kT0 + 6s, 4s, timed_out);
  EXPECT_EQ(timed_out.size(), 1u);
}

}  // namespace
}  // namespace btnode::dht
