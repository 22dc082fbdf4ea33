#include "node/asio_endpoint.h"

#include <algorithm>
#include <cstring>

namespace btnode::node {

asio::ip::address to_asio_address(const Endpoint& endpoint) {
  const std::string_view raw = endpoint.address_bytes();
  if (endpoint.is_v4()) {
    asio::ip::address_v4::bytes_type b{};
    // address_bytes() is exactly 4 or 16 bytes by the family.
    std::memcpy(b.data(), raw.data(), b.size());
    return asio::ip::make_address_v4(b);
  }
  asio::ip::address_v6::bytes_type b{};
  std::memcpy(b.data(), raw.data(), b.size());
  return asio::ip::make_address_v6(b);
}

asio::ip::udp::endpoint to_asio_udp(const Endpoint& endpoint) {
  return {to_asio_address(endpoint), endpoint.port()};
}

Endpoint from_asio(const asio::ip::address& address, std::uint16_t port) {
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    return Endpoint::v4({b[0], b[1], b[2], b[3]}, port);
  }
  const auto b = address.to_v6().to_bytes();
  Endpoint::V6Bytes v6{};
  std::copy(b.begin(), b.end(), v6.begin());
  return Endpoint::v6(v6, port);
}

Endpoint from_asio(const asio::ip::udp::endpoint& endpoint) {
  return from_asio(endpoint.address(), endpoint.port());
}

}  // namespace btnode::node
