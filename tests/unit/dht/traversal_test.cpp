#include "dht/traversal.h"

#include <gtest/gtest.h>

#include "dht/find_node_lookup.h"
#include "tests/unit/dht/lookup_test_nodes.h"

namespace btnode::dht {
namespace {

using testing::ep;
using testing::id_of;
using testing::kT0;
using testing::node;

Response answer_from(std::uint8_t n) {
  Response r;
  r.id = id_of(n);
  return r;
}

std::vector<std::uint8_t> numbers(const std::vector<Traversal::Request>& requests) {
  std::vector<std::uint8_t> out;
  for (const auto& r : requests) out.push_back(static_cast<std::uint8_t>(r.to.address_bytes()[3]));
  return out;
}

class TraversalTest : public ::testing::Test {
 protected:
  static TraversalOptions options() {
    TraversalOptions o;
    o.alpha = 3;
    o.k = 4;
    o.stragglers = 0;  // the strict rule; Stragglers tests the relaxed one
    return o;
  }
  FindNodeLookup lookup{NodeId{}, options()};
  std::vector<Traversal::Request> sent;

  std::vector<std::uint8_t> pick(TimePoint now = kT0) {
    sent.clear();
    lookup.pick(now, sent);
    return numbers(sent);
  }
  bool respond(std::uint8_t n, std::vector<NodeInfo> nodes = {}) {
    return lookup.on_response(ep(n), answer_from(n), nodes);
  }
};

TEST_F(TraversalTest, QueriesTheAlphaClosestFirst) {
  for (std::uint8_t n : {50, 10, 40, 20, 30}) lookup.add_seed(node(n));
  EXPECT_EQ(pick(), (std::vector<std::uint8_t>{10, 20, 30}));
  EXPECT_TRUE(pick().empty()) << "alpha queries are already in flight";
  EXPECT_EQ(lookup.progress().queried, 3u);
}

TEST_F(TraversalTest, AnswersBringCloserNodesAndNoNodeIsAskedTwice) {
  for (std::uint8_t n : {50, 60, 70}) lookup.add_seed(node(n));
  pick();
  ASSERT_TRUE(respond(50, {node(5), node(60), node(6)}));
  EXPECT_EQ(pick(), (std::vector<std::uint8_t>{5}));
  ASSERT_TRUE(respond(60, {node(5), node(50), node(7)}));
  EXPECT_EQ(pick(), (std::vector<std::uint8_t>{6}));
  EXPECT_FALSE(respond(60)) << "a second answer from the same node is not taken";
  ASSERT_TRUE(respond(5, {node(50), node(6)}));
  EXPECT_EQ(pick(), (std::vector<std::uint8_t>{7}));
  EXPECT_EQ(lookup.progress().queried, 6u);
}

TEST_F(TraversalTest, SilentNodeWidensTheSearchButItsLateAnswerCounts) {
  for (std::uint8_t n : {1, 2, 3, 4, 5}) lookup.add_seed(node(n));
  pick();
  EXPECT_EQ(lookup.next_deadline(), kT0 + 1s);
  lookup.on_timer(kT0 + 999ms);
  EXPECT_TRUE(pick(kT0 + 999ms).empty());
  lookup.on_timer(kT0 + 1s);
  EXPECT_EQ(lookup.progress().slow, 3u);
  EXPECT_EQ(pick(kT0 + 1s), (std::vector<std::uint8_t>{1, 2, 3, 4, 5})) << "3 resent, 2 new";
  EXPECT_TRUE(respond(2)) << "late answers are still accepted";
  EXPECT_EQ(lookup.progress().responded, 1u);
}

TEST_F(TraversalTest, DoneWhenTheKClosestHaveAnswered) {
  for (std::uint8_t n : {1, 2, 3, 4, 5, 6}) lookup.add_seed(node(n));
  pick();
  for (std::uint8_t n : {1, 2, 3}) respond(n);
  EXPECT_FALSE(lookup.done());
  EXPECT_EQ(pick(), (std::vector<std::uint8_t>{4, 5, 6}));
  respond(4);
  EXPECT_TRUE(lookup.done());
  EXPECT_TRUE(pick().empty()) << "nodes beyond the k closest are not asked";
  std::vector<NodeInfo> closest;
  lookup.closest_responders(closest);
  EXPECT_EQ(closest, (std::vector<NodeInfo>{node(1), node(2), node(3), node(4)}));
}

TEST_F(TraversalTest, OneStragglerAmongTheKClosestDoesNotHoldTheLookup) {
  TraversalOptions o = options();
  o.stragglers = 1;
  FindNodeLookup relaxed(NodeId{}, o);
  for (std::uint8_t n : {1, 2, 3, 4, 5, 6}) relaxed.add_seed(node(n));
  relaxed.pick(kT0, sent);  // 1, 2, 3
  for (std::uint8_t n : {2, 3}) relaxed.on_response(ep(n), answer_from(n), {});
  sent.clear();
  relaxed.pick(kT0, sent);  // 4, 5
  EXPECT_FALSE(relaxed.done()) << "4 is awaited too: two stragglers";
  relaxed.on_response(ep(4), answer_from(4), {});
  EXPECT_TRUE(relaxed.done()) << "only 1 of the 4 closest is still awaited";
  std::vector<NodeInfo> closest;
  relaxed.closest_responders(closest);
  EXPECT_EQ(closest, (std::vector<NodeInfo>{node(2), node(3), node(4)}));
  // Never with a closer node not yet asked.
  FindNodeLookup fresh(NodeId{}, o);
  for (std::uint8_t n : {2, 3, 4, 5}) fresh.add_seed(node(n));
  sent.clear();
  fresh.pick(kT0, sent);
  for (std::uint8_t n : {2, 3}) fresh.on_response(ep(n), answer_from(n), {});
  const std::vector<NodeInfo> closer{node(1)};
  fresh.on_response(ep(4), answer_from(4), closer);
  EXPECT_FALSE(fresh.done()) << "node 1 was heard of and never asked";
}

TEST_F(TraversalTest, FailedNodesAreSkippedAndAllFailedEndsTheLookup) {
  for (std::uint8_t n : {1, 2}) lookup.add_seed(node(n));
  pick();
  lookup.on_failure(ep(1));
  EXPECT_FALSE(lookup.done());
  lookup.on_failure(ep(2));
  EXPECT_TRUE(lookup.done());
  EXPECT_EQ(lookup.progress().failed, 2u);
  EXPECT_FALSE(respond(1)) << "a failed node's answer no longer counts";
}

TEST_F(TraversalTest, SlowNodeIsAskedAgainAndHoldsTheLookupOpenForAnotherShortTimeout) {
  for (std::uint8_t n : {1, 2, 3, 4, 5}) lookup.add_seed(node(n));
  pick();
  respond(2);
  respond(3);
  lookup.on_timer(kT0 + 1s);  // 1 slow
  // Node 1 is asked again; 4 and 5 widen the search.
  EXPECT_EQ(pick(kT0 + 1s), (std::vector<std::uint8_t>{1, 4, 5}));
  EXPECT_EQ(lookup.progress().resent, 1u);
  respond(4);
  respond(5);
  EXPECT_FALSE(lookup.done()) << "node 1 may still answer";
  EXPECT_EQ(lookup.next_deadline(), kT0 + 2s);
  lookup.on_timer(kT0 + 2s);
  EXPECT_TRUE(lookup.done()) << "passed over after a second short timeout";
  EXPECT_TRUE(respond(1)) << "but a late answer still counts";
  std::vector<NodeInfo> closest;
  lookup.closest_responders(closest);
  EXPECT_EQ(closest.front(), node(1));
}

TEST_F(TraversalTest, ResendCanBeSwitchedOff) {
  TraversalOptions o = options();
  o.resend_slow = false;
  FindNodeLookup quiet(NodeId{}, o);
  for (std::uint8_t n : {1, 2, 3, 4}) quiet.add_seed(node(n));
  quiet.pick(kT0, sent);
  quiet.on_timer(kT0 + 1s);
  sent.clear();
  quiet.pick(kT0 + 1s, sent);
  EXPECT_EQ(numbers(sent), (std::vector<std::uint8_t>{4}));
  EXPECT_EQ(quiet.progress().resent, 0u);
}

TEST_F(TraversalTest, FailureEndsTheWaitForASlowNode) {
  for (std::uint8_t n : {1, 2, 3, 4, 5}) lookup.add_seed(node(n));
  pick();
  lookup.on_timer(kT0 + 1s);
  pick(kT0 + 1s);
  for (std::uint8_t n : {2, 3, 4, 5}) respond(n);
  EXPECT_FALSE(lookup.done());
  lookup.on_failure(ep(1));
  EXPECT_TRUE(lookup.done());
}

TEST_F(TraversalTest, BootstrapEndpointIsAskedAndItsIdLearned) {
  lookup.add_seed(ep(9));
  EXPECT_EQ(pick(), (std::vector<std::uint8_t>{9}));
  EXPECT_FALSE(sent[0].id.has_value());
  ASSERT_TRUE(respond(9, {node(3)}));
  EXPECT_EQ(pick(), (std::vector<std::uint8_t>{3}));
  respond(3, {node(1)});
  pick();
  respond(1);
  EXPECT_TRUE(lookup.done());
  std::vector<NodeInfo> closest;
  lookup.closest_responders(closest);
  EXPECT_EQ(closest, (std::vector<NodeInfo>{node(1), node(3), node(9)}));
  EXPECT_EQ(lookup.progress().hops, 3) << "9 told us of 3, which told us of 1";
}

TEST_F(TraversalTest, AnIdAtASecondEndpointIsIgnored) {
  lookup.add_seed(node(50));
  pick();
  const NodeInfo impostor{id_of(5), Endpoint::v4({10, 9, 9, 9}, 6881)};
  respond(50, {node(5), impostor, node(6)});
  EXPECT_EQ(pick(), (std::vector<std::uint8_t>{5, 6}));
  EXPECT_TRUE(pick().empty());
}

TEST_F(TraversalTest, CandidateListIsBounded) {
  TraversalOptions o = options();
  o.max_candidates = 10;
  FindNodeLookup small(NodeId{}, o);
  small.add_seed(node(200));
  small.pick(kT0, sent);
  std::vector<NodeInfo> many;
  for (std::uint8_t n = 1; n <= 100; ++n) many.push_back(node(n));
  small.on_response(ep(200), answer_from(200), many);
  sent.clear();
  for (int round = 0; round < 20; ++round) {
    std::vector<Traversal::Request> batch;
    small.pick(kT0, batch);
    for (const auto& r : batch) small.on_failure(r.to);
    sent.insert(sent.end(), batch.begin(), batch.end());
  }
  // Only the 10 nearest were kept (the asked node 200 stays too).
  EXPECT_EQ(sent.size(), 9u);
  EXPECT_EQ(numbers(sent).front(), 1);
}

TEST(TraversalEager, TheClosestAreAskedBeyondAlpha) {
  TraversalOptions o;
  o.alpha = 2;
  o.k = 4;
  o.eager = 4;
  FindNodeLookup lookup{NodeId{}, o};
  for (std::uint8_t n : {50, 10, 40, 20, 30, 60}) lookup.add_seed(node(n));
  std::vector<Traversal::Request> sent;
  lookup.pick(kT0, sent);
  EXPECT_EQ(numbers(sent), (std::vector<std::uint8_t>{10, 20, 30, 40})) << "the 4 closest at once";
  sent.clear();
  // A closer node heard of is asked at once although 4 > alpha are in flight.
  ASSERT_TRUE(lookup.on_response(ep(40), answer_from(40), std::vector<NodeInfo>{node(5)}));
  lookup.pick(kT0, sent);
  EXPECT_EQ(numbers(sent), (std::vector<std::uint8_t>{5}));
}

TEST(TraversalEager, WaitsForTheAnswersItIsToldTo) {
  TraversalOptions o;
  o.alpha = 2;
  o.k = 4;
  o.eager = 4;
  o.eager_after = 1;
  FindNodeLookup lookup{NodeId{}, o};
  for (std::uint8_t n : {50, 10, 40, 20, 30, 60}) lookup.add_seed(node(n));
  std::vector<Traversal::Request> sent;
  lookup.pick(kT0, sent);
  EXPECT_EQ(numbers(sent), (std::vector<std::uint8_t>{10, 20})) << "alpha before the first answer";
  sent.clear();
  ASSERT_TRUE(lookup.on_response(ep(10), answer_from(10), {}));
  lookup.pick(kT0, sent);
  EXPECT_EQ(numbers(sent), (std::vector<std::uint8_t>{30, 40}));
}

}  // namespace
}  // namespace btnode::dht
