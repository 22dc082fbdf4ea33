// `btnode tracker`: an HTTP (BEP 3, BEP 23, BEP 7, BEP 48 scrape) and UDP
// (BEP 15) tracker on one port, over a tracker::SwarmRegistry. Bounded:
// concurrent HTTP connections, request head size, time per connection.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/endpoint.h"
#include "core/result.h"
#include "node/udp_socket.h"
#include "tracker/swarm_registry.h"

namespace btnode::node {

struct TrackerServerOptions {
  std::vector<Endpoint> bind;  // empty: 0.0.0.0 and ::
  std::uint16_t port = 0;      // 0: pick one (the same for TCP and UDP)
  tracker::SwarmOptions swarm;
  std::size_t max_http_connections = 256;
  std::chrono::seconds http_deadline{10};
};

struct TrackerServerStats {
  std::uint64_t http_announces = 0;
  std::uint64_t udp_announces = 0;
  std::uint64_t scrapes = 0;
  std::uint64_t errors = 0;
  std::size_t torrents = 0;
  std::size_t peers = 0;
};

class TrackerServer {
 public:
  TrackerServer(asio::io_context& io, TrackerServerOptions options);
  ~TrackerServer();

  Result<void> start();
  void stop();
  std::uint16_t port() const { return port_; }
  std::vector<Endpoint> local_endpoints() const;
  TrackerServerStats stats() const;

 private:
  class HttpConnection;
  void accept(asio::ip::tcp::acceptor& acceptor);
  void on_udp(UdpSocket& socket, std::string_view bytes, const Endpoint& from);
  std::string handle_http(const std::string& head, const Endpoint& from);
  std::uint64_t connection_id(const Endpoint& from, std::int64_t minute) const;
  bool connection_ok(const Endpoint& from, std::uint64_t id) const;
  void schedule_expiry();

  asio::io_context& io_;
  TrackerServerOptions options_;
  tracker::SwarmRegistry registry_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::vector<std::unique_ptr<UdpSocket>> udp_;
  asio::steady_timer expiry_timer_;
  std::shared_ptr<std::size_t> open_connections_;
  std::array<std::uint8_t, 16> secret_{};
  std::uint16_t port_ = 0;
  TrackerServerStats stats_;
};

}  // namespace btnode::node
