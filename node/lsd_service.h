// LsdService: BEP 14 local service discovery over IPv4 multicast
// (239.192.152.143:6771). One socket listens on the group (port 6771 shared
// with other clients via SO_REUSEADDR), another, bound to our --bind address,
// sends our announces so their source address is the one peers can dial.
// Each torrent is announced at once and then every `interval` (at most one
// announce per torrent per interval; pex::LsdPolicy); announces from one
// source are taken at most a few times a minute; our own (same cookie) are
// ignored. The IPv6 group ([ff15::efc0:988f]) is not joined yet.
//
// Network thread only.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "core/endpoint.h"
#include "core/result.h"
#include "pex/lsd.h"

namespace btnode::node {

struct LsdServiceOptions {
  std::optional<Endpoint> bind;  // an IPv4 address (port ignored); unset: any
  std::uint16_t listen_port = 0;  // our TCP port, announced
  std::chrono::seconds interval{300};
};

class LsdService {
 public:
  using OnPeer = std::function<void(const pex::LsdHash&, const Endpoint&)>;

  LsdService(asio::io_context& io, LsdServiceOptions options, OnPeer on_peer);
  ~LsdService();
  LsdService(const LsdService&) = delete;
  LsdService& operator=(const LsdService&) = delete;

  Result<void> start();
  void stop();
  void add_torrent(const pex::LsdHash& info_hash);
  std::size_t peers_found() const { return peers_found_; }

 private:
  void receive();
  void on_datagram(std::size_t size);
  void announce_due();
  void arm_timer();

  asio::io_context& io_;
  LsdServiceOptions options_;
  OnPeer on_peer_;
  asio::ip::udp::socket listen_socket_;
  asio::ip::udp::socket send_socket_;
  asio::steady_timer timer_;
  asio::ip::udp::endpoint from_;
  std::array<char, 1500> buffer_{};
  std::string cookie_;
  std::set<pex::LsdHash> torrents_;
  pex::LsdPolicy policy_;
  std::size_t peers_found_ = 0;
  bool running_ = false;
};

}  // namespace btnode::node
