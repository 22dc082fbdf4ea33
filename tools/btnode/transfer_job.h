// What `btnode get` and `btnode seed` share: a Session on one io_context with
// one torrent, the peers named by --peer, SIGINT/SIGTERM handling, resume
// data placement and the progress output (a bar on a terminal, JSON lines
// with --json).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/btnode/common.h"
#include "tools/btnode/network_options.h"

namespace btnode::cli {

struct TransferArgs {
  std::string torrent;                // get: .torrent, magnet link or info-hash
  std::string dir;                    // get: -o DIR; seed: PATH
  std::vector<std::string> peers;     // --peer HOST:PORT
  std::vector<std::string> trackers;  // --tracker URL, each its own tier after the torrent's
  double seed_time = 0;               // get only
  bool sequential = false;            // get only: pieces in order
  bool preallocate = false;           // get only: full-size files at start
  double progress_interval = 1;       // seconds between progress lines
  std::string encryption = "prefer";  // --encryption prefer|require|disable
  bool no_dht = false;                // --no-dht
  bool no_trackers = false;           // --no-trackers
  std::string tracker_ca;             // --tracker-ca FILE (https:// trackers)
  bool no_pex = false;                // --no-pex
  bool no_lsd = false;                // --no-lsd
  NetworkOptions net;
};

enum class TransferMode { download, seed };

// Adds --peer, --no-dht, --no-pex, --no-lsd and the network flags.
void add_transfer_options(CLI::App& command, TransferArgs& args);

// Runs the job to its end; returns the exit status.
int run_transfer(const TransferArgs& args, const GlobalOptions& globals, TransferMode mode);

}  // namespace btnode::cli
