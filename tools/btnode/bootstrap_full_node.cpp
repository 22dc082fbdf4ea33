// `btnode bootstrap --full-node`: a plain dht::Node (routing table, peer and
// item stores) instead of the router responder, run until SIGINT/SIGTERM
// (then its id and good nodes are saved; exit 0). For small test networks
// where every node must also be a full DHT participant.
#include "tools/btnode/bootstrap_full_node.h"

#include <spdlog/spdlog.h>

#include <asio/steady_timer.hpp>
#include <chrono>
#include <iostream>

#include "node/dht_service.h"
#include "node/signals.h"

namespace btnode::cli {
namespace {

void print_listening(node::DhtService& dht, bool json) {
  const std::string id = dht.node().id().to_hex();
  if (json) {
    auto endpoints = nlohmann::json::array();
    for (const Endpoint& e : dht.local_endpoints()) endpoints.push_back(e.to_string());
    print_json_line({{"event", "listening"}, {"id", id}, {"endpoints", endpoints}});
    return;
  }
  for (const Endpoint& e : dht.local_endpoints())
    std::cout << "listening on udp " << e.to_string() << " as " << id << std::endl;
}

void print_stats(const node::DhtStats& s, double uptime_s, bool json) {
  if (json) {
    print_json_line({{"event", "stats"},
                     {"uptime_s", uptime_s},
                     {"nodes_v4", s.nodes_v4},
                     {"nodes_v6", s.nodes_v6},
                     {"cached", s.cached},
                     {"torrents", s.torrents},
                     {"in_flight", s.queries_in_flight},
                     {"packets_in", s.udp.packets_in},
                     {"packets_out", s.udp.packets_out},
                     {"bytes_in", s.udp.bytes_in},
                     {"bytes_out", s.udp.bytes_out}});
    return;
  }
  std::cout << "nodes " << s.nodes_v4 << " v4 / " << s.nodes_v6 << " v6 (+" << s.cached
            << " cached), torrents " << s.torrents << ", packets in " << s.udp.packets_in << " out "
            << s.udp.packets_out << std::endl;
}

// Re-arms itself until the service stops.
void schedule_stats(asio::steady_timer& timer, node::DhtService& dht, double every_s,
                    double started, bool json) {
  timer.expires_after(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(every_s)));
  timer.async_wait([&timer, &dht, every_s, started, json](const std::error_code& ec) {
    if (ec || !dht.running()) return;
    print_stats(dht.stats(), now_seconds() - started, json);
    schedule_stats(timer, dht, every_s, started, json);
  });
}

int run_full_node_impl(const NetworkOptions& net, double stats_interval, const GlobalOptions& globals) {
  auto options = dht_service_options(net);
  if (!options) return job_failed(options.error().message);
  asio::io_context io;
  node::DhtService dht(io, std::move(*options));
  if (auto started = dht.start(); !started) return job_failed(started.error().message);
  print_listening(dht, globals.json);
  asio::steady_timer stats_timer(io);
  const double started = now_seconds();
  schedule_stats(stats_timer, dht, stats_interval, started, globals.json);
  node::TerminationSignals signals(io, [&](int signal) {
    spdlog::info("signal {}: stopping", signal);
    stats_timer.cancel();
    dht.stop();
    print_stats(dht.stats(), now_seconds() - started, globals.json);
  });
  io.run();
  return kExitOk;
}

}  // namespace

int run_full_node_bootstrap(const NetworkOptions& net, double stats_interval,
                            const GlobalOptions& globals) {
  return run_full_node_impl(net, stats_interval, globals);
}

}  // namespace btnode::cli
