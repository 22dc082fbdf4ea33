// One bound UDP socket with a receive loop, on the caller's io_context.
//
// Sends are synchronous on a non-blocking socket: a DHT datagram that does
// not fit into a full send buffer is dropped (and counted) rather than queued,
// because a query answered seconds late is worth nothing and an unbounded
// queue is memory an attacker can fill.
#pragma once

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/endpoint.h"
#include "core/result.h"

namespace btnode::node {

struct UdpCounters {
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t send_failures = 0;
};

class UdpSocket {
 public:
  using Handler = std::function<void(std::string_view bytes, const Endpoint& from)>;

  explicit UdpSocket(asio::io_context& io);
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Opens and binds. IPv6 sockets are v6-only so that an IPv4 socket can bind
  // the same port beside them.
  Result<void> open(const Endpoint& bind);
  // Starts the receive loop; `handler` runs on the io_context thread for
  // every datagram until close(). The socket must outlive the io_context run.
  void start(Handler handler);
  // False when the datagram was dropped (full buffer, unreachable, closed).
  bool send(const Endpoint& to, std::string_view bytes);
  void close();

  bool is_open() const { return socket_.is_open(); }
  Endpoint local_endpoint() const { return local_; }
  Endpoint::Family family() const { return local_.family(); }
  const UdpCounters& counters() const { return counters_; }

 private:
  void receive_next();

  asio::ip::udp::socket socket_;
  Endpoint local_;
  Handler handler_;
  asio::ip::udp::endpoint sender_;
  // A UDP datagram is at most 64 KiB; KRPC messages are far smaller, but a
  // short buffer would silently truncate a hostile or foreign datagram.
  std::array<char, 65536> buffer_{};
  UdpCounters counters_;
};

}  // namespace btnode::node
