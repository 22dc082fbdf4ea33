// 2,000 nodes join a DHT through one router node (dht::Router, what
// `btnode bootstrap` runs) and nothing else, and must end with tables as
// deep and full as when they join through full nodes, and lookups as good.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/sim/experiment.h"

namespace btnode::sim {
namespace {

using namespace std::chrono_literals;

ExperimentOptions base() {
  ExperimentOptions o;
  o.nodes = 2000;
  o.lookups = 100;
  o.link = {20ms, 300ms, 0.01};
  o.seed = 11;
  return o;
}

void print(const char* name, const ExperimentReport& r) {
  std::printf(
      "%s: success %.3f table mean %.1f min %.0f (%zu below 8) buckets %.1f p50 %.0f ms wall %.1f s\n",
      name, r.success_rate, r.table_size_mean, r.table_size_min, r.small_tables, r.buckets_mean,
      r.latency_ms_p50, r.wall_s);
}

TEST(SimRouterJoin, TwoThousandNodesJoiningThroughTheRouterGetHealthyTables) {
  const ExperimentReport full = run_experiment(base());
  ExperimentOptions o = base();
  o.join_via_router = true;
  const ExperimentReport via = run_experiment(o);
  print("via full nodes", full);
  print("via router", via);
  EXPECT_EQ(via.completed, 100u);
  EXPECT_GE(via.success_rate, 0.95);
  EXPECT_GE(via.table_size_mean, 0.9 * full.table_size_mean);
  EXPECT_GE(via.buckets_mean, 0.9 * full.buckets_mean);
  // Nearly nobody is left with a near-empty table. A few may be: a joiner
  // whose only bootstrap exchange is lost (1% loss each way) and resent in
  // vain keeps an empty table, as it would with any single router.
  EXPECT_LE(via.small_tables, 10u);
}

}  // namespace
}  // namespace btnode::sim
