#include "dht/node_id_security.h"

#include <array>

namespace btnode::dht {
namespace {

constexpr std::uint32_t kCastagnoliReflected = 0x82F63B78;

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ kCastagnoliReflected : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr auto kCrcTable = make_crc_table();

// BEP 42 masks: only the high bits of each class level are hashed, so that
// each /8 (v4) or /16.../64 (v6) block maps to few ids.
constexpr std::array<std::uint8_t, 4> kV4Mask = {0x03, 0x0f, 0x3f, 0xff};
constexpr std::array<std::uint8_t, 8> kV6Mask = {0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff};

// CRC32C of the masked IP with r in the top 3 bits; 0 for a malformed address.
std::uint32_t id_prefix_hash(IpBytes ip, std::uint8_t r) {
  std::array<std::uint8_t, 8> masked{};
  const std::uint8_t* mask = ip.size() == 4 ? kV4Mask.data() : kV6Mask.data();
  const std::size_t octets = ip.size() == 4 ? 4 : 8;  // v6: the high 64 bits only
  for (std::size_t i = 0; i < octets; ++i) masked[i] = ip[i] & mask[i];
  masked[0] |= static_cast<std::uint8_t>((r & 0x7) << 5);
  return crc32c({masked.data(), octets});
}

bool valid_length(IpBytes ip) {
  return ip.size() == 4 || ip.size() == 16;
}

IpBytes address_of(const Endpoint& endpoint) {
  const std::string_view raw = endpoint.address_bytes();
  return {reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()};
}

}  // namespace

std::uint32_t crc32c(std::span<const std::uint8_t> data) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (std::uint8_t byte : data) crc = kCrcTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFF;
}

NodeId secure_node_id(IpBytes ip, const NodeId& seed) {
  NodeId id = seed;
  if (!valid_length(ip)) return id;
  const std::uint32_t crc = id_prefix_hash(ip, id.bytes[19]);
  id.bytes[0] = static_cast<std::uint8_t>(crc >> 24);
  id.bytes[1] = static_cast<std::uint8_t>(crc >> 16);
  id.bytes[2] = static_cast<std::uint8_t>(((crc >> 8) & 0xf8) | (id.bytes[2] & 0x7));
  return id;
}

NodeId make_secure_node_id(IpBytes ip) {
  return secure_node_id(ip, random_node_id());
}

bool is_secure_node_id(const NodeId& id, IpBytes ip) {
  if (!valid_length(ip)) return false;
  if (is_bep42_exempt(ip)) return true;
  const std::uint32_t crc = id_prefix_hash(ip, id.bytes[19]);
  return id.bytes[0] == static_cast<std::uint8_t>(crc >> 24) &&
         id.bytes[1] == static_cast<std::uint8_t>(crc >> 16) &&
         (id.bytes[2] & 0xf8) == ((crc >> 8) & 0xf8);
}

bool is_bep42_exempt(IpBytes ip) {
  if (ip.size() == 4) {
    return ip[0] == 10 || ip[0] == 127 || (ip[0] == 172 && (ip[1] & 0xf0) == 16) ||
           (ip[0] == 192 && ip[1] == 168) || (ip[0] == 169 && ip[1] == 254);
  }
  if (ip.size() != 16) return false;
  bool loopback = ip[15] == 1;
  for (std::size_t i = 0; i < 15 && loopback; ++i) loopback = ip[i] == 0;
  return loopback || (ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80);
}

NodeId make_secure_node_id(const Endpoint& external) {
  const Endpoint unmapped = external.unmapped();
  return make_secure_node_id(address_of(unmapped));
}

bool is_secure_node_id(const NodeId& id, const Endpoint& endpoint) {
  const Endpoint unmapped = endpoint.unmapped();
  return is_secure_node_id(id, address_of(unmapped));
}

}  // namespace btnode::dht
