// Plumbing shared by the one-shot `btnode dht ...` commands: a DhtService on
// its own io_context, an overall timeout, SIGINT/SIGTERM, and one exit code.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "node/dht_service.h"
#include "node/signals.h"
#include "tools/btnode/common.h"
#include "tools/btnode/network_options.h"

namespace btnode::cli {

struct DhtJobOptions {
  NetworkOptions net;
  double timeout_seconds = 20;
  // False: the job talks to one named node and needs no routers.
  bool bootstrap = true;
  std::string what;  // "ping 1.2.3.4:6881": names the job in the timeout message
};

class DhtJob {
 public:
  asio::io_context io;
  std::unique_ptr<node::DhtService> dht;

  // Ends the job with `exit_code`; later calls are ignored.
  void finish(int exit_code);
  bool finished() const { return exit_code_.has_value(); }

 private:
  friend int run_dht_job(const DhtJobOptions& options, std::function<void(DhtJob&)> body);
  std::optional<int> exit_code_;
  std::optional<asio::steady_timer> deadline_;
  std::optional<node::TerminationSignals> signals_;
};

// The family a lookup should walk: IPv4 when we have an IPv4 socket and
// nodes in that table (the bulk of the DHT), else IPv6.
Endpoint::Family lookup_family(node::DhtService& dht);

// A 40-hex-digit node id or info-hash given on the command line.
std::optional<NodeId> parse_id_arg(const std::string& hex);
// Rejects anything else at parse time (a usage error, exit 2).
CLI::Validator hex_id_validator();

// Adds the network flags and --timeout to a dht subcommand.
void add_dht_job_options(CLI::App& command, DhtJobOptions& options);

// Starts the service and calls `body` once the bootstrap names are resolved
// (and, when lookups exist, once the node has joined); `body` must end with
// job.finish(). Returns the exit code.
int run_dht_job(const DhtJobOptions& options, std::function<void(DhtJob&)> body);

}  // namespace btnode::cli
