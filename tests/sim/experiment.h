// One dht-sim run: build a network by real joins, kill a share of it, run
// lookups from random live nodes and measure them against the truth (the
// k closest live ids, known to the simulator).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tests/sim/network.h"

namespace btnode::sim {

struct ExperimentOptions {
  std::size_t nodes = 1000;
  std::size_t lookups = 100;
  LinkModel link;
  double dead = 0.0;  // share of nodes that die after the network formed
  std::uint64_t seed = 1;
  std::size_t routers = 4;  // the first nodes; everyone joins through them
  // Instead: every node joins through one dht::Router (`btnode bootstrap`)
  // and nothing else.
  bool join_via_router = false;
  dht::RouterSelection router_selection = dht::RouterSelection::closest_of_sample;
  // Joins start this far apart, so many are under way at once.
  Duration join_interval = std::chrono::milliseconds(5);
  Duration settle = std::chrono::seconds(30);  // after the last join starts
  Duration lookup_interval = std::chrono::milliseconds(20);
  dht::NodeOptions node;  // alpha, timeouts, table policy
};

struct ExperimentReport {
  std::size_t nodes = 0;
  std::size_t lookups = 0;
  std::size_t completed = 0;
  // Share of lookups whose result holds >= k - 1 of the true k closest live
  // nodes (the origin excluded).
  double success_rate = 0;
  double latency_ms_p50 = 0, latency_ms_p95 = 0, latency_ms_p99 = 0;
  double hops_p50 = 0;
  double queries_per_lookup = 0;  // queries the lookup sent, resends included
  double packets_per_lookup = 0;  // queries sent + answers received
  double bytes_per_node = 0;      // routing table memory, live nodes
  double table_size_mean = 0;     // live entries per table
  double buckets_mean = 0;        // table depth: buckets per table
  double table_size_min = 0;      // the emptiest live table
  std::size_t small_tables = 0;   // live tables with fewer than 8 nodes
  std::uint64_t datagrams = 0;    // whole run, joins included
  double virtual_s = 0;
  double wall_s = 0;
};

ExperimentReport run_experiment(const ExperimentOptions& options);

}  // namespace btnode::sim
