// Strong identifiers: InfoHash, NodeId, PeerId, with XOR distance (BEP 5),
// hex and base32 (RFC 4648, as used by magnet links) conversion.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace btnode {

// A fixed-size 160-bit identifier. Tag keeps InfoHash, NodeId and PeerId
// from being mixed up by accident.
template <class Tag>
struct Id160 {
  std::array<std::uint8_t, 20> bytes{};

  static constexpr std::size_t size = 20;
  static std::optional<Id160> from_bytes(std::string_view raw);  // exactly 20 bytes
  static std::optional<Id160> from_hex(std::string_view hex);    // 40 hex digits, any case
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  std::string to_hex() const;  // lower case
  bool is_zero() const;
  auto operator<=>(const Id160&) const = default;
};

struct NodeIdTag {};
struct PeerIdTag {};
using NodeId = Id160<NodeIdTag>;
using PeerId = Id160<PeerIdTag>;

// XOR metric (BEP 5). Distances compare as big-endian unsigned integers.
NodeId xor_distance(const NodeId& a, const NodeId& b);
// Number of leading bits a and b share (0..160).
int common_prefix_bits(const NodeId& a, const NodeId& b);
// True when a is closer to target than b.
bool closer_to(const NodeId& target, const NodeId& a, const NodeId& b);
NodeId random_node_id();

// An info-hash: v1 (SHA-1, 20 bytes) and/or v2 (SHA-256, 32 bytes, BEP 52).
struct InfoHash {
  std::optional<std::array<std::uint8_t, 20>> v1;
  std::optional<std::array<std::uint8_t, 32>> v2;

  static InfoHash from_v1(const std::array<std::uint8_t, 20>& d) { return InfoHash{d, {}}; }
  static std::optional<InfoHash> from_v1_hex(std::string_view hex);     // 40 hex digits
  static std::optional<InfoHash> from_v1_base32(std::string_view b32);  // 32 base32 chars
  std::string v1_hex() const;  // empty if no v1
  std::string_view v1_view() const;
  // The 20 bytes used on the v1 wire and in the DHT (v2 is truncated per BEP 52).
  std::array<std::uint8_t, 20> wire_id() const;
  NodeId dht_target() const;
  bool operator==(const InfoHash&) const = default;
};

// BEP 20 style: "-BN0100-" followed by 12 random bytes from libsodium.
PeerId make_peer_id(std::string_view client_prefix = "-BN0100-");

std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);
std::string to_base32(std::string_view bytes);  // RFC 4648 alphabet, no padding
std::optional<std::string> from_base32(std::string_view text);  // case-insensitive, no padding

}  // namespace btnode
