#include "core/compact.h"

namespace btnode {
namespace {

const char* family_name(Endpoint::Family family) {
  return family == Endpoint::Family::v4 ? "IPv4" : "IPv6";
}

// Decodes a record known to be exactly 6 or 18 bytes.
Endpoint peer_from_record(std::string_view rec) {
  std::string_view address = rec.substr(0, rec.size() - 2);
  auto port = static_cast<std::uint16_t>(static_cast<std::uint8_t>(rec[rec.size() - 2]) << 8 |
                                         static_cast<std::uint8_t>(rec[rec.size() - 1]));
  return *Endpoint::from_address_bytes(address, port);
}

// Decodes a record known to be exactly 26 or 38 bytes.
NodeInfo node_from_record(std::string_view rec) {
  return NodeInfo{*NodeId::from_bytes(rec.substr(0, NodeId::size)),
                  peer_from_record(rec.substr(NodeId::size))};
}

template <class T, class Decode>
Result<std::vector<T>> decode_list(std::string_view bytes, std::size_t record, const char* what,
                                   Endpoint::Family family, Decode decode) {
  if (bytes.size() % record != 0) {
    return fail("compact: " + std::string(family_name(family)) + " " + what + " list length " +
                std::to_string(bytes.size()) + " is not a multiple of " + std::to_string(record));
  }
  std::vector<T> out;
  out.reserve(bytes.size() / record);
  for (std::size_t pos = 0; pos < bytes.size(); pos += record) {
    out.push_back(decode(bytes.substr(pos, record)));
  }
  return out;
}

}  // namespace

std::size_t compact_peer_size(Endpoint::Family family) {
  return family == Endpoint::Family::v4 ? kCompactPeerV4Size : kCompactPeerV6Size;
}

std::size_t compact_node_size(Endpoint::Family family) {
  return family == Endpoint::Family::v4 ? kCompactNodeV4Size : kCompactNodeV6Size;
}

// ------------------------------------------------------------------ peers

void append_compact_peer(std::string& out, const Endpoint& peer) {
  out.append(peer.address_bytes());
  out.push_back(static_cast<char>(peer.port() >> 8));
  out.push_back(static_cast<char>(peer.port() & 0xff));
}

std::string encode_compact_peers(std::span<const Endpoint> peers, Endpoint::Family family) {
  std::string out;
  out.reserve(peers.size() * compact_peer_size(family));
  for (const auto& p : peers) {
    if (p.family() == family) append_compact_peer(out, p);
  }
  return out;
}

Result<Endpoint> decode_compact_peer(std::string_view bytes) {
  if (bytes.size() != kCompactPeerV4Size && bytes.size() != kCompactPeerV6Size) {
    return fail("compact: a peer is 6 or 18 bytes, got " + std::to_string(bytes.size()));
  }
  return peer_from_record(bytes);
}

Result<std::vector<Endpoint>> decode_compact_peers(std::string_view bytes,
                                                   Endpoint::Family family) {
  return decode_list<Endpoint>(bytes, compact_peer_size(family), "peer", family, peer_from_record);
}

// ------------------------------------------------------------------ nodes

void append_compact_node(std::string& out, const NodeInfo& node) {
  out.append(node.id.view());
  append_compact_peer(out, node.endpoint);
}

std::string encode_compact_nodes(std::span<const NodeInfo> nodes, Endpoint::Family family) {
  std::string out;
  out.reserve(nodes.size() * compact_node_size(family));
  for (const auto& n : nodes) {
    if (n.endpoint.family() == family) append_compact_node(out, n);
  }
  return out;
}

Result<NodeInfo> decode_compact_node(std::string_view bytes) {
  if (bytes.size() != kCompactNodeV4Size && bytes.size() != kCompactNodeV6Size) {
    return fail("compact: a node is 26 or 38 bytes, got " + std::to_string(bytes.size()));
  }
  return node_from_record(bytes);
}

Result<std::vector<NodeInfo>> decode_compact_nodes(std::string_view bytes,
                                                   Endpoint::Family family) {
  return decode_list<NodeInfo>(bytes, compact_node_size(family), "node", family, node_from_record);
}

}  // namespace btnode
