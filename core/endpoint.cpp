#include "core/endpoint.h"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/random.h"

namespace btnode {
namespace {

constexpr std::size_t kMaxHostName = 253;  // RFC 1035 presentation form

std::uint32_t v4_value(const std::uint8_t* a) {
  return std::uint32_t{a[0]} << 24 | std::uint32_t{a[1]} << 16 | std::uint32_t{a[2]} << 8 | a[3];
}

// True when the top `bits` bits of `v` equal those of `prefix`.
bool v4_in(std::uint32_t v, std::uint32_t prefix, int bits) {
  return (v >> (32 - bits)) == (prefix >> (32 - bits));
}

// True when the first `bits` bits of the 16-byte address match `prefix`.
bool v6_in(const std::uint8_t* a, std::initializer_list<std::uint8_t> prefix, int bits) {
  auto p = prefix.begin();
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    std::uint8_t pb = i < static_cast<int>(prefix.size()) ? p[i] : 0;
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (pb & mask)) return false;
  }
  return true;
}

bool v4_martian(std::uint32_t v) {
  // RFC 6890 special-purpose ranges that are never valid public unicast.
  static constexpr struct {
    std::uint32_t prefix;
    int bits;
  } kBogons[] = {
      {0x00000000, 8},   // "this network"
      {0x0a000000, 8},   // RFC 1918
      {0x64400000, 10},  // shared address space (CGNAT, RFC 6598)
      {0x7f000000, 8},   // loopback
      {0xa9fe0000, 16},  // link-local
      {0xac100000, 12},  // RFC 1918
      {0xc0000000, 24},  // IETF protocol assignments
      {0xc0000200, 24},  // TEST-NET-1
      {0xc0a80000, 16},  // RFC 1918
      {0xc6120000, 15},  // benchmarking
      {0xc6336400, 24},  // TEST-NET-2
      {0xcb007100, 24},  // TEST-NET-3
      {0xe0000000, 4},   // multicast
      {0xf0000000, 4},   // reserved, limited broadcast
  };
  return std::any_of(std::begin(kBogons), std::end(kBogons),
                     [v](const auto& b) { return v4_in(v, b.prefix, b.bits); });
}

bool v6_martian(const std::uint8_t* a) {
  if (!v6_in(a, {0x20}, 3)) return true;                         // outside global unicast 2000::/3
  return v6_in(a, {0x20, 0x01, 0x0d, 0xb8}, 32)                  // documentation (RFC 3849)
         || v6_in(a, {0x3f, 0xff}, 20)                           // documentation (RFC 9637)
         || v6_in(a, {0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48);  // benchmarking (RFC 5180)
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostName) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

const unsigned char* hash_key() {
  static const auto key = [] {
    std::array<unsigned char, crypto_shorthash_KEYBYTES> k;
    random_bytes(k.data(), k.size());
    return k;
  }();
  return key.data();
}

}  // namespace

// --------------------------------------------------------------- Endpoint

Endpoint Endpoint::v4(const V4Bytes& address, std::uint16_t port) {
  Endpoint e;
  std::copy(address.begin(), address.end(), e.address_.begin());
  e.port_ = port;
  return e;
}

Endpoint Endpoint::v6(const V6Bytes& address, std::uint16_t port) {
  Endpoint e;
  e.family_ = Family::v6;
  e.address_ = address;
  e.port_ = port;
  return e;
}

std::optional<Endpoint> Endpoint::from_address_bytes(std::string_view raw, std::uint16_t port) {
  if (raw.size() != 4 && raw.size() != 16) return std::nullopt;
  Endpoint e;
  e.family_ = raw.size() == 4 ? Family::v4 : Family::v6;
  std::memcpy(e.address_.data(), raw.data(), raw.size());
  e.port_ = port;
  return e;
}

std::optional<Endpoint> Endpoint::from_address(std::string_view text, std::uint16_t port) {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  Endpoint e;
  e.port_ = port;
  // Text with a colon can only be IPv6; inet_pton rejects everything loose
  // (octal, hex, short forms, leading zeros in IPv4, zone ids in IPv6).
  bool colon = text.find(':') != std::string_view::npos;
  e.family_ = colon ? Family::v6 : Family::v4;
  if (inet_pton(colon ? AF_INET6 : AF_INET, buf, e.address_.data()) != 1) return std::nullopt;
  return e;
}

Result<Endpoint> Endpoint::parse(std::string_view text) {
  auto hp = HostPort::parse(text);
  if (!hp) return fail(hp.error());
  auto e = hp->endpoint();
  if (!e)
    return fail("endpoint: host is not an IPv4 or IPv6 address (want 1.2.3.4:port or [v6]:port)");
  return *e;
}

Endpoint Endpoint::with_port(std::uint16_t port) const {
  Endpoint e = *this;
  e.port_ = port;
  return e;
}

std::string_view Endpoint::address_bytes() const {
  return {reinterpret_cast<const char*>(address_.data()), is_v4() ? 4u : 16u};
}

std::string Endpoint::address_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, address_.data(), buf, sizeof buf);
  return buf;
}

std::string Endpoint::to_string() const {
  std::string out = is_v4() ? address_string() : "[" + address_string() + "]";
  out += ':';
  out += std::to_string(port_);
  return out;
}

bool Endpoint::is_v4_mapped() const {
  return is_v6() && v6_in(address_.data(), {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96);
}

Endpoint Endpoint::unmapped() const {
  if (!is_v4_mapped()) return *this;
  return v4({address_[12], address_[13], address_[14], address_[15]}, port_);
}

bool Endpoint::is_unspecified() const {
  Endpoint u = unmapped();
  auto n = u.address_bytes().size();
  return std::all_of(u.address_.begin(), u.address_.begin() + n, [](auto b) { return b == 0; });
}

bool Endpoint::is_loopback() const {
  Endpoint u = unmapped();
  if (u.is_v4()) return u.address_[0] == 127;
  return v6_in(u.address_.data(), {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128);
}

bool Endpoint::is_private() const {
  Endpoint u = unmapped();
  if (u.is_v6()) return v6_in(u.address_.data(), {0xfc}, 7);
  std::uint32_t v = v4_value(u.address_.data());
  return v4_in(v, 0x0a000000, 8) || v4_in(v, 0xac100000, 12) || v4_in(v, 0xc0a80000, 16);
}

bool Endpoint::is_link_local() const {
  Endpoint u = unmapped();
  if (u.is_v6()) return v6_in(u.address_.data(), {0xfe, 0x80}, 10);
  return v4_in(v4_value(u.address_.data()), 0xa9fe0000, 16);
}

bool Endpoint::is_multicast() const {
  Endpoint u = unmapped();
  if (u.is_v6()) return u.address_[0] == 0xff;
  return v4_in(v4_value(u.address_.data()), 0xe0000000, 4);
}

bool Endpoint::is_martian() const {
  Endpoint u = unmapped();
  return u.is_v4() ? v4_martian(v4_value(u.address_.data())) : v6_martian(u.address_.data());
}

std::size_t Endpoint::hash() const {
  std::array<std::uint8_t, 19> in;
  in[0] = static_cast<std::uint8_t>(family_);
  std::copy(address_.begin(), address_.end(), in.begin() + 1);
  in[17] = static_cast<std::uint8_t>(port_ >> 8);
  in[18] = static_cast<std::uint8_t>(port_);
  std::array<std::uint8_t, crypto_shorthash_BYTES> out;
  crypto_shorthash(out.data(), in.data(), in.size(), hash_key());
  std::size_t h;
  static_assert(sizeof h <= out.size());
  std::memcpy(&h, out.data(), sizeof h);
  return h;
}

// --------------------------------------------------------------- HostPort

Result<HostPort> HostPort::parse(std::string_view text) {
  HostPort hp;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return fail("endpoint: '[' without ']'");
    hp.host = std::string(text.substr(1, close - 1));
    if (hp.host.find(':') == std::string::npos || !Endpoint::from_address(hp.host, 0)) {
      return fail("endpoint: brackets must hold an IPv6 address");
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return fail("endpoint: missing ':port' after ']'");
    }
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("endpoint: missing ':port'");
    std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return fail("endpoint: an IPv6 address must be in brackets, as in [::1]:6881");
    }
    if (!is_host_name(host)) return fail("endpoint: host is not a valid name or IPv4 address");
    hp.host = std::string(host);
    port_text = text.substr(colon + 1);
  }
  if (!parse_port(port_text, hp.port)) return fail("endpoint: port must be a number 0..65535");
  return hp;
}

std::string HostPort::to_string() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ':';
  out += std::to_string(port);
  return out;
}

}  // namespace btnode
