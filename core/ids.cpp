#include "core/ids.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "core/random.h"

namespace btnode {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
// RFC 4648 section 6.
constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// Decodes exactly out.size() bytes from 2 * out.size() hex digits.
bool decode_hex_into(std::string_view hex, std::uint8_t* out, std::size_t n) {
  if (hex.size() != 2 * n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
std::string_view as_view(const std::array<std::uint8_t, N>& a) {
  return {reinterpret_cast<const char*>(a.data()), N};
}

}  // namespace

// ------------------------------------------------------------------ Id160

template <class Tag>
std::optional<Id160<Tag>> Id160<Tag>::from_bytes(std::string_view raw) {
  if (raw.size() != size) return std::nullopt;
  Id160 id;
  std::memcpy(id.bytes.data(), raw.data(), size);
  return id;
}

template <class Tag>
std::optional<Id160<Tag>> Id160<Tag>::from_hex(std::string_view hex) {
  Id160 id;
  if (!decode_hex_into(hex, id.bytes.data(), size)) return std::nullopt;
  return id;
}

template <class Tag>
std::string Id160<Tag>::to_hex() const {
  return btnode::to_hex(view());
}

template <class Tag>
bool Id160<Tag>::is_zero() const {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

template struct Id160<NodeIdTag>;
template struct Id160<PeerIdTag>;

// ------------------------------------------------------------ XOR metric

NodeId xor_distance(const NodeId& a, const NodeId& b) {
  NodeId d;
  for (std::size_t i = 0; i < NodeId::size; ++i) d.bytes[i] = a.bytes[i] ^ b.bytes[i];
  return d;
}

int common_prefix_bits(const NodeId& a, const NodeId& b) {
  for (std::size_t i = 0; i < NodeId::size; ++i) {
    auto x = static_cast<std::uint8_t>(a.bytes[i] ^ b.bytes[i]);
    if (x != 0) return static_cast<int>(i * 8) + std::countl_zero(x);
  }
  return 160;
}

bool closer_to(const NodeId& target, const NodeId& a, const NodeId& b) {
  // The first byte where the two distances differ decides; no temporaries.
  for (std::size_t i = 0; i < NodeId::size; ++i) {
    auto da = static_cast<std::uint8_t>(target.bytes[i] ^ a.bytes[i]);
    auto db = static_cast<std::uint8_t>(target.bytes[i] ^ b.bytes[i]);
    if (da != db) return da < db;
  }
  return false;
}

NodeId random_node_id() {
  NodeId id;
  random_bytes(id.bytes.data(), id.bytes.size());
  return id;
}

// --------------------------------------------------------------- InfoHash

std::optional<InfoHash> InfoHash::from_v1_hex(std::string_view hex) {
  std::array<std::uint8_t, 20> d;
  if (!decode_hex_into(hex, d.data(), d.size())) return std::nullopt;
  return from_v1(d);
}

std::optional<InfoHash> InfoHash::from_v1_base32(std::string_view b32) {
  if (b32.size() != 32) return std::nullopt;
  auto raw = from_base32(b32);
  if (!raw || raw->size() != 20) return std::nullopt;
  std::array<std::uint8_t, 20> d;
  std::memcpy(d.data(), raw->data(), d.size());
  return from_v1(d);
}

std::optional<InfoHash> InfoHash::from_v2_hex(std::string_view hex) {
  std::array<std::uint8_t, 32> d;
  if (!decode_hex_into(hex, d.data(), d.size())) return std::nullopt;
  return from_v2(d);
}

std::string InfoHash::v1_hex() const {
  return v1 ? to_hex(as_view(*v1)) : std::string();
}
std::string InfoHash::v2_hex() const {
  return v2 ? to_hex(as_view(*v2)) : std::string();
}
std::string_view InfoHash::v1_view() const {
  return v1 ? as_view(*v1) : std::string_view();
}

std::array<std::uint8_t, 20> InfoHash::wire_id() const {
  std::array<std::uint8_t, 20> id{};
  if (v1) {
    id = *v1;
  } else if (v2) {
    // BEP 52: a v2-only swarm is addressed by the SHA-256 truncated to 20 bytes.
    std::copy_n(v2->begin(), id.size(), id.begin());
  }
  return id;
}

NodeId InfoHash::dht_target() const {
  return NodeId{wire_id()};
}

// ---------------------------------------------------------------- peer id

PeerId make_peer_id(std::string_view client_prefix) {
  if (client_prefix.size() > PeerId::size) {
    throw std::invalid_argument("make_peer_id: prefix longer than 20 bytes");
  }
  PeerId id;
  std::memcpy(id.bytes.data(), client_prefix.data(), client_prefix.size());
  random_bytes(id.bytes.data() + client_prefix.size(), PeerId::size - client_prefix.size());
  return id;
}

// ------------------------------------------------------------ hex, base32

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 0x0f]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  if (!decode_hex_into(hex, reinterpret_cast<std::uint8_t*>(out.data()), out.size())) {
    return std::nullopt;
  }
  return out;
}

std::string to_base32(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<std::string> from_base32(std::string_view text) {
  // Unpadded RFC 4648 text is 8 characters per 5 bytes; a final group of 1,
  // 3 or 6 characters cannot come from any byte string.
  switch (text.size() % 8) {
    case 1:
    case 3:
    case 6:
      return std::nullopt;
    default:
      break;
  }
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = base32_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, so each byte string has exactly one encoding.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace btnode
