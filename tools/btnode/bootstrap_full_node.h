// The former `btnode bootstrap`: a full DHT node run as a long-lived
// process (`btnode bootstrap --full-node`).
#pragma once

#include "tools/btnode/common.h"
#include "tools/btnode/network_options.h"

namespace btnode::cli {

int run_full_node_bootstrap(const NetworkOptions& net, double stats_interval,
                            const GlobalOptions& globals);

}  // namespace btnode::cli
