// `btnode get MAGNET|TORRENT|INFOHASH [-o DIR] [--peer HOST:PORT]... [--seed-time S]`:
// download and verify every piece, then exit 0 (CLI.md). A magnet link or a
// bare info-hash first fetches the metadata from peers (BEP 9) found on the
// DHT, in the link's x.pe, through --peer, or by peer exchange.
#include "tools/btnode/transfer_job.h"

namespace btnode::cli {

void register_get(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<TransferArgs>();
  args->dir = ".";
  auto* cmd = app.add_subcommand("get", "Download a torrent, verifying every piece");
  cmd->add_option("torrent", args->torrent, ".torrent file, magnet link or 40-hex info-hash")
      ->required();
  cmd->add_option("-o,--output", args->dir, "Download directory (default: .)");
  cmd->add_flag("--sequential", args->sequential,
               "Fetch pieces strictly in order (streaming) instead of rarest first");
  cmd->add_flag("--preallocate", args->preallocate,
               "Allocate files at full size at start instead of sparse (finds a full disk at once)");
  cmd->add_option("--seed-time", args->seed_time, "Seconds to keep seeding after completion")
      ->check(CLI::NonNegativeNumber);
  add_transfer_options(*cmd, *args);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_transfer(*args, globals, TransferMode::download); };
  });
}

}  // namespace btnode::cli
