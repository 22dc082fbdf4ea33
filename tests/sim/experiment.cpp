#include "tests/sim/experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace btnode::sim {
namespace {

struct Sample {
  double latency_ms = 0;
  int hops = 0;
  std::size_t queries = 0;
  std::size_t answers = 0;
  bool success = false;
  bool done = false;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::ranges::sort(values);
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

void join_via_router(Network& net, const ExperimentOptions& o) {
  const std::vector<Endpoint> via{net.router_endpoint()};
  const TimePoint start = net.now();
  for (std::size_t i = 0; i < net.size(); ++i) {
    net.at(start + o.join_interval * static_cast<int>(i), [&net, i, via] {
      net.with_node(i, [&](dht::Node& n, std::vector<dht::Datagram>& out) {
        n.bootstrap(via, net.now(), out);
      });
    });
  }
  net.run_until(start + o.join_interval * static_cast<int>(net.size()) + o.settle);
}

void join_all(Network& net, const ExperimentOptions& o) {
  if (o.join_via_router) return join_via_router(net, o);
  const std::size_t routers = std::clamp<std::size_t>(o.routers, 1, net.size());
  std::vector<Endpoint> router_eps;
  for (std::size_t r = 0; r < routers; ++r) router_eps.push_back(Network::endpoint(r));
  const TimePoint start = net.now();
  for (std::size_t i = 1; i < net.size(); ++i) {
    // Routers join through the first one, everyone else through all routers.
    const std::vector<Endpoint> via = i < routers ? std::vector{router_eps[0]} : router_eps;
    net.at(start + o.join_interval * static_cast<int>(i), [&net, i, via] {
      net.with_node(i, [&](dht::Node& n, std::vector<dht::Datagram>& out) {
        n.bootstrap(via, net.now(), out);
      });
    });
  }
  net.run_until(start + o.join_interval * static_cast<int>(net.size()) + o.settle);
}

void kill_share(Network& net, double share) {
  std::vector<std::size_t> order(net.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::ranges::shuffle(order, net.rng());
  const auto n = static_cast<std::size_t>(share * static_cast<double>(net.size()));
  for (std::size_t i = 0; i < n; ++i) net.set_dead(order[i], true);
}

// The k live ids closest to target, the origin excluded.
std::vector<NodeId> truth(Network& net, const NodeId& target, std::size_t origin, std::size_t k) {
  std::vector<NodeId> ids;
  ids.reserve(net.size());
  for (std::size_t i = 0; i < net.size(); ++i) {
    if (i != origin && !net.dead(i)) ids.push_back(net.node(i).id());
  }
  const auto closer = [&](const NodeId& a, const NodeId& b) { return closer_to(target, a, b); };
  k = std::min(k, ids.size());
  std::ranges::nth_element(ids, ids.begin() + static_cast<std::ptrdiff_t>(k), closer);
  ids.resize(k);
  return ids;
}

std::size_t random_live(Network& net) {
  std::uniform_int_distribution<std::size_t> pick(0, net.size() - 1);
  for (int tries = 0; tries < 1000; ++tries) {
    const std::size_t i = pick(net.rng());
    if (!net.dead(i)) return i;
  }
  return 0;
}

void start_lookup(Network& net, std::size_t origin, Sample& sample, std::size_t k,
                  std::size_t& finished) {
  NodeId target;
  for (auto& b : target.bytes) b = static_cast<std::uint8_t>(net.rng()());
  const auto expected = truth(net, target, origin, k);
  const TimePoint started = net.now();
  auto done = [&net, &sample, &finished, expected, started, k](const dht::LookupResult& r) {
    if (!r.done) return;
    sample.done = true;
    ++finished;
    sample.latency_ms = std::chrono::duration<double, std::milli>(net.now() - started).count();
    sample.hops = r.progress.hops;
    sample.queries = r.progress.queried + r.progress.resent;
    sample.answers = r.progress.responded;
    std::size_t found = 0;
    for (const NodeInfo& n : r.closest) found += std::ranges::count(expected, n.id);
    sample.success = found + 1 >= std::min(k, expected.size());
  };
  net.with_node(origin, [&](dht::Node& n, std::vector<dht::Datagram>& out) {
    n.find_node(target, net.now(), out, done);
  });
}

void summarize(Network& net, const std::vector<Sample>& samples, ExperimentReport& r) {
  std::vector<double> latency, hops;
  double queries = 0, answers = 0;
  std::size_t ok = 0;
  for (const Sample& s : samples) {
    if (!s.done) continue;
    ++r.completed;
    latency.push_back(s.latency_ms);
    hops.push_back(s.hops);
    queries += static_cast<double>(s.queries);
    answers += static_cast<double>(s.answers);
    ok += s.success ? 1 : 0;
  }
  const double n = std::max<double>(1, static_cast<double>(samples.size()));
  r.success_rate = static_cast<double>(ok) / n;
  r.latency_ms_p50 = percentile(latency, 0.50);
  r.latency_ms_p95 = percentile(latency, 0.95);
  r.latency_ms_p99 = percentile(latency, 0.99);
  r.hops_p50 = percentile(hops, 0.50);
  r.queries_per_lookup = queries / std::max<double>(1, static_cast<double>(r.completed));
  r.packets_per_lookup =
      (queries + answers) / std::max<double>(1, static_cast<double>(r.completed));
  double bytes = 0, entries = 0, live = 0, buckets = 0;
  double smallest = 1e18;
  for (std::size_t i = 0; i < net.size(); ++i) {
    if (net.dead(i)) continue;
    live += 1;
    buckets += static_cast<double>(net.node(i).table(Endpoint::Family::v4).bucket_count());
    const std::size_t size = net.node(i).table(Endpoint::Family::v4).size();
    smallest = std::min(smallest, static_cast<double>(size));
    if (size < 8) ++r.small_tables;
    bytes += static_cast<double>(net.node(i).table(Endpoint::Family::v4).memory_bytes() +
                                 net.node(i).table(Endpoint::Family::v6).memory_bytes());
    entries += static_cast<double>(net.node(i).table(Endpoint::Family::v4).size());
  }
  r.bytes_per_node = bytes / std::max(1.0, live);
  r.table_size_mean = entries / std::max(1.0, live);
  r.buckets_mean = buckets / std::max(1.0, live);
  r.table_size_min = live > 0 ? smallest : 0;
}

}  // namespace

ExperimentReport run_experiment(const ExperimentOptions& o) {
  const auto wall_start = std::chrono::steady_clock::now();
  NetworkOptions no;
  no.nodes = std::max<std::size_t>(o.nodes, 2);
  no.link = o.link;
  no.seed = o.seed;
  no.node = o.node;
  no.router = o.join_via_router;
  no.router_options.selection = o.router_selection;
  Network net(no);
  const TimePoint t0 = net.now();
  join_all(net, o);
  kill_share(net, o.dead);

  std::vector<Sample> samples(o.lookups);
  std::size_t finished = 0;
  const TimePoint first = net.now();
  for (std::size_t i = 0; i < o.lookups; ++i) {
    net.at(first + o.lookup_interval * static_cast<int>(i), [&net, &samples, &finished, i, &o] {
      start_lookup(net, random_live(net), samples[i], o.node.lookup.k, finished);
    });
  }
  // Every lookup ends within a few full timeouts; a minute of slack.
  const TimePoint end =
      first + o.lookup_interval * static_cast<int>(o.lookups) + std::chrono::minutes(1);
  net.run_until(end, [&] { return finished == o.lookups; });

  ExperimentReport r;
  r.nodes = net.size();
  r.lookups = o.lookups;
  summarize(net, samples, r);
  r.datagrams = net.datagrams_sent();
  r.virtual_s = std::chrono::duration<double>(net.now() - t0).count();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return r;
}

}  // namespace btnode::sim
