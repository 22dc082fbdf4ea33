// `btnode dht get-peers INFOHASH`: peers announced for an info-hash, found by
// an iterative get_peers lookup (BEP 5). Peers are printed as they arrive.
#include <iostream>
#include <unordered_set>

#include "tools/btnode/dht_job.h"

namespace btnode::cli {
namespace {

struct GetPeersArgs {
  DhtJobOptions job;
  std::string info_hash;
};

struct PeerPrinter {
  bool json = false;
  std::unordered_set<Endpoint> printed;

  void print_new(std::span<const Endpoint> peers) {
    for (const Endpoint& p : peers) {
      if (!printed.insert(p).second) continue;
      if (json) {
        print_json_line({{"peer", p.to_string()}});
      } else {
        std::cout << p.to_string() << std::endl;
      }
    }
  }
};

int run_get_peers(GetPeersArgs& args, const GlobalOptions& globals) {
  const auto info_hash = parse_id_arg(args.info_hash);
  if (!info_hash) return job_failed(args.info_hash + ": not a 40-digit hex info-hash");
  args.job.what = "get-peers " + args.info_hash;
  auto printer = std::make_shared<PeerPrinter>();
  printer->json = globals.json;
  return run_dht_job(args.job, [&](DhtJob& job) {
    const auto family = lookup_family(*job.dht);
    job.dht->with_node([&, family](dht::Node& node, dht::TimePoint now, auto& out) {
      node.get_peers(
          *info_hash, now, out,
          [&job, printer](const dht::LookupResult& result) {
            printer->print_new(result.peers);
            if (!result.done) return;
            if (printer->printed.empty()) {
              job_failed("get-peers: no peers found (" + std::to_string(result.progress.responded) +
                         " nodes answered)");
              job.finish(kExitFailed);
              return;
            }
            job.finish(kExitOk);
          },
          family);
    });
  });
}

}  // namespace

void register_dht_get_peers(CLI::App& dht, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<GetPeersArgs>();
  CLI::App* cmd = dht.add_subcommand("get-peers", "Find peers of an info-hash (one per line)");
  cmd->add_option("INFOHASH", args->info_hash, "40 hex digits (BitTorrent v1 info-hash)")
      ->required()
      ->check(hex_id_validator());
  add_dht_job_options(*cmd, args->job);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_get_peers(*args, globals); };
  });
}

}  // namespace btnode::cli
