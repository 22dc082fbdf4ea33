// Compact peer and node formats.
//
//   peer, IPv4   6 bytes: address (4) + port (2, big-endian)   BEP 23 "peers", BEP 5 "values"
//   peer, IPv6  18 bytes: address (16) + port (2)              BEP 7 "peers6", BEP 32 "values"
//   node, IPv4  26 bytes: node id (20) + compact IPv4 peer     BEP 5 "nodes"
//   node, IPv6  38 bytes: node id (20) + compact IPv6 peer     BEP 32 "nodes6"
//
// Lists are plain concatenations; a list whose length is not a multiple of
// the record size is rejected whole rather than truncated.
#pragma once

#include <compare>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "core/result.h"

namespace btnode {

inline constexpr std::size_t kCompactPeerV4Size = 6;   // BEP 23
inline constexpr std::size_t kCompactPeerV6Size = 18;  // BEP 7, BEP 32
inline constexpr std::size_t kCompactNodeV4Size = 26;  // BEP 5
inline constexpr std::size_t kCompactNodeV6Size = 38;  // BEP 32

// A DHT contact: the "compact node info" of BEP 5 / BEP 32.
struct NodeInfo {
  NodeId id;
  Endpoint endpoint;
  auto operator<=>(const NodeInfo&) const = default;
};

std::size_t compact_peer_size(Endpoint::Family family);
std::size_t compact_node_size(Endpoint::Family family);

// ------------------------------------------------------------------ peers

// Appends 6 or 18 bytes, by the endpoint's family.
void append_compact_peer(std::string& out, const Endpoint& peer);
// Encodes the peers of `family` and skips the others: IPv4 and IPv6 peers
// travel under separate keys ("peers"/"peers6", "nodes"/"nodes6").
std::string encode_compact_peers(std::span<const Endpoint> peers, Endpoint::Family family);
// One record of exactly 6 or 18 bytes (BEP 32 "values" may mix both sizes).
Result<Endpoint> decode_compact_peer(std::string_view bytes);
// A concatenated list of one family.
Result<std::vector<Endpoint>> decode_compact_peers(std::string_view bytes, Endpoint::Family family);

// ------------------------------------------------------------------ nodes

void append_compact_node(std::string& out, const NodeInfo& node);
std::string encode_compact_nodes(std::span<const NodeInfo> nodes, Endpoint::Family family);
// One record of exactly 26 or 38 bytes.
Result<NodeInfo> decode_compact_node(std::string_view bytes);
Result<std::vector<NodeInfo>> decode_compact_nodes(std::string_view bytes, Endpoint::Family family);

}  // namespace btnode
