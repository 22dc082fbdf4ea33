#include "node/request_pipeline.h"

#include <gtest/gtest.h>

namespace btnode::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint{} + seconds(1000);
constexpr std::uint32_t kBlock = 16 * 1024;

// Feeds `rate` bytes/s as 16 KiB blocks for `duration`, each seen `rtt` after
// its request; returns the time of the last block.
TimePoint feed(RequestPipeline& pipeline, double rate, milliseconds rtt, seconds duration) {
  const auto gap =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(kBlock / rate));
  TimePoint now = kStart;
  for (int i = 0; i < 100000 && now < kStart + duration; ++i) {
    pipeline.on_block(kBlock, rtt, now);
    now += gap;
  }
  return now;
}

TEST(RequestPipelineTest, StartsAtTheMinimum) {
  RequestPipeline pipeline;
  EXPECT_EQ(pipeline.target(250, kStart), 4u);
  EXPECT_EQ(pipeline.room(1, 250, kStart), 3u);
}

TEST(RequestPipelineTest, FollowsRateTimesRoundTrip) {
  RequestPipeline pipeline;
  // 10 MiB/s over 100 ms: BDP 1 MiB = 64 blocks; headroom 2 -> 128.
  const TimePoint now = feed(pipeline, 10 * 1024 * 1024, milliseconds(100), seconds(6));
  EXPECT_NEAR(pipeline.target(1000, now), 128.0, 6.0);
  EXPECT_EQ(pipeline.min_rtt(), milliseconds(100));
}

TEST(RequestPipelineTest, BoundedByMaximumAndPeerReqq) {
  RequestPipeline pipeline;
  const TimePoint now = feed(pipeline, 200 * 1024 * 1024, milliseconds(200), seconds(6));
  EXPECT_EQ(pipeline.target(100000, now), 500u);
  EXPECT_EQ(pipeline.target(250, now), 250u);
  EXPECT_EQ(pipeline.target(2, now), 2u);  // a tiny reqq wins over our minimum
  EXPECT_EQ(pipeline.room(300, 250, now), 0u);
}

TEST(RequestPipelineTest, SlowPeerKeepsTheMinimum) {
  RequestPipeline pipeline;
  const TimePoint now = feed(pipeline, 20 * 1024, milliseconds(50), seconds(6));
  EXPECT_EQ(pipeline.target(250, now), 4u);
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

}  // namespace
}  // namespace btnode::node
