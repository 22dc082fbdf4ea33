// An in-memory UDP network of dht::Nodes in virtual time (ARCHITECTURE.md,
// "Simulation"): an event queue of datagrams, timers and scheduled actions,
// a per-link round-trip time drawn once per pair from a range, independent
// loss per datagram, and nodes that can be switched dead (they drop
// everything, as a host that left without saying so).
//
// Node i lives at 10.a.b.c:6881 with a.b.c = i + 1, so a destination is
// found from its address without a map. Deterministic for a given seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dht/node.h"
#include "dht/router.h"

namespace btnode::sim {

using dht::Duration;
using dht::TimePoint;

struct LinkModel {
  Duration rtt_min = std::chrono::milliseconds(20);
  Duration rtt_max = std::chrono::milliseconds(300);
  double loss = 0.0;  // per datagram, each direction
};

struct NetworkOptions {
  std::size_t nodes = 100;
  LinkModel link;
  std::uint64_t seed = 1;
  dht::NodeOptions node;  // id is drawn per node from the seed
  // A dht::Router (the `btnode bootstrap` responder) at router_endpoint().
  bool router = false;
  dht::RouterOptions router_options;
};

class Network {
 public:
  explicit Network(const NetworkOptions& options);

  std::size_t size() const { return nodes_.size(); }
  dht::Node& node(std::size_t i) { return *nodes_[i]; }
  static Endpoint endpoint(std::size_t i);
  // The router lives just past the last node; null without NetworkOptions::router.
  Endpoint router_endpoint() const { return endpoint(nodes_.size()); }
  const dht::Router* router() const { return router_.get(); }
  TimePoint now() const { return now_; }
  bool dead(std::size_t i) const { return dead_[i]; }
  void set_dead(std::size_t i, bool dead) { dead_[i] = dead; }
  std::mt19937_64& rng() { return rng_; }

  // Calls `f(node, out)` on node i now, then sends what it produced and
  // re-arms its timer. Every call into a node goes through here.
  void with_node(std::size_t i,
                 const std::function<void(dht::Node&, std::vector<dht::Datagram>&)>& f);
  // Runs `action` at virtual time `at` (not before now).
  void at(TimePoint at, std::function<void()> action);
  // Processes events up to `end` (or until `stop` returns true); the clock
  // then reads `end` or the time of the last event processed.
  void run_until(TimePoint end, const std::function<bool()>& stop = {});

  std::uint64_t datagrams_sent() const { return sent_; }
  std::uint64_t datagrams_lost() const { return lost_; }
  std::uint64_t events_processed() const { return events_; }

 private:
  enum class Kind : std::uint8_t { datagram, timer, action };
  struct Event {
    TimePoint at;
    std::uint64_t seq;  // FIFO among equal times, so runs are reproducible
    Kind kind;
    std::uint32_t node;
    Endpoint from;
    std::string bytes;
    std::function<void()> action;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };

  void push(Event e);
  void send_all(std::size_t from);
  void arm(std::size_t i, TimePoint deadline);
  void deliver(Event& e);
  void deliver_to_router(Event& e);
  Duration one_way(std::size_t a, std::size_t b) const;
  static std::size_t index_of(const Endpoint& e);

  NetworkOptions options_;
  TimePoint now_;
  std::vector<std::unique_ptr<dht::Node>> nodes_;
  std::unique_ptr<dht::Router> router_;
  std::vector<dht::RouterDatagram> router_out_;
  std::vector<bool> dead_;
  std::vector<TimePoint> armed_;  // each node's pending timer event
  std::vector<Event> queue_;      // a heap ordered by Later
  std::vector<dht::Datagram> out_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution lose_;
  std::uint64_t seq_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t events_ = 0;
};

}  // namespace btnode::sim
