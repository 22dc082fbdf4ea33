// `btnode seed TORRENT [PATH] [--peer HOST:PORT]...`: verify the content under
// PATH, then serve it until SIGINT/SIGTERM (exit 0). PATH defaults to the
// directory the .torrent file is in (CLI.md).
#include "tools/btnode/transfer_job.h"

namespace btnode::cli {

void register_seed(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<TransferArgs>();
  auto* cmd = app.add_subcommand("seed", "Verify content, then serve it until interrupted");
  cmd->add_option("torrent", args->torrent, ".torrent file")->required()->check(CLI::ExistingFile);
  cmd->add_option("path", args->dir, "Directory holding the content (default: the torrent's)");
  add_transfer_options(*cmd, *args);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    if (args->dir.empty()) {
      auto parent = std::filesystem::path(args->torrent).parent_path();
      args->dir = parent.empty() ? "." : parent.string();
    }
    action = [args, &globals] { return run_transfer(*args, globals, TransferMode::seed); };
  });
}

}  // namespace btnode::cli
