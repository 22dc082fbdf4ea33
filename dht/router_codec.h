// The router's KRPC reader (BEP 5): a single pass over one datagram that
// picks out only what a router node acts on — `t`, `y`, `q`, `ro` (BEP 43)
// and, inside `a`/`r`, `id`, `target`/`info_hash`, `want` (BEP 32) and `bs`.
//
// dht::decode() builds a full typed Message and, for a broken query, an error
// string; a router answering hundreds of thousands of queries a second needs
// neither. This reader allocates nothing and never reads past the datagram;
// anything it does not recognise is skipped with a depth bound, and anything
// malformed rejects the whole datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace btnode::dht {

enum class RouterMethod : std::uint8_t {
  ping,
  find_node,
  get_peers,
  announce_peer,
  other,  // any other method: answered with 204
};

struct RouterPacket {
  char type = 0;  // 'q', 'r' or 'e'
  RouterMethod method = RouterMethod::other;
  std::string_view transaction_id;  // 1..16 bytes
  std::string_view id;              // 20 bytes when present, else empty
  std::string_view target;          // `target` or `info_hash`: 20 bytes or empty
  bool read_only = false;           // BEP 43 `ro` = 1
  bool want_n4 = false;             // BEP 32 `want` contains "n4"
  bool want_n6 = false;             // ... "n6"
  bool has_want = false;
  // `bs` = 1 inside `a`: libtorrent (since 1.1.2) marks the queries its
  // bootstrap lookup sends to its router nodes, telling a router that the
  // sender is joining rather than refreshing. No BEP defines it.
  bool bootstrap = false;
};

// nullopt when the datagram is not a well-formed KRPC message the router can
// use: not a dictionary, a truncated or over-deep value, `t` missing or
// longer than 16 bytes, `y` not one of q/r/e, a query without `q` or `a`, an
// `id` that is not 20 bytes, a find_node/get_peers without its 20-byte target.
std::optional<RouterPacket> parse_router_packet(std::span<const std::uint8_t> datagram);

}  // namespace btnode::dht
