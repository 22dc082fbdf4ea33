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
  static InfoHash from_v2(const std::array<std::uint8_t, 32>& d) { return InfoHash{{}, d}; }
  static std::optional<InfoHash> from_v1_hex(std::string_view hex);     // 40 hex digits
  static std::optional<InfoHash> from_v1_base32(std::string_view b32);  // 32 base32 chars
  static std::optional<InfoHash> from_v2_hex(std::string_view hex);     // 64 hex digits
  // Each is empty when that version is absent.
  std::string v1_hex() const;
  std::string v2_hex() const;
  std::string_view v1_view() const;
  // The 20 bytes used on the v1 wire and in the DHT: v1 when present (hybrid
  // torrents use v1 there), otherwise v2 truncated to 20 bytes (BEP 52);
  // all zero when neither is set.
  std::array<std::uint8_t, 20> wire_id() const;
  NodeId dht_target() const;
  bool operator==(const InfoHash&) const = default;
};

// BEP 20 style: the prefix ("-BN0100-") followed by random bytes from
// libsodium up to 20 bytes. Throws std::invalid_argument if the prefix is
// longer than 20 bytes (a programmer error).
PeerId make_peer_id(std::string_view client_prefix = "-BN0100-");

// Hex output is lower case; input is any case and must have even length.
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);
// RFC 4648 alphabet, upper case, no padding.
std::string to_base32(std::string_view bytes);
// Case-insensitive, no padding. Rejects lengths no byte string encodes to
// (1, 3 or 6 mod 8) and non-zero trailing bits, so decoding is one-to-one.
std::optional<std::string> from_base32(std::string_view text);

}  // namespace btnode
