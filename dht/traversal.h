// Traversal: the iterative Kademlia search shared by every lookup (BEP 5).
//
// It keeps the candidates heard of so far sorted by distance to the target,
// keeps `alpha` queries in flight to the closest ones not yet asked, and is
// done when the k closest it has seen have all answered or failed. Each
// lookup kind (find_node, get_peers, ...) derives from it and says which
// query to send and what to keep from each answer.
//
// Sans-I/O like Node: pick() names the nodes to query, the owner sends them
// and reports on_response()/on_failure(); on_timer() applies the short
// timeout. A node that stays silent past `slow_after` no longer counts as in
// flight, so the search widens around it, and it is asked once more (a lost
// datagram is far likelier than a dead node that answered recently). While
// that second chance runs it still holds the lookup open if it is among the
// k closest; after another slow_after it is passed over, yet a late answer is
// still taken until the owner's full timeout fails it. So a lost datagram
// costs one short timeout and a dead node two, never the full timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_set>
#include <vector>

#include "core/compact.h"
#include "dht/krpc.h"
#include "dht/time.h"

namespace btnode::dht {

using LookupId = std::uint32_t;

struct TraversalOptions {
  // Queries in flight at once. dht-sim, 2,000 nodes, RTT 20-300 ms, 5%
  // loss, 10% dead, one straggler allowed, short timeout srtt + 2 rttvar:
  // alpha 5/6/8 gave p50 654/643/618 ms for 37/42/48 packets per lookup
  // (alpha 4 with the strict end and RFC 6298 timeouts: 1204 ms, 34).
  std::size_t alpha = 5;
  std::size_t k = 8;  // BEP 5: the lookup ends on the k closest
  // Walk on until k + margin have answered. Answers list nodes that died
  // since, so the k-th closest live node is often heard of only from nodes
  // just beyond the k closest.
  std::size_t margin = 0;
  // Of the k closest, this many may still be awaited when the lookup ends:
  // the slowest of k round trips, a lost datagram or a dead node no longer
  // holds every lookup up (dht-sim counts a lookup that found k - 1 of the
  // true k closest as a success; the announce/put goes to the k closest
  // that did answer).
  std::size_t stragglers = 1;
  // Silent this long: widen the search (libtorrent's "short timeout"),
  // resend, and after as long again pass the node over.
  Duration slow_after = 1s;
  // Send the query again at the short timeout. With 5% loss each way ~10%
  // of queries go unanswered; without a resend, two of the k closest lost
  // that way fail the lookup in 18% of the cases (dht-sim).
  bool resend_slow = true;
  // The this-many closest candidates still in the running are asked as soon
  // as they are heard of, beyond alpha: near the end of a lookup the next
  // round should not wait for a slot.
  std::size_t eager = 0;
  std::size_t eager_after = 0;  // ... once this many answers came in
  // Candidates kept; the farthest unasked ones are dropped beyond this.
  std::size_t max_candidates = 64;
};

// What a lookup has done so far; reported with every callback.
struct LookupProgress {
  std::size_t queried = 0;    // queries sent (one per node at most)
  std::size_t responded = 0;  // answers taken
  std::size_t failed = 0;     // full timeouts and errors
  std::size_t slow = 0;       // short timeouts
  std::size_t resent = 0;     // queries sent again after a short timeout
  std::size_t peers = 0;      // get_peers: distinct peers found
  int hops = 0;               // path length to the farthest of the k closest results
};

class Traversal {
 public:
  // A node to query now.
  struct Request {
    Endpoint to;
    std::optional<NodeId> id;  // unknown for bootstrap endpoints
  };

  Traversal(const NodeId& target, TraversalOptions options);
  virtual ~Traversal() = default;
  Traversal(const Traversal&) = delete;
  Traversal& operator=(const Traversal&) = delete;

  const NodeId& target() const { return target_; }
  const LookupProgress& progress() const { return progress_; }

  // Nodes to start from (our table's closest), and endpoints whose id we do
  // not know yet (bootstrap nodes).
  void add_seed(const NodeInfo& node);
  void add_seed(const Endpoint& endpoint);

  // Appends the nodes to query now, up to alpha in flight; marks them sent.
  void pick(TimePoint now, std::vector<Request>& out);
  // An answer from `from`; `nodes` are the contacts it returned, already
  // filtered by the owner (acceptable addresses, not us). False if no query
  // of ours to that endpoint was outstanding.
  bool on_response(const Endpoint& from, const Response& response, std::span<const NodeInfo> nodes);
  // The query to `from` timed out for good, was answered with an error, or
  // could not be sent.
  void on_failure(const Endpoint& from);
  // Marks queries older than slow_after as slow.
  void on_timer(TimePoint now);
  // The next short timeout; TimePoint::max() when none is pending.
  TimePoint next_deadline() const;

  // The k closest have all answered or failed, or nobody is left to ask.
  bool done() const;
  // Up to k nodes that answered, nearest first.
  void closest_responders(std::vector<NodeInfo>& out) const;

  // The query this lookup sends (find_node, get_peers, ...).
  virtual QueryArgs query_args() const = 0;

 protected:
  // Lets a lookup keep what it needs from an answer (values, a token).
  virtual void on_answer(const NodeInfo& from, const Response& response) = 0;
  LookupProgress& mutable_progress() { return progress_; }

 private:
  enum class State : std::uint8_t {
    fresh,
    in_flight,
    slow,    // past one short timeout: not in flight, still awaited
    passed,  // past two: no longer awaited, a late answer still counts
    responded,
    failed,
  };
  struct Candidate {
    NodeInfo node;
    bool id_known = true;
    State state = State::fresh;
    int depth = 1;  // 1: a seed; n + 1: learned from a node at depth n
    bool resend_due = false;
    TimePoint sent{};  // when the current stage (in_flight, slow) began
  };

  void add(const NodeInfo& node, bool id_known, int depth);
  Candidate* find(const Endpoint& endpoint);
  void sort_and_trim();
  std::size_t in_flight() const;
  static bool awaited(State s) {
    return s == State::in_flight || s == State::slow || s == State::passed;
  }

  NodeId target_;
  TraversalOptions options_;
  std::vector<Candidate> candidates_;  // nearest first; unknown ids last
  // Every endpoint ever added, so no node is queried twice per lookup.
  std::unordered_set<Endpoint> seen_;
  LookupProgress progress_;
};

}  // namespace btnode::dht
