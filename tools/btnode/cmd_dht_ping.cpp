// `btnode dht ping HOST:PORT`: asks one node for its id (BEP 5 ping).
#include <chrono>
#include <cstdio>
#include <iostream>

#include "node/resolver.h"
#include "tools/btnode/dht_job.h"

namespace btnode::cli {
namespace {

struct PingArgs {
  DhtJobOptions job;
  std::string target;
};

void print_answer(const Endpoint& to, const NodeId& id, double rtt_ms, bool json) {
  if (json) {
    print_json_line({{"endpoint", to.to_string()}, {"id", id.to_hex()}, {"rtt_ms", rtt_ms}});
    return;
  }
  char rtt[32];
  std::snprintf(rtt, sizeof rtt, "%.1f", rtt_ms);
  std::cout << id.to_hex() << ' ' << to.to_string() << ' ' << rtt << " ms" << std::endl;
}

void ping_endpoint(DhtJob& job, const Endpoint& to, double timeout_s, bool json) {
  const auto sent = std::chrono::steady_clock::now();
  const auto timeout =
      std::chrono::duration_cast<dht::Duration>(std::chrono::duration<double>(timeout_s));
  job.dht->ping(to, timeout, [&job, to, sent, json](std::optional<NodeId> id) {
    if (!id) return;  // the job's own deadline reports the timeout
    const std::chrono::duration<double, std::milli> rtt = std::chrono::steady_clock::now() - sent;
    print_answer(to, *id, rtt.count(), json);
    job.finish(kExitOk);
  });
}

int run_ping(PingArgs& args, const GlobalOptions& globals) {
  auto target = HostPort::parse(args.target);
  if (!target) return job_failed(args.target + ": " + target.error().message);
  args.job.bootstrap = false;
  args.job.what = "ping " + args.target;
  const double timeout = args.job.timeout_seconds;
  return run_dht_job(args.job, [&](DhtJob& job) {
    node::ResolveOptions families;
    node::resolve_udp(job.io, {*target}, families,
                      [&job, timeout, &globals](const HostPort& name, std::vector<Endpoint> found) {
                        if (found.empty()) {
                          job_failed("cannot resolve " + name.to_string());
                          job.finish(kExitFailed);
                          return;
                        }
                        ping_endpoint(job, found.front(), timeout, globals.json);
                      });
  });
}

}  // namespace

void register_dht_ping(CLI::App& dht, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<PingArgs>();
  args->job.timeout_seconds = 5;
  CLI::App* cmd = dht.add_subcommand("ping", "Ping a DHT node; prints its id, address and RTT");
  cmd->add_option("HOST:PORT", args->target, "The node to ping")->required();
  add_dht_job_options(*cmd, args->job);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_ping(*args, globals); };
  });
}

}  // namespace btnode::cli
