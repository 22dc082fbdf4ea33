// `btnode bootstrap`: a plain DHT node that other nodes join through, run
// until SIGINT/SIGTERM (then its id and good nodes are saved; exit 0).
// Prints where it listens and a stats line every --stats-interval seconds.
#include <spdlog/spdlog.h>

#include <asio/steady_timer.hpp>
#include <chrono>
#include <iostream>

#include "node/dht_service.h"
#include "node/signals.h"
#include "tools/btnode/common.h"
#include "tools/btnode/network_options.h"

namespace btnode::cli {
namespace {

struct BootstrapArgs {
  NetworkOptions net;
  double stats_interval = 60;
};

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

int run_bootstrap(const BootstrapArgs& args, const GlobalOptions& globals) {
  auto options = dht_service_options(args.net);
  if (!options) return job_failed(options.error().message);
  asio::io_context io;
  node::DhtService dht(io, std::move(*options));
  if (auto started = dht.start(); !started) return job_failed(started.error().message);
  print_listening(dht, globals.json);
  asio::steady_timer stats_timer(io);
  const double started = now_seconds();
  schedule_stats(stats_timer, dht, args.stats_interval, started, globals.json);
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

void register_bootstrap(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<BootstrapArgs>();
  args->net.listen = 6881;
  CLI::App* cmd = app.add_subcommand("bootstrap",
                                     "Run a DHT bootstrap node until interrupted (SIGINT/SIGTERM)");
  add_network_options(*cmd, args->net);
  cmd->add_option("--stats-interval", args->stats_interval, "Seconds between stats lines")
      ->check(CLI::PositiveNumber);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_bootstrap(*args, globals); };
  });
}

}  // namespace btnode::cli
