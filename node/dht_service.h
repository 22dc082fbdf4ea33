// DhtService: one dht::Node driven by Asio (ARCHITECTURE.md: node/ is the
// only I/O layer). It owns the UDP sockets (one per bind address, IPv4 and/or
// IPv6), feeds every datagram to the node with the steady clock's now, sends
// what the node queues, keeps one timer armed at the node's next deadline,
// bootstraps, and saves/loads the node's id and good nodes in the state dir.
//
// Everything runs on the caller's io_context thread; the node needs no locks.
// The service must outlive io_context::run(); stop() lets run() return.
#pragma once

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/endpoint.h"
#include "core/result.h"
#include "dht/node.h"
#include "node/state_dir_lock.h"
#include "node/udp_socket.h"

namespace btnode::node {

struct DhtServiceOptions {
  // One UDP socket per address; empty: 0.0.0.0 and :: (IPv6 failing is only
  // a warning, as on hosts without IPv6).
  std::vector<Endpoint> bind;
  std::uint16_t port = 0;  // 0: the kernel picks (the first socket's port is reused)
  std::vector<HostPort> bootstrap;
  // Loaded at start (id and nodes); saved at stop and every save_every.
  std::optional<std::filesystem::path> state_dir;
  // One-shot commands read the saved nodes but keep their own random id and
  // leave the file alone, so they never clash with a long-running node.
  bool save_state = true;
  bool use_saved_id = true;
  dht::NodeOptions node;
  dht::Duration save_every = std::chrono::minutes(10);
  // While both tables are empty, bootstrap again this often (a home server's
  // DHT must recover after the network comes back).
  dht::Duration rebootstrap_every = std::chrono::seconds(30);
};

struct DhtStats {
  std::size_t nodes_v4 = 0;
  std::size_t nodes_v6 = 0;
  std::size_t cached = 0;
  std::size_t torrents = 0;  // info-hashes in the peer store
  std::size_t queries_in_flight = 0;
  UdpCounters udp;               // summed over sockets
  std::uint64_t unroutable = 0;  // datagrams for a family we have no socket for
};

class DhtService {
 public:
  using Datagrams = std::vector<dht::Datagram>;
  using NodeCall = std::function<void(dht::Node&, dht::TimePoint, Datagrams&)>;
  using PingDone = std::function<void(std::optional<NodeId>)>;

  DhtService(asio::io_context& io, DhtServiceOptions options);
  ~DhtService();
  DhtService(const DhtService&) = delete;
  DhtService& operator=(const DhtService&) = delete;

  // Binds the sockets, loads the state, starts receiving and bootstrapping.
  Result<void> start();
  // Closes the sockets, cancels timers and saves the state (if enabled).
  // Safe to call from any callback, and more than once.
  void stop();
  bool running() const { return running_; }

  // Valid after a successful start().
  dht::Node& node() { return *node_; }
  std::vector<Endpoint> local_endpoints() const;
  DhtStats stats() const;

  // Runs `call` on the node with the current time, then sends what it queued
  // and re-arms the timer. Use it for every node operation started from
  // outside a packet (lookups, announces, pings).
  void with_node(const NodeCall& call);
  // Pings `to`; `done` gets the id it answered with, or nullopt after
  // `timeout`.
  void ping(const Endpoint& to, dht::Duration timeout, PingDone done);
  // Bootstrap endpoints once resolved (saved nodes included).
  const std::vector<Endpoint>& bootstrap_endpoints() const { return bootstrap_endpoints_; }
  // Runs `ready` once every bootstrap name has been resolved (or failed) and
  // the join lookups (find_node for our own id, BEP 5) have finished, so a
  // lookup started then begins from a filled table. Never runs after stop().
  void on_joined(std::function<void()> ready);

 private:
  // asio::post for work that needs this object: dropped if the service was
  // destroyed before the io_context ran it (a stopped service may be gone
  // while its posts are still queued).
  template <class F>
  void post(F f) {
    asio::post(io_, [token = std::weak_ptr<int>(alive_), f = std::move(f)]() mutable {
      if (token.lock()) f();
    });
  }
  struct PingWaiter;

  Result<void> open_sockets();
  Result<void> open_socket(const Endpoint& bind, bool required);
  void load_state();
  void save_state();
  void begin_bootstrap();
  void join_through(const std::vector<Endpoint>& routers);
  void check_joined();
  void on_datagram(std::string_view bytes, const Endpoint& from);
  void deliver_ping_answer(std::string_view bytes, const Endpoint& from);
  void dispatch(const NodeCall& call, bool exact_deadline);
  void send_all(Datagrams& out);
  void arm_timer(dht::TimePoint deadline);
  void on_timer();
  void arm_maintenance();
  void maintenance();

  asio::io_context& io_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // see post()
  DhtServiceOptions options_;
  std::vector<std::unique_ptr<UdpSocket>> sockets_;
  std::optional<dht::Node> node_;
  std::optional<StateDirLock> state_lock_;  // held while we own the saved id
  std::optional<NodeId> saved_id_;
  std::vector<NodeInfo> saved_nodes_;
  std::vector<Endpoint> bootstrap_endpoints_;
  std::size_t names_pending_ = 0;
  std::size_t joins_running_ = 0;
  std::vector<std::function<void()>> join_waiters_;
  std::multimap<Endpoint, std::shared_ptr<PingWaiter>> ping_waiters_;

  asio::steady_timer timer_;
  dht::TimePoint armed_for_ = dht::TimePoint::max();
  asio::steady_timer maintenance_timer_;
  dht::TimePoint next_save_{};
  dht::TimePoint next_rebootstrap_{};

  Datagrams out_;  // reused for every packet
  int depth_ = 0;  // > 0 while the node runs; nested calls get their own buffer
  std::uint64_t unroutable_ = 0;
  bool running_ = false;
};

}  // namespace btnode::node
