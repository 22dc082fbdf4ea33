// BEP 42 (DHT security extension): node ids tied to the node's external IP.
//
// The first 21 bits of a node id must match CRC32C of the masked IP, so an
// attacker cannot place ids next to an info-hash it wants to eclipse without
// controlling IPs spread over the whole address space. The routing table
// prefers nodes whose id verifies; our own id is derived from the external
// IP other nodes report to us.
#pragma once

#include <cstdint>
#include <span>

#include "core/endpoint.h"
#include "core/ids.h"

namespace btnode::dht {

// CRC32C (Castagnoli), as BEP 42 requires (hardware-friendly, well spread).
std::uint32_t crc32c(std::span<const std::uint8_t> data);

// The address in network byte order: 4 bytes (IPv4) or 16 bytes (IPv6).
using IpBytes = std::span<const std::uint8_t>;

// A BEP 42 id for `ip`: the 21 constrained bits come from the IP and from
// `seed`'s last byte (the "r" of BEP 42); every other bit is taken from `seed`.
// Deterministic, so the BEP's test vectors can be checked.
NodeId secure_node_id(IpBytes ip, const NodeId& seed);
// As above with a fresh random seed (libsodium).
NodeId make_secure_node_id(IpBytes ip);

// True when `id` is valid for `ip` under BEP 42. Addresses exempt from the
// rule (see is_bep42_exempt) are always accepted.
bool is_secure_node_id(const NodeId& id, IpBytes ip);

// BEP 42 exempts local addresses (10/8, 172.16/12, 192.168/16, 169.254/16,
// 127/8). For IPv6 we exempt the equivalents (::1, fc00::/7, fe80::/10) for
// the same reason: such nodes cannot have a globally meaningful id.
bool is_bep42_exempt(IpBytes ip);

// The same for an endpoint (its port is ignored; v4-mapped IPv6 counts as IPv4).
NodeId make_secure_node_id(const Endpoint& external);
bool is_secure_node_id(const NodeId& id, const Endpoint& endpoint);

}  // namespace btnode::dht
