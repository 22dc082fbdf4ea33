// `btnode dht sample [TARGET] [--max N]`: a BEP 51 walk toward TARGET (a
// random id by default) asking each node for sample_infohashes; prints each
// distinct info-hash once, as it is found, then a summary on stderr (or a
// last JSON line).
#include <iostream>

#include "tools/btnode/dht_job.h"

namespace btnode::cli {
namespace {

struct SampleArgs {
  DhtJobOptions job;
  std::string target;
  std::size_t max = 1000;
};

int run_sample(SampleArgs& args, const GlobalOptions& globals) {
  NodeId target = random_node_id();
  if (!args.target.empty()) {
    const auto parsed = parse_id_arg(args.target);
    if (!parsed) return job_failed(args.target + ": not a 40-digit hex id");
    target = *parsed;
  }
  args.job.what = "sample";
  const bool json = globals.json;
  return run_dht_job(args.job, [&](DhtJob& job) {
    const auto family = lookup_family(*job.dht);
    job.dht->with_node([&, family](dht::Node& node, dht::TimePoint now, auto& out) {
      node.sample(
          target, now, out,
          [&job, &args, json](const dht::LookupResult& result) {
            if (!result.done) return;
            if (result.sampled_nodes == 0) {
              job_failed("sample: no node answered sample_infohashes (" +
                         std::to_string(result.progress.responded) + " nodes answered)");
              job.finish(kExitFailed);
              return;
            }
            const std::size_t n = std::min(args.max, result.samples.size());
            for (std::size_t i = 0; i < n; ++i) {
              if (json) {
                print_json_line({{"info_hash", result.samples[i].to_hex()}});
              } else {
                std::cout << result.samples[i].to_hex() << '\n';
              }
            }
            std::cout.flush();
            if (json) {
              print_json_line({{"samples", result.samples.size()},
                               {"nodes", result.sampled_nodes},
                               {"num", result.samples_num},
                               {"interval", result.sample_interval},
                               {"queried", result.progress.queried}});
            } else {
              std::cerr << result.samples.size() << " info-hashes from " << result.sampled_nodes
                        << " nodes (they hold " << result.samples_num << "; come back in "
                        << result.sample_interval << " s)" << std::endl;
            }
            job.finish(kExitOk);
          },
          family);
    });
  });
}

}  // namespace

void register_dht_sample(CLI::App& dht, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<SampleArgs>();
  CLI::App* cmd = dht.add_subcommand(
      "sample", "Collect info-hashes from the nodes on a walk (BEP 51 sample_infohashes)");
  cmd->add_option("TARGET", args->target, "Walk toward this id (40 hex digits; default random)")
      ->check(hex_id_validator());
  cmd->add_option("--max", args->max, "Print at most this many info-hashes")
      ->check(CLI::PositiveNumber);
  add_dht_job_options(*cmd, args->job);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_sample(*args, globals); };
  });
}

}  // namespace btnode::cli
