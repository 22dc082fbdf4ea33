// `btnode dht announce INFOHASH --port P`: get_peers toward the info-hash,
// then announce_peer to the closest nodes that handed out a token (BEP 5).
#include <iostream>

#include "tools/btnode/dht_job.h"

namespace btnode::cli {
namespace {

struct AnnounceArgs {
  DhtJobOptions job;
  std::string info_hash;
  dht::AnnounceOptions announce;
};

void print_result(const std::string& info_hash, const dht::LookupResult& result, bool json) {
  if (json) {
    print_json_line({{"info_hash", info_hash},
                     {"announced", result.announced},
                     {"peers", result.peers.size()},
                     {"queried", result.progress.queried}});
    return;
  }
  std::cout << "announced " << info_hash << " to " << result.announced << " nodes ("
            << result.peers.size() << " other peers seen)" << std::endl;
}

int run_announce(AnnounceArgs& args, const GlobalOptions& globals) {
  const auto info_hash = parse_id_arg(args.info_hash);
  if (!info_hash) return job_failed(args.info_hash + ": not a 40-digit hex info-hash");
  if (args.announce.port == 0 && !args.announce.implied_port)
    return job_failed("announce: give --port or --implied-port");
  args.job.what = "announce " + args.info_hash;
  return run_dht_job(args.job, [&](DhtJob& job) {
    const auto family = lookup_family(*job.dht);
    job.dht->with_node([&, family](dht::Node& node, dht::TimePoint now, auto& out) {
      node.announce(
          *info_hash, args.announce, now, out,
          [&job, &args, &globals](const dht::LookupResult& result) {
            if (!result.done) return;
            if (result.announced == 0) {
              job_failed("announce: no node gave a write token");
              job.finish(kExitFailed);
              return;
            }
            print_result(args.info_hash, result, globals.json);
            job.finish(kExitOk);
          },
          family);
    });
  });
}

}  // namespace

void register_dht_announce(CLI::App& dht, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<AnnounceArgs>();
  CLI::App* cmd =
      dht.add_subcommand("announce", "Announce a peer (us, at --port) for an info-hash");
  cmd->add_option("INFOHASH", args->info_hash, "40 hex digits (BitTorrent v1 info-hash)")
      ->required()
      ->check(hex_id_validator());
  cmd->add_option("--port", args->announce.port, "The TCP port peers should connect to");
  cmd->add_flag("--implied-port", args->announce.implied_port,
                "Let nodes use our UDP source port instead (BEP 5 implied_port)");
  cmd->add_flag("--seed", args->announce.seed, "Announce as a seed (BEP 33)");
  add_dht_job_options(*cmd, args->job);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_announce(*args, globals); };
  });
}

}  // namespace btnode::cli
