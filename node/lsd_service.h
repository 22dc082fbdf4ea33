// LsdService: BEP 14 local service discovery over multicast, IPv4
// (239.192.152.143:6771) and IPv6 ([ff15::efc0:988f]:6771). Per address
// family one socket listens on the group (port 6771 shared with other clients
// via SO_REUSEADDR), another, bound to our --bind address of that family,
// sends our announces so their source address is the one peers can dial.
// Each torrent is announced at once and then every `interval` on every group
// joined (at most one announce per torrent per interval; pex::LsdPolicy);
// announces from one source are taken at most a few times a minute; our own
// (same cookie) are ignored.
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
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/result.h"
#include "pex/lsd.h"

namespace btnode::node {

struct LsdServiceOptions {
  // Local addresses (ports ignored). A family is used when an address of it
  // is given (the first one), or, with none given at all, on any address;
  // then a family that cannot join its group (no IPv6, no multicast route)
  // is skipped.
  std::vector<Endpoint> bind;
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
  bool joined_v4() const { return v4_ != nullptr; }
  bool joined_v6() const { return v6_ != nullptr; }

 private:
  struct Channel {
    explicit Channel(asio::io_context& io) : listen(io), send(io) {}
    asio::ip::udp::socket listen;
    asio::ip::udp::socket send;
    asio::ip::udp::endpoint group;
    std::string host;  // the Host header: "239.192.152.143:6771" or "[ff15::efc0:988f]:6771"
    asio::ip::udp::endpoint from;
    std::array<char, 1500> buffer{};
  };
  Result<std::unique_ptr<Channel>> open_v4(const std::optional<Endpoint>& bind);
  Result<std::unique_ptr<Channel>> open_v6(const std::optional<Endpoint>& bind);
  void receive(Channel& c);
  void on_datagram(Channel& c, std::size_t size);
  void announce_due();
  void arm_timer();

  asio::io_context& io_;
  LsdServiceOptions options_;
  OnPeer on_peer_;
  std::unique_ptr<Channel> v4_, v6_;
  asio::steady_timer timer_;
  std::string cookie_;
  std::set<pex::LsdHash> torrents_;
  pex::LsdPolicy policy_;
  std::size_t peers_found_ = 0;
  bool running_ = false;
};

}  // namespace btnode::node
