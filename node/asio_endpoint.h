// Conversions between btnode::Endpoint (the sans-I/O value type) and Asio's
// endpoint types, done once at the socket edge so nothing above node/ sees Asio.
#pragma once

#include <asio/ip/address.hpp>
#include <asio/ip/udp.hpp>

#include "core/endpoint.h"

namespace btnode::node {

asio::ip::address to_asio_address(const Endpoint& endpoint);
asio::ip::udp::endpoint to_asio_udp(const Endpoint& endpoint);
Endpoint from_asio(const asio::ip::address& address, std::uint16_t port);
Endpoint from_asio(const asio::ip::udp::endpoint& endpoint);

}  // namespace btnode::node
