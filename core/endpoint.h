// Endpoint: an IPv4 or IPv6 address plus a port, as a plain value.
//
// Sans-I/O: no Asio, no sockaddr in the interface. node/ converts to and from
// its socket types at the edge; protocol code compares, hashes, prints and
// classifies endpoints with this type alone.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace btnode {

class Endpoint {
 public:
  enum class Family : std::uint8_t { v4, v6 };
  using V4Bytes = std::array<std::uint8_t, 4>;
  using V6Bytes = std::array<std::uint8_t, 16>;

  Endpoint() = default;  // 0.0.0.0:0
  static Endpoint v4(const V4Bytes& address, std::uint16_t port);
  static Endpoint v6(const V6Bytes& address, std::uint16_t port);
  // Network-order address bytes: 4 gives IPv4, 16 gives IPv6, anything else nothing.
  static std::optional<Endpoint> from_address_bytes(std::string_view raw, std::uint16_t port);
  // An address literal without brackets or port: "10.0.0.1", "2001:db8::1".
  // IPv4 must be a dotted quad; IPv6 zone ids ("%eth0") are rejected.
  static std::optional<Endpoint> from_address(std::string_view text, std::uint16_t port);
  // "1.2.3.4:6881" or "[2001:db8::1]:6881"; ports 0..65535.
  static Result<Endpoint> parse(std::string_view text);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::v4; }
  bool is_v6() const { return family_ == Family::v6; }
  std::uint16_t port() const { return port_; }
  Endpoint with_port(std::uint16_t port) const;
  // The 4 or 16 address bytes in network order.
  std::string_view address_bytes() const;

  // "1.2.3.4:6881", "[::1]:6881" (RFC 5952 text for IPv6).
  std::string to_string() const;
  // The address alone, IPv6 without brackets.
  std::string address_string() const;

  // ::ffff:a.b.c.d, as dual-stack sockets report IPv4 peers.
  bool is_v4_mapped() const;
  // The IPv4 endpoint behind a v4-mapped address; otherwise *this.
  Endpoint unmapped() const;

  // Classification looks through v4-mapped addresses. The port is ignored.
  bool is_unspecified() const;  // 0.0.0.0, ::
  bool is_loopback() const;     // 127.0.0.0/8, ::1
  bool is_private() const;      // RFC 1918, fc00::/7 (RFC 4193)
  bool is_link_local() const;   // 169.254.0.0/16, fe80::/10
  bool is_multicast() const;    // 224.0.0.0/4, ff00::/8
  // A "bogon" that must never appear as a public peer or DHT node: all of the
  // above plus shared (CGNAT), documentation, benchmarking and reserved
  // ranges, and for IPv6 anything outside global unicast 2000::/3.
  bool is_martian() const;

  // Keyed SipHash (libsodium crypto_shorthash) with a per-process random key,
  // so peers cannot pick endpoints that collide in our hash tables.
  std::size_t hash() const;

  // Orders by family, then address bytes, then port.
  auto operator<=>(const Endpoint&) const = default;

 private:
  Family family_ = Family::v4;
  std::array<std::uint8_t, 16> address_{};  // IPv4 uses the first 4; the rest stay zero
  std::uint16_t port_ = 0;
};

// A "host:port" whose host may be a name still to be resolved (magnet x.pe,
// command-line peers). Accepted forms: "name:port", "1.2.3.4:port",
// "[v6-literal]:port". Names are letters, digits, '-', '_' and '.' (at most
// 253 characters); the port is 0..65535.
struct HostPort {
  std::string host;  // name or address literal, IPv6 without brackets
  std::uint16_t port = 0;

  static Result<HostPort> parse(std::string_view text);
  // The endpoint when host is an address literal.
  std::optional<Endpoint> endpoint() const { return Endpoint::from_address(host, port); }
  std::string to_string() const;  // brackets IPv6 literals
  auto operator<=>(const HostPort&) const = default;
};

}  // namespace btnode

template <>
struct std::hash<btnode::Endpoint> {
  std::size_t operator()(const btnode::Endpoint& e) const noexcept { return e.hash(); }
};
