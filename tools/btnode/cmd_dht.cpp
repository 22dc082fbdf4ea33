// `btnode dht ...`: one DHT operation from the command line (CLI.md). Each
// operation lives in its own cmd_dht_<name>.cpp; this file groups them.
#include "tools/btnode/dht_job.h"

namespace btnode::cli {

void register_dht_ping(CLI::App& dht, GlobalOptions& globals, Action& action);
void register_dht_find_node(CLI::App& dht, GlobalOptions& globals, Action& action);
void register_dht_get_peers(CLI::App& dht, GlobalOptions& globals, Action& action);
void register_dht_announce(CLI::App& dht, GlobalOptions& globals, Action& action);
void register_dht_put(CLI::App& dht, GlobalOptions& globals, Action& action);
void register_dht_get(CLI::App& dht, GlobalOptions& globals, Action& action);
void register_dht_sample(CLI::App& dht, GlobalOptions& globals, Action& action);

void register_dht(CLI::App& app, GlobalOptions& globals, Action& action) {
  CLI::App* dht = app.add_subcommand("dht",
                                     "One DHT operation: ping, find-node, get-peers, announce, "
                                     "put, get, sample");
  dht->require_subcommand(1);
  add_global_options(*dht, globals);
  register_dht_ping(*dht, globals, action);
  register_dht_find_node(*dht, globals, action);
  register_dht_get_peers(*dht, globals, action);
  register_dht_announce(*dht, globals, action);
  register_dht_put(*dht, globals, action);
  register_dht_get(*dht, globals, action);
  register_dht_sample(*dht, globals, action);
}

}  // namespace btnode::cli
