#include "node/request_pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace btnode::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint{} + seconds(1000);
constexpr std::uint32_t kBlock = 16 * 1024;

// A fluid model of one peer: a link of `capacity` bytes/s and round trip
// `rtt`. Each round trip delivers what was in flight (the pipeline's target)
// or what the link carries, whichever is less, spread over the round.
struct Link {
  double capacity;
  milliseconds rtt;
  TimePoint now = kStart;
  double carry = 0;

  // Runs `rounds` round trips; returns the target after each.
  std::vector<std::uint32_t> run(RequestPipeline& pipeline, int rounds,
                                 std::uint32_t reqq = 100000) {
    std::vector<std::uint32_t> targets;
    for (int r = 0; r < rounds; ++r) {
      const double in_flight = pipeline.target(reqq) * double{kBlock};
      carry += std::min(capacity * std::chrono::duration<double>(rtt).count(), in_flight);
      const auto blocks = static_cast<int>(carry / kBlock);
      carry -= blocks * double{kBlock};
      for (int b = 0; b < blocks; ++b) pipeline.on_block(kBlock, rtt, now + rtt * b / blocks);
      now += rtt;
      targets.push_back(pipeline.target(reqq));
    }
    return targets;
  }
};

std::uint32_t bdp_blocks(double capacity, milliseconds rtt) {
  return static_cast<std::uint32_t>(
      std::ceil(capacity * std::chrono::duration<double>(rtt).count() / kBlock));
}

TEST(RequestPipelineTest, StartsAtTheMinimum) {
  RequestPipeline pipeline;
  EXPECT_EQ(pipeline.target(250), 4u);
  EXPECT_EQ(pipeline.room(1, 250), 3u);
  EXPECT_EQ(pipeline.bandwidth(), 0.0);
}

// Property over a grid of links: within 20 rounds (a round is one round trip,
// at least round_floor = 10 ms) the pipeline holds at least one
// bandwidth-delay product (the link is full), and it settles at about twice
// that, never above the maximum. 20 rounds: 4 -> 500 blocks is 7 doublings,
// each seen one round late.
TEST(RequestPipelineTest, RampsToTheBandwidthDelayProductInAFewRounds) {
  for (const double capacity : {2e6, 20e6, 100e6, 1000e6}) {
    for (const int rtt_ms : {1, 20, 100, 300}) {
      const milliseconds rtt(rtt_ms);
      const int trips_per_round = rtt_ms >= 10 ? 1 : 10 / rtt_ms;
      RequestPipeline pipeline;
      Link link{capacity, rtt};
      const auto targets = link.run(pipeline, 40 * trips_per_round);
      const std::uint32_t bdp = std::min(bdp_blocks(capacity, rtt), 500u);
      const std::uint32_t floor = std::max(bdp, 4u);
      const auto ramped = static_cast<std::size_t>(20 * trips_per_round);
      EXPECT_GE(targets[ramped], floor) << capacity << " B/s, " << rtt_ms << " ms";
      EXPECT_LE(targets.back(), std::min(2 * bdp + 2, 500u)) << capacity << " B/s, " << rtt_ms;
      EXPECT_GE(targets.back(), floor);
    }
  }
}

TEST(RequestPipelineTest, BoundedByMaximumAndPeerReqq) {
  RequestPipeline pipeline;
  Link link{400e6, milliseconds(200)};
  link.run(pipeline, 20);
  EXPECT_EQ(pipeline.target(100000), 500u);
  EXPECT_EQ(pipeline.target(250), 250u);
  EXPECT_EQ(pipeline.target(2), 2u);  // a tiny reqq wins over our minimum
  EXPECT_EQ(pipeline.room(300, 250), 0u);
}

// A link faster than its minimum RTT suggests (loopback: 0.1 ms) is given
// at least rate x rtt_floor in flight.
TEST(RequestPipelineTest, RttFloorSizesTheQueueForBurstyFastPeers) {
  RequestPipelineOptions options;
  options.rtt_floor = milliseconds(10);
  RequestPipeline floored(options);
  RequestPipeline bare;
  Link a{300e6, milliseconds(1)};
  Link b{300e6, milliseconds(1)};
  a.run(floored, 400);
  b.run(bare, 400);
  EXPECT_GE(floored.target(100000), bdp_blocks(300e6, milliseconds(10)));
  EXPECT_LE(bare.target(100000), 2 * bdp_blocks(300e6, milliseconds(1)) + 2);
}

TEST(RequestPipelineTest, SlowPeerKeepsTheMinimum) {
  RequestPipeline pipeline;
  Link link{20e3, milliseconds(50)};
  link.run(pipeline, 100);
  EXPECT_EQ(pipeline.target(250), 4u);
}

// A peer that slows down is followed within kRounds rounds (the best recent
// round is forgotten), not held at its old target.
TEST(RequestPipelineTest, FollowsAPeerThatSlowsDown) {
  RequestPipeline pipeline;
  Link link{100e6, milliseconds(20)};
  link.run(pipeline, 30);
  const std::uint32_t fast = pipeline.target(100000);
  link.capacity = 10e6;
  link.run(pipeline, 30);
  EXPECT_LT(pipeline.target(100000), fast / 5);
  EXPECT_NEAR(pipeline.bandwidth(), 10e6, 2e6);
}

// An idle gap (choked, nothing wanted) is not read as a slow link.
TEST(RequestPipelineTest, IdleGapIsNotARound) {
  RequestPipeline pipeline;
  Link link{100e6, milliseconds(20)};
  link.run(pipeline, 30);
  const double before = pipeline.bandwidth();
  link.now += seconds(30);
  pipeline.on_block(kBlock, milliseconds(20), link.now);
  EXPECT_EQ(pipeline.bandwidth(), before);
}

// The queueing delay our own deep queue causes must not feed back: the
// smallest recent round trip is used, not the latest.
TEST(RequestPipelineTest, UsesTheSmallestRecentRoundTrip) {
  RequestPipeline pipeline;
  pipeline.on_block(kBlock, milliseconds(40), kStart);
  pipeline.on_block(kBlock, milliseconds(900), kStart + seconds(1));
  EXPECT_EQ(pipeline.min_rtt(), milliseconds(40));
  // Forgotten after rtt_memory (30 s): the path may have changed.
  pipeline.on_block(kBlock, milliseconds(300), kStart + seconds(40));
  EXPECT_EQ(pipeline.min_rtt(), milliseconds(300));
}

TEST(RequestPipelineTest, ReportsTheAverageRate) {
  RequestPipeline pipeline;
  Link link{1e6, milliseconds(100)};
  link.run(pipeline, 100);  // 10 s
  EXPECT_NEAR(pipeline.rate(link.now), 1e6, 0.1e6);
}

}  // namespace
}  // namespace btnode::node
