// `btnode dht put VALUE [--key-file FILE [--salt S] [--seq N] [--cas N]]`:
// stores a BEP 44 item on the k nodes closest to its target. Without a key
// the item is immutable (target = SHA-1 of the bencoded value); with one it
// is mutable (target = SHA-1 of public key + salt), signed here with the
// key file's ed25519 key. Without --seq, a get first finds the current
// sequence number and the put uses the next one.
#include <iostream>

#include "tools/btnode/dht_item_args.h"
#include "tools/btnode/dht_job.h"

namespace btnode::cli {
namespace {

struct PutArgs {
  DhtJobOptions job;
  std::string value;
  bool bencoded = false;
  std::string key_file;
  std::string salt;
  std::optional<std::int64_t> seq;
  std::optional<std::int64_t> cas;
};

void print_result(const dht::ItemToPut& item, const NodeId& target, std::size_t stored,
                  bool json) {
  if (json) {
    nlohmann::json j{{"target", target.to_hex()}, {"stored", stored}};
    if (item.is_mutable()) {
      j["key"] = to_hex(item.public_key);
      j["salt"] = item.salt;
      j["seq"] = item.seq;
    }
    print_json_line(j);
    return;
  }
  std::cout << "put " << target.to_hex() << " to " << stored << " nodes";
  if (item.is_mutable())
    std::cout << " (key " << to_hex(item.public_key) << ", seq " << item.seq << ")";
  std::cout << std::endl;
}

void put(DhtJob& job, dht::ItemToPut item, Endpoint::Family family, bool json) {
  const NodeId target = item.is_mutable() ? dht::mutable_target(item.public_key, item.salt)
                                          : dht::immutable_target(item.value);
  job.dht->with_node([&job, item = std::move(item), target, family, json](
                         dht::Node& node, dht::TimePoint now, auto& out) mutable {
    const dht::ItemToPut shown = item;
    node.put_item(
        std::move(item), now, out,
        [&job, shown, target, json](const dht::LookupResult& result) {
          if (!result.done) return;
          if (result.announced == 0) {
            job_failed("put: no node gave a write token (" +
                       std::to_string(result.progress.responded) + " nodes answered)");
            job.finish(kExitFailed);
            return;
          }
          print_result(shown, target, result.announced, json);
          job.finish(kExitOk);
        },
        family);
  });
}

int run_put(PutArgs& args, const GlobalOptions& globals) {
  auto value = item_value_arg(args.value, args.bencoded);
  if (!value) return job_failed(value.error().message);
  dht::ItemToPut item;
  item.value = *value;
  std::optional<dht::Ed25519SecretKey> secret;
  if (!args.key_file.empty()) {
    auto key = load_key_file(args.key_file, true);
    if (!key) return job_failed(key.error().message);
    secret = *key;
    item.public_key = std::string(dht::bytes_view(dht::ed25519_public_key(*key)));
    item.salt = args.salt;
    item.cas = args.cas;
  } else if (!args.salt.empty() || args.seq || args.cas) {
    return job_failed("put: --salt, --seq and --cas need --key-file (a mutable item)");
  }
  args.job.what = "put";
  const bool json = globals.json;
  return run_dht_job(args.job, [&](DhtJob& job) {
    const auto family = lookup_family(*job.dht);
    if (!secret) {
      put(job, std::move(item), family, json);
      return;
    }
    const auto sign_and_put = [&job, item, secret = *secret, family, json](std::int64_t seq) {
      dht::ItemToPut signed_item = item;
      signed_item.seq = seq;
      const auto sig = dht::sign_item(secret, item.salt, seq, item.value);
      signed_item.signature = std::string(dht::bytes_view(sig));
      put(job, std::move(signed_item), family, json);
    };
    if (args.seq) {
      sign_and_put(*args.seq);
      return;
    }
    // The next sequence number after the newest copy the DHT holds.
    const auto key = dht::ItemKey::mutable_item(item.public_key, item.salt);
    job.dht->with_node([&, key, sign_and_put](dht::Node& node, dht::TimePoint now, auto& out) {
      node.get_item(
          key, now, out,
          [sign_and_put](const dht::LookupResult& result) {
            if (!result.done) return;
            sign_and_put(result.item ? result.item->seq + 1 : 1);
          },
          family);
    });
  });
}

}  // namespace

void register_dht_put(CLI::App& dht, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<PutArgs>();
  CLI::App* cmd = dht.add_subcommand("put", "Store a BEP 44 item (immutable, or mutable with a key)");
  cmd->add_option("VALUE", args->value, "The value (a text, stored as a bencoded string)")
      ->required();
  cmd->add_flag("--bencoded", args->bencoded, "VALUE is bencode already (canonical)");
  cmd->add_option("--key-file", args->key_file,
                  "ed25519 key (64 hex digits of seed; created if missing): a mutable item");
  cmd->add_option("--salt", args->salt, "Mutable: salt (BEP 44, at most 64 bytes)")
      ->check([](const std::string& s) {
        return s.size() <= dht::kBep44MaxSaltSize ? "" : "salt longer than 64 bytes";
      });
  cmd->add_option("--seq", args->seq, "Mutable: sequence number (default: the current one + 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--cas", args->cas, "Mutable: only replace the item whose seq is this");
  add_dht_job_options(*cmd, args->job);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_put(*args, globals); };
  });
}

}  // namespace btnode::cli
