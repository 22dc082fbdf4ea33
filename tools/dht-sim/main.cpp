// dht-sim: runs a virtual-time DHT (tests/sim) and prints one JSON report,
// the figures DHT changes are judged by (CLI.md, "Developer tools").
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/sim/experiment.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

// "LO:HI" in milliseconds, 0 <= LO <= HI.
bool parse_range(const std::string& text, int& lo, int& hi) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return false;
  const char* b = text.data();
  const auto a = std::from_chars(b, b + colon, lo);
  const auto c = std::from_chars(b + colon + 1, b + text.size(), hi);
  return a.ec == std::errc{} && a.ptr == b + colon && c.ec == std::errc{} &&
         c.ptr == b + text.size() && lo >= 0 && lo <= hi;
}

nlohmann::json to_json(const btnode::sim::ExperimentReport& r,
                       const btnode::sim::ExperimentOptions& o) {
  return {{"nodes", r.nodes},
          {"lookups", r.lookups},
          {"completed", r.completed},
          {"success_rate", r.success_rate},
          {"latency_ms_p50", r.latency_ms_p50},
          {"latency_ms_p95", r.latency_ms_p95},
          {"latency_ms_p99", r.latency_ms_p99},
          {"hops_p50", r.hops_p50},
          {"packets_per_lookup", r.packets_per_lookup},
          {"queries_per_lookup", r.queries_per_lookup},
          {"bytes_per_node", r.bytes_per_node},
          {"table_size_mean", r.table_size_mean},
          {"table_size_min", r.table_size_min},
          {"small_tables", r.small_tables},
          {"buckets_mean", r.buckets_mean},
          {"join_via_router", o.join_via_router},
          {"datagrams", r.datagrams},
          {"alpha", o.node.lookup.alpha},
          {"stragglers", o.node.lookup.stragglers},
          {"far_buckets", o.node.table.far_capacity},
          {"eager", o.node.lookup.eager},
          {"eager_after", o.node.lookup.eager_after},
          {"fill_from_answers", o.node.fill_from_answers},
          {"adaptive_timeout", o.node.rtt.adaptive},
          {"loss", o.link.loss},
          {"dead", o.dead},
          {"seed", o.seed},
          {"virtual_s", r.virtual_s},
          {"wall_s", r.wall_s}};
}

}  // namespace

int main(int argc, char** argv) {
  btnode::sim::ExperimentOptions o;
  std::string rtt = "20:300";
  int slow_ms = 1000;
  bool json = false;
  bool no_resend = false;
  bool fixed_timeout = false;
  CLI::App app{"dht-sim: a virtual-time Mainline DHT of N btnode nodes", "dht-sim"};
  app.add_option("--nodes", o.nodes, "nodes in the network")->check(CLI::Range(2, 1000000));
  app.add_option("--lookups", o.lookups, "find_node lookups to measure")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--rtt-ms", rtt, "per-link round-trip time range LO:HI");
  app.add_option("--loss", o.link.loss, "datagram loss probability")->check(CLI::Range(0.0, 1.0));
  app.add_option("--dead", o.dead, "share of nodes dead after joining")
      ->check(CLI::Range(0.0, 0.99));
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--alpha", o.node.lookup.alpha, "lookup parallelism")->check(CLI::Range(1, 32));
  app.add_option("--slow-ms", slow_ms, "short timeout (ms) after which a lookup widens")
      ->check(CLI::Range(10, 10000));
  app.add_option("--margin", o.node.lookup.margin, "walk until k + margin nodes answered");
  app.add_option("--stragglers", o.node.lookup.stragglers,
                 "of the k closest, how many may still be awaited when a lookup ends");
  app.add_flag("--no-resend", no_resend, "do not resend a query at the short timeout");
  app.add_flag("--fixed-timeout", fixed_timeout,
               "short timeout always --slow-ms, not sized from measured round trips");
  std::vector<std::size_t> far;
  app.add_option("--far-buckets", far,
                 "live slots of the first (farthest) buckets, e.g. 128,64,32,16; 0 = k")
      ->delimiter(',')
      ->expected(1, 4);
  app.add_option("--eager", o.node.lookup.eager,
                 "the closest N candidates are asked at once, beyond alpha");
  app.add_option("--eager-after", o.node.lookup.eager_after, "answers before --eager applies");
  app.add_flag("--fill-from-answers", o.node.fill_from_answers,
               "ping nodes named in lookup answers while their bucket has room");
  app.add_option("--routers", o.routers, "bootstrap nodes")->check(CLI::Range(1, 100));
  std::string selection = "closest";
  app.add_flag("--join-via-router", o.join_via_router,
               "every node joins through one router node (btnode bootstrap's responder) only");
  app.add_option("--router-selection", selection, "nodes the router hands out: closest or random")
      ->check(CLI::IsMember({"closest", "random"}));
  app.add_flag("--json", json, "print the report as one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  int lo = 0, hi = 0;
  if (!parse_range(rtt, lo, hi)) {
    std::cerr << "dht-sim: --rtt-ms wants LO:HI in milliseconds, got '" << rtt << "'\n";
    return kExitUsage;
  }
  o.link.rtt_min = std::chrono::milliseconds(lo);
  o.link.rtt_max = std::chrono::milliseconds(hi);
  if (!far.empty()) {
    o.node.table.far_capacity = {};
    for (std::size_t i = 0; i < far.size(); ++i) o.node.table.far_capacity[i] = far[i];
  }
  o.node.lookup.slow_after = std::chrono::milliseconds(slow_ms);
  o.node.lookup.resend_slow = !no_resend;
  o.node.rtt.adaptive = !fixed_timeout;
  o.router_selection = selection == "random" ? btnode::dht::RouterSelection::random
                                             : btnode::dht::RouterSelection::closest_of_sample;

  const auto report = btnode::sim::run_experiment(o);
  const auto j = to_json(report, o);
  std::cout << (json ? j.dump() : j.dump(2)) << '\n';
  return kExitOk;
}
