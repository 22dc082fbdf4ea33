// The router (bootstrap) node's responder, sans-I/O: what `btnode bootstrap`
// runs instead of a full dht::Node.
//
// It keeps no Kademlia table. It answers ping, find_node and get_peers with
// up to 8 IPv4 and 8 IPv6 nodes from two rings of recently verified nodes
// (NodeRing), refuses announce_peer and every other method with a KRPC
// error, and pings each new querier back with a SYN-cookie transaction id
// (SynCookie): only a reply carrying the cookie — proof of the address and
// id — puts a node into a ring. Read-only nodes (BEP 43) and, unless
// relaxed, ids that fail BEP 42 are answered but never stored.
//
// Abuse limits, in the order they apply: martian sources dropped, a token
// bucket per source address (IpRateTable), a global outgoing packet budget
// (verification pings only from its upper half, replies to queries without
// `bs` = 1 not from its last quarter, so joining nodes go first), and no
// reply larger than 4x the datagram that caused it (node lists are trimmed).
//
// Per packet: no allocation. Replies are assembled from pre-encoded pieces
// into caller-owned fixed buffers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "dht/ip_rate_table.h"
#include "dht/node_ring.h"
#include "dht/syn_cookie.h"
#include "dht/time.h"

namespace btnode::dht {

// How the nodes of a reply are picked from a ring.
enum class RouterSelection : std::uint8_t {
  random,             // uniformly random entries
  closest_of_sample,  // the 8 closest to the target among `sample_size` random entries
};

struct RouterOptions {
  NodeId id;
  std::size_t capacity_v4 = std::size_t{1} << 20;
  std::size_t capacity_v6 = std::size_t{1} << 18;
  // Store only nodes whose id is valid for their address under BEP 42.
  bool require_bep42 = true;
  // Accept loopback/private/link-local sources (tests, LANs); without it
  // every martian source (Endpoint::is_martian) is dropped.
  bool allow_local = false;
  RouterSelection selection = RouterSelection::closest_of_sample;
  std::uint32_t sample_size = 32;
  IpRateOptions rate;
  // Global outgoing packets per second (replies and pings) and bucket depth.
  std::uint32_t out_per_second = 1'000'000;
  std::uint32_t out_burst = 20'000;
  // Shared by every responder on the port, so they accept each other's cookies.
  SynCookie::Key cookie_key{};
  Duration cookie_epoch = std::chrono::minutes(10);
  // A node verified this recently is not pinged again (bounded, lossy memory).
  Duration reverify_after = std::chrono::minutes(15);
  unsigned recent_bits = 16;
  std::uint64_t rng_seed = 1;
};

struct RouterStats {
  std::uint64_t received = 0;
  std::uint64_t answered = 0;  // replies sent to queries, errors included
  std::uint64_t answered_ping = 0, answered_find_node = 0, answered_get_peers = 0;
  std::uint64_t refused = 0;  // announce_peer and unknown methods (KRPC errors)
  std::uint64_t bootstrap_queries = 0;  // queries carrying bs=1 (a node joining)
  std::uint64_t pings_sent = 0;
  std::uint64_t verified = 0;     // cookie replies whose node entered a ring
  std::uint64_t bad_cookie = 0;   // replies with a forged, stale or foreign transaction id
  std::uint64_t not_stored = 0;   // verified replies refused by BEP 42
  std::uint64_t dropped_malformed = 0, dropped_martian = 0, dropped_rate = 0,
                dropped_budget = 0;
  std::uint64_t other = 0;  // error messages and other packets we ignore
  RouterStats& operator+=(const RouterStats& o);
};

// One outgoing datagram in a caller-owned buffer.
struct RouterDatagram {
  static constexpr std::size_t kMaxSize = 768;
  Endpoint to;
  std::uint16_t size = 0;
  std::array<std::uint8_t, kMaxSize> bytes;
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), size}; }
};

// The node buffer, when several responders share one (node::RouterServer):
// they read it under a shared lock and hand their verified nodes to the
// owner (Router::pending) to insert under an exclusive one.
struct RouterRings {
  RouterRings(std::size_t capacity_v4, std::size_t capacity_v6) : v4(capacity_v4), v6(capacity_v6) {}
  NodeRingV4 v4;
  NodeRingV6 v6;
};

// A node verified by a responder whose rings are shared, awaiting insertion.
struct VerifiedNode {
  bool v6 = false;
  std::array<std::uint8_t, NodeRingV6::kEntrySize> entry{};  // v4 uses the first 26 bytes
};

class Router {
 public:
  static constexpr std::size_t kMaxOutputs = 2;  // a reply and a verification ping
  static constexpr std::size_t kNodesPerFamily = 8;

  // With `shared`, answers come from those rings (capacities in `options`
  // are then unused) and verified nodes go to pending() instead.
  explicit Router(const RouterOptions& options, const RouterRings* shared = nullptr);

  // Handles one datagram from `from`; writes up to kMaxOutputs datagrams to
  // `out` (precondition: out.size() >= kMaxOutputs) and returns how many.
  std::size_t on_packet(std::span<const std::uint8_t> datagram, const Endpoint& from,
                        TimePoint now, std::span<RouterDatagram> out);

  const NodeId& id() const { return id_; }
  const RouterStats& stats() const { return stats_; }
  const NodeRingV4& ring_v4() const { return shared_ ? shared_->v4 : own_.v4; }
  const NodeRingV6& ring_v6() const { return shared_ ? shared_->v6 : own_.v6; }
  // Adds an entry as if verified (reloading a saved buffer); own rings only.
  void restore(const NodeRingV4::Entry& e) { own_.v4.push(e); }
  void restore(const NodeRingV6::Entry& e) { own_.v6.push(e); }
  // Verified nodes not yet inserted into the shared rings (bounded; beyond
  // kMaxPending per drain they are dropped and counted in not_stored).
  static constexpr std::size_t kMaxPending = 1024;
  const std::vector<VerifiedNode>& pending() const { return pending_; }
  void clear_pending() { pending_.clear(); }

 private:
  struct Query;
  bool acceptable_source(const Endpoint& from) const;
  enum class Spend : std::uint8_t { bootstrap_reply, reply, ping };
  bool spend(TimePoint now, Spend kind);
  std::size_t on_query(const Query& q, TimePoint now, std::span<RouterDatagram> out);
  void on_reply(const Query& q, TimePoint now);
  std::size_t write_reply(const Query& q, std::size_t budget, RouterDatagram& d);
  std::size_t write_error(const Query& q, int code, std::string_view msg, RouterDatagram& d);
  std::size_t write_ping(const Query& q, TimePoint now, RouterDatagram& d);
  bool wants_verification(const Query& q, TimePoint now);
  void remember(const Query& q, TimePoint now);
  template <class Ring>
  std::size_t pick(const Ring& ring, const Query& q, std::size_t max, std::uint8_t* out);
  template <class Ring>
  std::size_t top_up(const Ring& backup, const Query& q, std::size_t have, std::size_t max,
                     std::uint8_t* out) const;
  void remember_querier(const Query& q);
  std::uint64_t next_random();

  NodeId id_;
  RouterOptions options_;
  RouterRings own_;
  // The last queriers pinged for verification, not yet verified. Handed out
  // only to fill answers while the buffer holds fewer than 8 nodes, so the
  // first nodes to join a fresh router meet each other.
  RouterRings backup_{kBackupSize, kBackupSize};
  static constexpr std::size_t kBackupSize = 16;
  const RouterRings* shared_;
  std::vector<VerifiedNode> pending_;
  SynCookie cookies_;
  IpRateTable rates_;
  RouterStats stats_;
  std::uint64_t rng_;
  // Outgoing budget, in packets * 1000.
  std::uint64_t out_tokens_;
  std::int64_t out_last_ms_ = -1;
  // Lossy memory of recently pinged/verified endpoints: tag and times.
  struct Recent {
    std::uint32_t tag = 0;
    std::uint32_t pinged_s = 0;
    std::uint32_t verified_s = 0;
  };
  struct RecentSlot {
    Recent& entry;
    std::uint32_t tag;
  };
  RecentSlot recent_slot(const Endpoint& from);
  std::vector<Recent> recent_;
  std::array<std::uint8_t, 16> recent_key_{};
};

}  // namespace btnode::dht
