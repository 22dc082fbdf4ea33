// `btnode bootstrap`: a router node that other DHT nodes join through
// (node::RouterServer running dht::Router responders), until SIGINT/SIGTERM;
// then the node buffer is saved to the state dir and the next start loads it.
// Prints where it listens, and a stats line every --stats-interval seconds.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <iostream>
#include <thread>

#include "core/random.h"
#include "dht/node_id_security.h"
#include "node/router_server.h"
#include "tools/btnode/bootstrap_full_node.h"
#include "tools/btnode/common.h"
#include "tools/btnode/network_options.h"

namespace btnode::cli {
namespace {

struct BootstrapArgs {
  NetworkOptions net;
  double stats_interval = 60;
  unsigned threads = 0;  // 0: one per core
  std::size_t capacity = std::size_t{1} << 20;
  std::size_t capacity_v6 = std::size_t{1} << 18;
  bool relax_bep42 = false;
  std::uint32_t per_ip_rate = 20;
  std::uint32_t per_ip_burst = 50;
  std::uint32_t out_rate = 1'000'000;
  std::string selection = "closest";
  bool full_node = false;
};

Result<node::RouterServerOptions> server_options(const BootstrapArgs& args) {
  node::RouterServerOptions o;
  o.port = args.net.listen;
  dht::RouterOptions& r = o.router;
  r.allow_local = args.net.allow_local;
  for (const auto& text : args.net.bind) {
    auto address = Endpoint::from_address(text, 0);
    if (!address) return fail("--bind " + text + ": not an IP address");
    o.bind.push_back(*address);
    if (address->is_loopback() || address->is_private() || address->is_link_local())
      r.allow_local = true;
  }
  o.threads = args.threads ? args.threads : std::max(1u, std::thread::hardware_concurrency());
  r.capacity_v4 = args.capacity;
  // About one "recently verified" slot per buffered node, shared out per thread.
  unsigned bits = 10;
  while (bits < 22 && (std::size_t{1} << bits) < args.capacity / o.threads) ++bits;
  r.recent_bits = bits;
  r.capacity_v6 = args.capacity_v6;
  r.require_bep42 = !args.relax_bep42;
  r.rate.per_second = args.per_ip_rate;
  r.rate.burst = std::max(args.per_ip_burst, args.per_ip_rate);
  r.out_per_second = args.out_rate;
  r.out_burst = std::max<std::uint32_t>(1000, args.out_rate / 50);
  r.selection = args.selection == "random" ? dht::RouterSelection::random
                                           : dht::RouterSelection::closest_of_sample;
  random_bytes(r.cookie_key.data(), r.cookie_key.size());
  random_bytes(&r.rng_seed, sizeof r.rng_seed);
  // A public bind address gives us a BEP 42 id; otherwise any id will do.
  r.id = o.bind.size() == 1 && !o.bind[0].is_unspecified() ? dht::make_secure_node_id(o.bind[0])
                                                             : random_node_id();
  const auto dir = args.net.state_dir.empty() ? default_state_dir()
                                              : std::filesystem::path(args.net.state_dir);
  o.state_file = dir / "router-buffer.bin";
  return o;
}

void print_listening(const node::RouterServer& server, unsigned threads, bool json) {
  const std::string id = server.id().to_hex();
  if (json) {
    auto endpoints = nlohmann::json::array();
    for (const Endpoint& e : server.local_endpoints()) endpoints.push_back(e.to_string());
    print_json_line({{"event", "listening"}, {"id", id}, {"endpoints", endpoints},
                     {"threads", threads}, {"loaded", server.loaded()}});
    return;
  }
  for (const Endpoint& e : server.local_endpoints())
    std::cout << "listening on udp " << e.to_string() << " as " << id << " (" << threads
              << " threads, " << server.loaded() << " nodes loaded)" << std::endl;
}

void print_stats(const node::RouterServerStats& s, double uptime_s, bool json) {
  const dht::RouterStats& r = s.router;
  const double verified_share = r.pings_sent ? double(r.verified) / double(r.pings_sent) : 0.0;
  if (json) {
    print_json_line({{"event", "stats"},
                     {"uptime_s", uptime_s},
                     {"received", r.received},
                     {"answered", r.answered},
                     {"answered_ping", r.answered_ping},
                     {"answered_find_node", r.answered_find_node},
                     {"answered_get_peers", r.answered_get_peers},
                     {"refused", r.refused},
                     {"bootstrap_queries", r.bootstrap_queries},
                     {"pings_sent", r.pings_sent},
                     {"verified", r.verified},
                     {"verified_share", verified_share},
                     {"bad_cookie", r.bad_cookie},
                     {"not_stored", r.not_stored},
                     {"dropped_malformed", r.dropped_malformed},
                     {"dropped_martian", r.dropped_martian},
                     {"dropped_rate", r.dropped_rate},
                     {"dropped_budget", r.dropped_budget},
                     {"send_failures", s.send_failures},
                     {"nodes_v4", s.nodes_v4},
                     {"nodes_v6", s.nodes_v6},
                     {"capacity_v4", s.capacity_v4},
                     {"capacity_v6", s.capacity_v6}});
    return;
  }
  std::cout << "received " << r.received << ", answered " << r.answered << " (ping "
            << r.answered_ping << ", find_node " << r.answered_find_node << ", get_peers "
            << r.answered_get_peers << ", refused " << r.refused << "; joining (bs=1) "
            << r.bootstrap_queries << "), dropped: malformed "
            << r.dropped_malformed << " martian " << r.dropped_martian << " rate "
            << r.dropped_rate << " budget " << r.dropped_budget << " bad-cookie " << r.bad_cookie
            << ", buffer v4 " << s.nodes_v4 << "/" << s.capacity_v4 << " v6 " << s.nodes_v6
            << "/" << s.capacity_v6 << ", verified " << r.verified << " of " << r.pings_sent
            << " pinged (" << static_cast<int>(verified_share * 100) << "%)" << std::endl;
}

// Blocks SIGINT/SIGTERM in every thread (the workers inherit the mask) so
// the main thread can wait for them synchronously between stats lines.
sigset_t block_termination_signals() {
  ::signal(SIGINT, SIG_DFL);  // background shell jobs start with SIGINT ignored
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int run_bootstrap(const BootstrapArgs& args, const GlobalOptions& globals) {
  if (args.full_node) return run_full_node_bootstrap(args.net, args.stats_interval, globals);
  auto options = server_options(args);
  if (!options) return job_failed(options.error().message);
  const unsigned threads = options->threads;
  const sigset_t signals = block_termination_signals();
  node::RouterServer server(std::move(*options));
  if (auto started = server.start(); !started) return job_failed(started.error().message);
  print_listening(server, threads, globals.json);
  const double started = now_seconds();
  double next_stats = started + args.stats_interval;
  for (;;) {
    const double wait = std::max(0.0, next_stats - now_seconds());
    timespec ts{static_cast<time_t>(wait), static_cast<long>((wait - double(time_t(wait))) * 1e9)};
    const int sig = sigtimedwait(&signals, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("signal {}: stopping", sig);
      break;
    }
    if (now_seconds() >= next_stats) {
      print_stats(server.stats(), now_seconds() - started, globals.json);
      next_stats += args.stats_interval;
    }
  }
  server.stop();
  print_stats(server.stats(), now_seconds() - started, globals.json);
  auto saved = server.save();
  if (!saved) return job_failed("saving the node buffer: " + saved.error().message);
  spdlog::info("saved {} nodes", *saved);
  return kExitOk;
}

}  // namespace

void register_bootstrap(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<BootstrapArgs>();
  args->net.listen = 6881;
  CLI::App* cmd = app.add_subcommand(
      "bootstrap", "Run a DHT router (bootstrap) node until interrupted (SIGINT/SIGTERM)");
  add_network_options(*cmd, args->net);
  cmd->add_option("--stats-interval", args->stats_interval, "Seconds between stats lines")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", args->threads,
                  "Responder threads, one UDP socket each (SO_REUSEPORT); 0 = one per core")
      ->check(CLI::Range(0u, 256u));
  cmd->add_option("--capacity", args->capacity, "IPv4 nodes kept in the buffer (26 B each)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 28));
  cmd->add_option("--capacity-v6", args->capacity_v6, "IPv6 nodes kept in the buffer (38 B each)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 26));
  cmd->add_flag("--relax-bep42", args->relax_bep42,
                "Also store nodes whose id is not valid for their address (BEP 42)");
  cmd->add_option("--per-ip-rate", args->per_ip_rate, "Queries/s answered per source address")
      ->check(CLI::Range(1u, 1'000'000u));
  cmd->add_option("--per-ip-burst", args->per_ip_burst, "Burst allowed per source address")
      ->check(CLI::Range(1u, 10'000'000u));
  cmd->add_option("--out-rate", args->out_rate, "Global outgoing packets/s (replies and pings)")
      ->check(CLI::Range(1u, 100'000'000u));
  cmd->add_option("--selection", args->selection,
                  "Nodes in answers: closest (to the target, of a random sample) or random")
      ->check(CLI::IsMember({"closest", "random"}));
  cmd->add_flag("--full-node", args->full_node,
                "Run a full DHT node (routing table, storage) instead of the router responder");
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_bootstrap(*args, globals); };
  });
}

}  // namespace btnode::cli
