// `btnode tracker [--bind ADDR]... [--listen PORT] [--whitelist FILE]
// [--interval SECONDS]`: an HTTP + UDP tracker (announce, scrape) on one port
// until SIGINT/SIGTERM. Announce at http://ADDR:PORT/announce or
// udp://ADDR:PORT/announce; scrape at /scrape.
#include <spdlog/spdlog.h>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <fstream>
#include <set>
#include <iostream>

#include "core/random.h"
#include "node/signals.h"
#include "node/tracker_server.h"
#include "tools/btnode/common.h"
#include "tools/btnode/network_options.h"

namespace btnode::cli {
namespace {

struct TrackerArgs {
  NetworkOptions net;
  std::string whitelist;
  std::uint32_t interval = 1800;
  std::uint32_t min_interval = 60;
  std::size_t max_peers = 5000;
};

// Hex info-hashes, one per line; blank lines and '#' comments are skipped.
Result<std::set<tracker::Hash20>> read_whitelist(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("--whitelist " + path + ": cannot open");
  std::set<tracker::Hash20> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto last = line.find_last_not_of(" \t\r");
    auto hash = InfoHash::from_v1_hex(line.substr(first, last - first + 1));
    if (!hash) return fail("--whitelist " + path + ":" + std::to_string(n) + ": not a hex info-hash");
    out.insert(hash->wire_id());
  }
  return out;
}

Result<node::TrackerServerOptions> server_options(const TrackerArgs& args) {
  node::TrackerServerOptions o;
  for (const auto& text : args.net.bind) {
    auto address = Endpoint::from_address(text, 0);
    if (!address) return fail("--bind " + text + ": not an IP address");
    o.bind.push_back(*address);
  }
  o.port = args.net.listen;
  o.swarm.interval = args.interval;
  o.swarm.min_interval = std::min(args.min_interval, args.interval);
  o.swarm.peer_timeout = std::chrono::seconds(2 * args.interval + 60);
  o.swarm.max_peers_per_torrent = args.max_peers;
  o.swarm.seed = random_uniform(0xffffffffu);
  if (!args.whitelist.empty()) {
    auto list = read_whitelist(args.whitelist);
    if (!list) return fail(list.error());
    o.swarm.whitelist = std::move(*list);
  }
  return o;
}

void print_stats(const node::TrackerServerStats& s, bool json) {
  if (json) {
    print_json_line({{"event", "stats"},
                     {"torrents", s.torrents},
                     {"peers", s.peers},
                     {"http_announces", s.http_announces},
                     {"udp_announces", s.udp_announces},
                     {"scrapes", s.scrapes},
                     {"errors", s.errors}});
    return;
  }
  std::cout << "torrents " << s.torrents << ", peers " << s.peers << ", announces "
            << s.http_announces << " http / " << s.udp_announces << " udp, scrapes " << s.scrapes
            << std::endl;
}

int run_tracker(const TrackerArgs& args, const GlobalOptions& globals) {
  auto options = server_options(args);
  if (!options) return job_failed(options.error().message);
  asio::io_context io;
  node::TrackerServer server(io, std::move(*options));
  if (auto started = server.start(); !started) return job_failed(started.error().message);
  if (globals.json) {
    auto endpoints = nlohmann::json::array();
    for (const auto& e : server.local_endpoints()) endpoints.push_back(e.to_string());
    print_json_line({{"event", "listening"}, {"port", server.port()}, {"endpoints", endpoints}});
  } else {
    for (const auto& e : server.local_endpoints())
      std::cout << "tracker on http://" << e.to_string() << "/announce and udp://" << e.to_string()
                << "/announce" << std::endl;
  }
  node::TerminationSignals signals(io, [&](int signal) {
    spdlog::info("signal {}: stopping", signal);
    server.stop();
    print_stats(server.stats(), globals.json);
  });
  io.run();
  return kExitOk;
}

}  // namespace

void register_tracker(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<TrackerArgs>();
  args->net.listen = 6969;
  auto* cmd = app.add_subcommand("tracker", "Run an HTTP + UDP tracker until interrupted");
  add_network_options(*cmd, args->net);
  cmd->add_option("--whitelist", args->whitelist,
                  "File of hex info-hashes (one per line); others are refused");
  cmd->add_option("--interval", args->interval, "Announce interval told to clients (default 1800 s)")
      ->check(CLI::Range(1u, 86400u));
  cmd->add_option("--min-interval", args->min_interval, "Minimum announce interval (default 60 s)")
      ->check(CLI::Range(1u, 86400u));
  cmd->add_option("--max-peers", args->max_peers, "Peers kept per torrent (default 5000)")
      ->check(CLI::Range(1, 1'000'000));
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_tracker(*args, globals); };
  });
}

}  // namespace btnode::cli
