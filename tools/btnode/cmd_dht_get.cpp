// `btnode dht get TARGET|PUBLIC_KEY [--salt S]`: reads a BEP 44 item. 40 hex
// digits name an immutable item by its target; 64 hex digits are a public
// key, and the mutable item under it (and the salt) is read. Every value is
// checked (hash or signature) before it is printed; the newest seq wins.
#include <iostream>

#include "tools/btnode/dht_item_args.h"
#include "tools/btnode/dht_job.h"

namespace btnode::cli {
namespace {

struct GetArgs {
  DhtJobOptions job;
  std::string name;
  std::string salt;
};

std::optional<dht::ItemKey> item_key(const GetArgs& args) {
  if (args.name.size() == 40) {
    if (!args.salt.empty()) return std::nullopt;
    const auto target = parse_id_arg(args.name);
    if (!target) return std::nullopt;
    return dht::ItemKey::immutable(*target);
  }
  const auto key = from_hex(args.name);
  if (args.name.size() != 64 || !key) return std::nullopt;
  return dht::ItemKey::mutable_item(*key, args.salt);
}

int run_get(GetArgs& args, const GlobalOptions& globals) {
  const auto key = item_key(args);
  if (!key)
    return job_failed(args.name +
                      ": give a 40-hex-digit target, or a 64-hex-digit public key (--salt only "
                      "with a key)");
  args.job.what = "get " + args.name;
  const bool json = globals.json;
  return run_dht_job(args.job, [&](DhtJob& job) {
    const auto family = lookup_family(*job.dht);
    job.dht->with_node([&, family](dht::Node& node, dht::TimePoint now, auto& out) {
      node.get_item(
          *key, now, out,
          [&job, &key, json](const dht::LookupResult& result) {
            if (!result.done) return;
            if (!result.item) {
              job_failed("get: no item found (" + std::to_string(result.progress.responded) +
                         " nodes answered)");
              job.finish(kExitFailed);
              return;
            }
            if (json) {
              print_json_line(item_json(*key, *result.item));
            } else {
              std::cout << item_value_text(result.item->value) << std::endl;
            }
            job.finish(kExitOk);
          },
          family);
    });
  });
}

}  // namespace

void register_dht_get(CLI::App& dht, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<GetArgs>();
  CLI::App* cmd = dht.add_subcommand("get", "Read a BEP 44 item and print its value");
  cmd->add_option("TARGET|PUBLIC_KEY", args->name,
                  "40 hex digits: immutable target; 64 hex digits: mutable item's public key")
      ->required();
  cmd->add_option("--salt", args->salt, "Mutable: the item's salt");
  add_dht_job_options(*cmd, args->job);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_get(*args, globals); };
  });
}

}  // namespace btnode::cli
