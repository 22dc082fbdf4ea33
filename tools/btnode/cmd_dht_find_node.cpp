// `btnode dht find-node TARGET`: the nodes closest to a 160-bit id, found by
// an iterative find_node lookup (BEP 5).
#include <iostream>

#include "tools/btnode/dht_job.h"

namespace btnode::cli {
namespace {

struct FindNodeArgs {
  DhtJobOptions job;
  std::string target;
};

void print_nodes(const dht::LookupResult& result, bool json) {
  for (const NodeInfo& n : result.closest) {
    if (json) {
      print_json_line({{"id", n.id.to_hex()}, {"endpoint", n.endpoint.to_string()}});
    } else {
      std::cout << n.id.to_hex() << ' ' << n.endpoint.to_string() << '\n';
    }
  }
  std::cout.flush();
}

int run_find_node(FindNodeArgs& args, const GlobalOptions& globals) {
  const auto target = parse_id_arg(args.target);
  if (!target) return job_failed(args.target + ": not a 40-digit hex id");
  args.job.what = "find-node " + args.target;
  return run_dht_job(args.job, [&](DhtJob& job) {
    const auto family = lookup_family(*job.dht);
    job.dht->with_node([&, family](dht::Node& node, dht::TimePoint now, auto& out) {
      node.find_node(
          *target, now, out,
          [&job, &globals](const dht::LookupResult& result) {
            if (!result.done) return;
            if (result.closest.empty()) {
              job_failed("find-node: no node answered");
              job.finish(kExitFailed);
              return;
            }
            print_nodes(result, globals.json);
            job.finish(kExitOk);
          },
          family);
    });
  });
}

}  // namespace

void register_dht_find_node(CLI::App& dht, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<FindNodeArgs>();
  CLI::App* cmd =
      dht.add_subcommand("find-node", "Find the nodes closest to an id (prints id and address)");
  cmd->add_option("TARGET", args->target, "40 hex digits")->required()->check(hex_id_validator());
  add_dht_job_options(*cmd, args->job);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_find_node(*args, globals); };
  });
}

}  // namespace btnode::cli
