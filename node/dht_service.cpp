#include "node/dht_service.h"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>

#include "dht/krpc.h"
#include "node/dht_state.h"
#include "node/resolver.h"

namespace btnode::node {
namespace {

using Clock = std::chrono::steady_clock;

// After a packet made the node send queries, check its deadlines again
// within this long instead of asking on_timer() after every packet (which
// would walk the queries in flight each time on a busy node). A deadline is
// then met late by at most nothing: the check re-arms at the exact time.
constexpr dht::Duration kPromptCheck = std::chrono::milliseconds(250);
constexpr dht::Duration kMaintenanceEvery = std::chrono::seconds(5);

std::vector<Endpoint> default_binds() {
  return {Endpoint::v4({0, 0, 0, 0}, 0), Endpoint::v6({}, 0)};
}

}  // namespace

struct DhtService::PingWaiter {
  explicit PingWaiter(asio::io_context& io) : timer(io) {}
  PingDone done;
  asio::steady_timer timer;
};

DhtService::DhtService(asio::io_context& io, DhtServiceOptions options)
    : io_(io), options_(std::move(options)), timer_(io), maintenance_timer_(io) {}

DhtService::~DhtService() {
  stop();
}

Result<void> DhtService::start() {
  if (auto opened = open_sockets(); !opened) return opened;
  load_state();
  dht::NodeOptions node_options = options_.node;
  if (saved_id_) node_options.id = *saved_id_;
  node_.emplace(std::move(node_options), Clock::now());
  running_ = true;
  spdlog::info("dht: node id {}", node_->id().to_hex());
  for (auto& socket : sockets_) {
    spdlog::info("dht: listening on udp {}", socket->local_endpoint().to_string());
    socket->start(
        [this](std::string_view bytes, const Endpoint& from) { on_datagram(bytes, from); });
  }
  const auto now = Clock::now();
  next_save_ = now + options_.save_every;
  next_rebootstrap_ = now + options_.rebootstrap_every;
  arm_maintenance();
  begin_bootstrap();
  return {};
}

void DhtService::stop() {
  if (!running_) return;
  running_ = false;
  save_state();
  if (depth_ > 0) {
    // Stopped from a node callback: let the datagrams the node is queuing
    // right now (e.g. the announces that end a lookup) go out first.
    post([this] {
      for (auto& socket : sockets_) socket->close();
    });
  } else {
    for (auto& socket : sockets_) socket->close();
  }
  timer_.cancel();
  maintenance_timer_.cancel();
  for (auto& [endpoint, waiter] : ping_waiters_) waiter->timer.cancel();
  ping_waiters_.clear();
  spdlog::info("dht: stopped");
}

// ---------------------------------------------------------------- sockets

Result<void> DhtService::open_sockets() {
  const bool defaults = options_.bind.empty();
  const std::vector<Endpoint> binds = defaults ? default_binds() : options_.bind;
  std::uint16_t port = options_.port;
  for (std::size_t i = 0; i < binds.size(); ++i) {
    // The default IPv6 socket is optional: many hosts have no IPv6 at all.
    const bool required = !defaults || i == 0;
    if (auto r = open_socket(binds[i].with_port(port), required); !r) return r;
    // One port for every address, so peers and the log see one number.
    if (port == 0 && !sockets_.empty()) port = sockets_.front()->local_endpoint().port();
  }
  if (sockets_.empty()) return fail("no UDP socket could be opened");
  return {};
}

Result<void> DhtService::open_socket(const Endpoint& bind, bool required) {
  auto socket = std::make_unique<UdpSocket>(io_);
  auto opened = socket->open(bind);
  if (!opened) {
    if (required) return opened;
    spdlog::warn("dht: {} (continuing without it)", opened.error().message);
    return {};
  }
  sockets_.push_back(std::move(socket));
  return {};
}

std::vector<Endpoint> DhtService::local_endpoints() const {
  std::vector<Endpoint> out;
  for (const auto& socket : sockets_) out.push_back(socket->local_endpoint());
  return out;
}

void DhtService::send_all(Datagrams& out) {
  for (const dht::Datagram& d : out) {
    UdpSocket* via = nullptr;
    for (auto& socket : sockets_) {
      if (socket->family() == d.to.family() && socket->is_open()) via = socket.get();
    }
    if (via) {
      via->send(d.to, d.bytes);
    } else {
      ++unroutable_;
    }
  }
  out.clear();
}

// ---------------------------------------------------------------- state

void DhtService::load_state() {
  if (!options_.state_dir) return;
  if (options_.use_saved_id || options_.save_state) {
    // Only one process may answer for the saved id and rewrite the file.
    auto lock = StateDirLock::acquire(*options_.state_dir);
    if (lock) {
      state_lock_.emplace(std::move(*lock));
    } else {
      spdlog::warn("dht: {}; this node takes a fresh id and saves no state (give it its own "
                   "--state-dir)",
                   lock.error().message);
      options_.use_saved_id = false;
      options_.save_state = false;
    }
  }
  auto loaded = load_dht_state(*options_.state_dir);
  if (!loaded) {
    // A torn or foreign file must not keep the node from starting.
    spdlog::warn("dht: ignoring saved state ({}); starting fresh", loaded.error().message);
    return;
  }
  if (!loaded->has_value()) return;
  if (options_.use_saved_id) saved_id_ = (*loaded)->id;
  saved_nodes_ = std::move((*loaded)->nodes);
  spdlog::info("dht: loaded {} nodes from {}", saved_nodes_.size(), options_.state_dir->string());
}

void DhtService::save_state() {
  if (!options_.state_dir || !options_.save_state || !node_) return;
  const DhtState state = capture_dht_state(*node_, Clock::now());
  if (auto saved = save_dht_state(*options_.state_dir, state); !saved) {
    spdlog::warn("dht: cannot save state: {}", saved.error().message);
    return;
  }
  spdlog::info("dht: saved id and {} nodes to {}", state.nodes.size(),
               options_.state_dir->string());
}

// ---------------------------------------------------------------- bootstrap

void DhtService::begin_bootstrap() {
  std::vector<Endpoint> saved;
  for (const NodeInfo& n : saved_nodes_) saved.push_back(n.endpoint);
  bootstrap_endpoints_ = saved;
  join_through(saved);
  names_pending_ = options_.bootstrap.size();
  ResolveOptions families{false, false};
  for (const auto& socket : sockets_) {
    (socket->family() == Endpoint::Family::v4 ? families.want_v4 : families.want_v6) = true;
  }
  resolve_udp(io_, options_.bootstrap, families,
              [this](const HostPort& name, std::vector<Endpoint> found) {
                if (!running_) return;
                spdlog::debug("dht: bootstrap {} -> {} endpoints", name.to_string(), found.size());
                bootstrap_endpoints_.insert(bootstrap_endpoints_.end(), found.begin(), found.end());
                join_through(found);
                if (names_pending_ > 0) --names_pending_;
                check_joined();
              });
  post([this] { check_joined(); });
}

// One join lookup per address family: a bootstrap lookup walks one table.
void DhtService::join_through(const std::vector<Endpoint>& routers) {
  for (const auto family : {Endpoint::Family::v4, Endpoint::Family::v6}) {
    std::vector<Endpoint> same;
    for (const Endpoint& e : routers) {
      if (e.unmapped().family() == family) same.push_back(e);
    }
    if (same.empty()) continue;
    ++joins_running_;
    with_node([this, same](dht::Node& node, dht::TimePoint now, Datagrams& out) {
      node.bootstrap(same, now, out, [this](const dht::LookupResult& result) {
        if (!result.done) return;
        spdlog::info("dht: join lookup done: {} queried, {} of the closest answered",
                     result.progress.queried, result.closest.size());
        if (joins_running_ > 0) --joins_running_;
        // The node is mid-packet here; waiters may start lookups, so later.
        post([this] { check_joined(); });
      });
    });
  }
}

void DhtService::check_joined() {
  if (!running_ || names_pending_ > 0 || joins_running_ > 0) return;
  for (auto& ready : std::exchange(join_waiters_, {})) ready();
}

void DhtService::on_joined(std::function<void()> ready) {
  join_waiters_.push_back(std::move(ready));
  post([this] { check_joined(); });
}

// ---------------------------------------------------------------- driving the node

void DhtService::dispatch(const NodeCall& call, bool exact_deadline) {
  const auto now = Clock::now();
  ++depth_;
  call(*node_, now, out_);
  --depth_;
  const bool sent = !out_.empty();
  send_all(out_);
  if (exact_deadline) {
    on_timer();
  } else if (sent) {
    arm_timer(std::min(armed_for_, now + kPromptCheck));
  }
}

void DhtService::with_node(const NodeCall& call) {
  if (!running_) return;
  if (depth_ > 0) {
    // Called from a node callback: the node is mid-packet and not re-entrant.
    post([this, call] { with_node(call); });
    return;
  }
  dispatch(call, true);
}

void DhtService::on_datagram(std::string_view bytes, const Endpoint& from) {
  dispatch([&](dht::Node& node, dht::TimePoint now,
               Datagrams& out) { node.on_packet(bytes, from, now, out); },
           false);
  deliver_ping_answer(bytes, from);
}

void DhtService::arm_timer(dht::TimePoint deadline) {
  if (!running_ || deadline == dht::TimePoint::max() || deadline >= armed_for_) return;
  armed_for_ = deadline;
  timer_.expires_at(deadline);
  timer_.async_wait([this](const std::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    armed_for_ = dht::TimePoint::max();
    on_timer();
  });
}

void DhtService::on_timer() {
  if (!running_) return;
  dht::TimePoint next = dht::TimePoint::max();
  const auto now = Clock::now();
  ++depth_;
  next = node_->on_timer(now, out_);
  --depth_;
  send_all(out_);
  arm_timer(next);
}

// ---------------------------------------------------------------- ping

void DhtService::ping(const Endpoint& to, dht::Duration timeout, PingDone done) {
  if (!running_) return;
  const Endpoint target = to.unmapped();
  auto waiter = std::make_shared<PingWaiter>(io_);
  waiter->done = std::move(done);
  ping_waiters_.emplace(target, waiter);
  waiter->timer.expires_after(timeout);
  waiter->timer.async_wait([this, target, waiter](const std::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    for (auto [it, end] = ping_waiters_.equal_range(target); it != end; ++it) {
      if (it->second == waiter) {
        ping_waiters_.erase(it);
        break;
      }
    }
    waiter->done(std::nullopt);
  });
  with_node([target](dht::Node& node, dht::TimePoint now, Datagrams& out) {
    node.ping(target, now, out);
  });
}

// Any reply from the pinged endpoint names its id. dht::Node has already
// matched it to our query (transaction id and source); this only reads the id.
void DhtService::deliver_ping_answer(std::string_view bytes, const Endpoint& from) {
  if (ping_waiters_.empty()) return;
  const Endpoint source = from.unmapped();
  auto [first, last] = ping_waiters_.equal_range(source);
  if (first == last) return;
  const dht::Decoded decoded = dht::decode(bytes);
  const auto* message = std::get_if<dht::Message>(&decoded);
  const auto* response = message ? std::get_if<dht::Response>(&message->body) : nullptr;
  if (!response) return;
  std::vector<std::shared_ptr<PingWaiter>> answered;
  for (auto it = first; it != last; ++it) answered.push_back(it->second);
  ping_waiters_.erase(first, last);
  const NodeId id = response->id;
  for (auto& waiter : answered) {
    waiter->timer.cancel();
    waiter->done(id);
  }
}

// ---------------------------------------------------------------- maintenance

void DhtService::arm_maintenance() {
  maintenance_timer_.expires_after(kMaintenanceEvery);
  maintenance_timer_.async_wait([this](const std::error_code& ec) {
    if (ec == asio::error::operation_aborted || !running_) return;
    maintenance();
    arm_maintenance();
  });
}

void DhtService::maintenance() {
  const auto now = Clock::now();
  if (now >= next_save_) {
    save_state();
    next_save_ = now + options_.save_every;
  }
  const DhtStats s = stats();
  if (s.nodes_v4 + s.nodes_v6 == 0 && now >= next_rebootstrap_) {
    spdlog::info("dht: routing table empty; bootstrapping again");
    next_rebootstrap_ = now + options_.rebootstrap_every;
    begin_bootstrap();
  }
}

DhtStats DhtService::stats() const {
  DhtStats s;
  if (node_) {
    auto& node = const_cast<dht::Node&>(*node_);  // table() has no const overload
    s.nodes_v4 = node.table(Endpoint::Family::v4).size();
    s.nodes_v6 = node.table(Endpoint::Family::v6).size();
    s.cached = node.table(Endpoint::Family::v4).cache_size() +
               node.table(Endpoint::Family::v6).cache_size();
    s.torrents = node.peer_store().info_hash_count();
    s.queries_in_flight = node.queries_in_flight();
  }
  for (const auto& socket : sockets_) {
    const UdpCounters& c = socket->counters();
    s.udp.packets_in += c.packets_in;
    s.udp.packets_out += c.packets_out;
    s.udp.bytes_in += c.bytes_in;
    s.udp.bytes_out += c.bytes_out;
    s.udp.send_failures += c.send_failures;
  }
  s.unroutable = unroutable_;
  return s;
}

}  // namespace btnode::node
