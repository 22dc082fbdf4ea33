#include "tests/sim/network.h"

#include <algorithm>

namespace btnode::sim {
namespace {

constexpr std::uint16_t kPort = 6881;

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

NodeId random_id(std::mt19937_64& rng) {
  NodeId id;
  for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
  return id;
}

}  // namespace

Network::Network(const NetworkOptions& options)
    : options_(options),
      now_(TimePoint{} + std::chrono::hours(1)),
      dead_(options.nodes, false),
      armed_(options.nodes, TimePoint::max()),
      rng_(options.seed),
      lose_(options.link.loss) {
  nodes_.reserve(options.nodes);
  for (std::size_t i = 0; i < options.nodes; ++i) {
    dht::NodeOptions o = options.node;
    o.id = random_id(rng_);
    o.allow_local = true;  // the simulated addresses are 10.0.0.0/8
    nodes_.push_back(std::make_unique<dht::Node>(o, now_));
  }
  if (options.router) {
    dht::RouterOptions r = options.router_options;
    r.id = random_id(rng_);
    r.allow_local = true;
    r.rng_seed = options.seed;
    router_ = std::make_unique<dht::Router>(r);
    router_out_.resize(dht::Router::kMaxOutputs);
  }
}

Endpoint Network::endpoint(std::size_t i) {
  const std::size_t a = i + 1;
  return Endpoint::v4({10, static_cast<std::uint8_t>(a >> 16), static_cast<std::uint8_t>(a >> 8),
                       static_cast<std::uint8_t>(a)},
                      kPort);
}

std::size_t Network::index_of(const Endpoint& e) {
  if (!e.is_v4() || e.port() != kPort) return SIZE_MAX;
  const auto b = e.address_bytes();
  if (static_cast<std::uint8_t>(b[0]) != 10) return SIZE_MAX;
  const std::size_t a = (std::size_t{static_cast<std::uint8_t>(b[1])} << 16) |
                        (std::size_t{static_cast<std::uint8_t>(b[2])} << 8) |
                        static_cast<std::uint8_t>(b[3]);
  return a == 0 ? SIZE_MAX : a - 1;
}

// The same for both directions and for every datagram on the pair.
Duration Network::one_way(std::size_t a, std::size_t b) const {
  const auto lo = std::min(a, b);
  const auto hi = std::max(a, b);
  const std::uint64_t h = splitmix(options_.seed ^ splitmix((lo << 32) | hi));
  const auto span = (options_.link.rtt_max - options_.link.rtt_min).count();
  const auto rtt =
      options_.link.rtt_min.count() +
      (span > 0 ? static_cast<Duration::rep>(h % static_cast<std::uint64_t>(span)) : 0);
  return Duration(rtt / 2);
}

void Network::push(Event e) {
  e.seq = seq_++;
  queue_.push_back(std::move(e));
  std::push_heap(queue_.begin(), queue_.end(), Later{});
}

void Network::with_node(std::size_t i,
                        const std::function<void(dht::Node&, std::vector<dht::Datagram>&)>& f) {
  out_.clear();
  f(node(i), out_);
  // As an I/O adapter would: re-arm the timer after every input.
  arm(i, node(i).on_timer(now_, out_));
  send_all(i);
}

void Network::send_all(std::size_t from) {
  for (dht::Datagram& d : out_) {
    ++sent_;
    const std::size_t to = index_of(d.to);
    if (to > nodes_.size() || (to == nodes_.size() && !router_)) continue;  // nobody there
    if (lose_(rng_)) {
      ++lost_;
      continue;
    }
    push({now_ + one_way(from, to),
          0,
          Kind::datagram,
          static_cast<std::uint32_t>(to),
          endpoint(from),
          std::move(d.bytes),
          {}});
  }
  out_.clear();
}

void Network::arm(std::size_t i, TimePoint deadline) {
  if (deadline == TimePoint::max()) return;
  // A deadline already due runs after what is queued for now, never in a loop.
  deadline = std::max(deadline, now_ + std::chrono::milliseconds(1));
  if (armed_[i] <= deadline && armed_[i] > now_) return;  // an earlier wake-up is queued
  armed_[i] = deadline;
  push({deadline, 0, Kind::timer, static_cast<std::uint32_t>(i), {}, {}, {}});
}

void Network::at(TimePoint when, std::function<void()> action) {
  push({std::max(when, now_), 0, Kind::action, 0, {}, {}, std::move(action)});
}

void Network::deliver_to_router(Event& e) {
  const std::size_t self = nodes_.size();
  const std::size_t n = router_->on_packet(
      {reinterpret_cast<const std::uint8_t*>(e.bytes.data()), e.bytes.size()}, e.from, now_,
      router_out_);
  for (std::size_t k = 0; k < n; ++k) {
    ++sent_;
    const std::size_t to = index_of(router_out_[k].to);
    if (to >= nodes_.size()) continue;
    if (lose_(rng_)) {
      ++lost_;
      continue;
    }
    push({now_ + one_way(self, to), 0, Kind::datagram, static_cast<std::uint32_t>(to),
          router_endpoint(), std::string(router_out_[k].view()), {}});
  }
}

void Network::deliver(Event& e) {
  const std::size_t i = e.node;
  if (e.kind == Kind::datagram && i == nodes_.size()) {
    deliver_to_router(e);
    return;
  }
  switch (e.kind) {
    case Kind::action:
      e.action();
      return;
    case Kind::timer:
      if (armed_[i] != e.at) return;  // superseded
      armed_[i] = TimePoint::max();
      if (!dead_[i]) with_node(i, [&](dht::Node&, std::vector<dht::Datagram>&) {});
      return;
    case Kind::datagram:
      if (dead_[i]) return;
      with_node(i, [&](dht::Node& n, std::vector<dht::Datagram>& out) {
        n.on_packet(e.bytes, e.from, now_, out);
      });
      return;
  }
}

void Network::run_until(TimePoint end, const std::function<bool()>& stop) {
  while (!queue_.empty() && queue_.front().at <= end) {
    if (stop && stop()) return;
    std::pop_heap(queue_.begin(), queue_.end(), Later{});
    Event e = std::move(queue_.back());
    queue_.pop_back();
    now_ = e.at;
    ++events_;
    deliver(e);
  }
  now_ = std::max(now_, end);
}

}  // namespace btnode::sim
