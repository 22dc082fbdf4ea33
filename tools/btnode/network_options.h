// The network flags of CLI.md (--bind, --listen, --bootstrap, --allow-local,
// --state-dir), shared by every command that opens sockets, and their
// translation into the options of node/'s services.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "node/dht_service.h"

namespace btnode::cli {

// The public routers used when no --bootstrap is given (CLI.md).
inline const std::vector<std::string> kDefaultBootstrap = {
    "dht.libtorrent.org:25401", "dht.transmissionbt.com:6881", "router.bittorrent.com:6881",
    "router.utorrent.com:6881"};

struct NetworkOptions {
  std::vector<std::string> bind;  // repeatable; empty: all interfaces, IPv4 and IPv6
  std::uint16_t listen = 0;
  std::vector<std::string> bootstrap;
  bool allow_local = false;
  std::string state_dir;
};

void add_network_options(CLI::App& command, NetworkOptions& net);

// --allow-local, or a --bind address that is loopback or private.
bool allows_local(const NetworkOptions& net);

// $XDG_STATE_HOME/btnode, else ~/.local/state/btnode.
std::filesystem::path default_state_dir();

// The DhtService options for these flags: parsed addresses, bootstrap names
// (the public routers by default), the state dir, and --allow-local switched
// on when a bind address is loopback or private.
Result<node::DhtServiceOptions> dht_service_options(const NetworkOptions& net);

}  // namespace btnode::cli
