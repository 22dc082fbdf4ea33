#include "tools/btnode/network_options.h"

#include <cstdlib>

namespace btnode::cli {

void add_network_options(CLI::App& command, NetworkOptions& net) {
  command.add_option("--bind", net.bind, "Local IP to bind to, repeatable (default: all)");
  command.add_option("--listen", net.listen, "UDP/TCP port; 0 picks one (the port is logged)");
  command.add_option("--bootstrap", net.bootstrap,
                     "DHT bootstrap node HOST:PORT, repeatable (default: public routers)");
  command.add_flag("--allow-local", net.allow_local,
                   "Accept loopback/private addresses as DHT nodes and peers");
  command.add_option("--state-dir", net.state_dir,
                     "Where the node id and DHT routing table are kept");
}

bool allows_local(const NetworkOptions& net) {
  if (net.allow_local) return true;
  for (const auto& text : net.bind) {
    auto address = Endpoint::from_address(text, 0);
    if (address && (address->is_loopback() || address->is_private())) return true;
  }
  return false;
}

std::filesystem::path default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "btnode";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local/state/btnode";
  return ".btnode-state";
}

namespace {

Result<std::vector<HostPort>> parse_bootstrap(const std::vector<std::string>& names) {
  std::vector<HostPort> out;
  for (const auto& text : names.empty() ? kDefaultBootstrap : names) {
    auto hp = HostPort::parse(text);
    if (!hp) return fail("--bootstrap " + text + ": " + hp.error().message);
    out.push_back(*hp);
  }
  return out;
}

}  // namespace

Result<node::DhtServiceOptions> dht_service_options(const NetworkOptions& net) {
  node::DhtServiceOptions o;
  o.node.allow_local = net.allow_local;
  for (const auto& text : net.bind) {
    auto address = Endpoint::from_address(text, 0);
    if (!address) return fail("--bind " + text + ": not an IP address");
    o.bind.push_back(*address);
    // A node bound to a LAN or loopback address can only ever meet such nodes.
    if (address->is_loopback() || address->is_private()) o.node.allow_local = true;
  }
  o.port = net.listen;
  auto bootstrap = parse_bootstrap(net.bootstrap);
  if (!bootstrap) return fail(bootstrap.error());
  o.bootstrap = std::move(*bootstrap);
  o.state_dir = net.state_dir.empty() ? default_state_dir() : std::filesystem::path(net.state_dir);
  return o;
}

}  // namespace btnode::cli
