// dht::Node: one DHT identity, sans-I/O (see ARCHITECTURE.md).
//
// Fed each datagram with its source and the current time, it answers
// queries (ping, find_node, get_peers with BEP 33 scrapes, announce_peer,
// BEP 44 get/put, sample_infohashes),
// keeps its v4 and v6 routing tables (BEP 32) up to date from the traffic it
// sees, and pings the nodes its tables ask about. Everything it wants sent is
// appended to a caller-owned vector; it never touches a socket or a clock,
// so many Nodes can share one process (crawlers, the simulator).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/endpoint.h"
#include "dht/bloom_filter.h"
#include "dht/external_ip_vote.h"
#include "dht/get_item_lookup.h"
#include "dht/get_peers_lookup.h"
#include "dht/item_store.h"
#include "dht/krpc.h"
#include "dht/outbound_budget.h"
#include "dht/peer_store.h"
#include "dht/rate_limiter.h"
#include "dht/routing_table.h"
#include "dht/rpc_tracker.h"
#include "dht/rtt_estimator.h"
#include "dht/sample_lookup.h"
#include "dht/time.h"
#include "dht/token.h"
#include "dht/traversal.h"

namespace btnode::dht {

struct Datagram {
  Endpoint to;
  std::string bytes;
};

// What a lookup callback sees. The spans live until the callback returns.
struct LookupResult {
  LookupId id = 0;
  bool done = false;                  // false: get_peers progress (new peers arrived)
  std::span<const NodeInfo> closest;  // done only: up to k that answered, nearest first
  std::span<const Endpoint> peers;    // get_peers: every distinct peer so far
  std::size_t announced = 0;          // announce, put_item: announce_peer/put queries sent
  const FoundItem* item = nullptr;    // get_item, put_item: the newest valid item found
  // sample: distinct info-hashes (BEP 51), the nodes that gave samples, the
  // sum of their `num`, and the longest `interval` they asked for.
  std::span<const NodeId> samples;
  std::size_t sampled_nodes = 0;
  std::int64_t samples_num = 0;
  std::int64_t sample_interval = 0;
  LookupProgress progress;
};
using LookupCallback = std::function<void(const LookupResult&)>;

struct AnnounceOptions {
  std::uint16_t port = 0;
  bool implied_port = false;  // BEP 5: the receiver uses our source port
  bool seed = false;          // BEP 33
};

// A BEP 44 item to store. Mutable when public_key is set; the caller signs
// it (sign_item), so the secret key never enters the Node.
struct ItemToPut {
  std::string value;       // bencoded, at most 1000 bytes
  std::string public_key;  // 32 bytes: mutable; empty: immutable
  std::string signature;   // 64 bytes
  std::int64_t seq = 0;
  std::string salt;
  std::optional<std::int64_t> cas;  // BEP 44 compare-and-swap
  bool is_mutable() const { return !public_key.empty(); }
};

inline RoutingTableOptions wide_far_buckets() {
  RoutingTableOptions o;
  o.far_capacity = {128, 64, 32, 16};
  return o;
}
inline TraversalOptions eager_end_game() {
  TraversalOptions o;
  o.eager = 8;
  o.eager_after = 4;
  return o;
}

struct NodeOptions {
  NodeId id;  // all zero: a random id
  // BEP 5 `v`: two-letter client id (BEP 20) and two version bytes.
  std::string version = std::string("BN\x00\x01", 4);
  bool read_only = false;    // BEP 43: answer nothing, mark our queries ro=1
  bool allow_local = false;  // accept loopback/private sources (tests, LANs)
  // BEP 42: once the nodes we ask agree on our external address (`ip` in
  // their replies), take an id derived from it if ours is not valid for it,
  // and join again under the new id. Local addresses are exempt.
  bool secure_id = true;
  ExternalIpVoteOptions ip_vote;
  // Wide far buckets (128/64/32/16 live slots, libtorrent's extended
  // table). dht-sim, 10,000 nodes, issue conditions, with the eager lookups
  // below: success 0.992 -> 0.996, p50 757 -> 607 ms, p95 1139 -> 945 ms,
  // 41.7 -> 45.6 packets per lookup, table 27 -> 39 KB per node.
  RoutingTableOptions table = wide_far_buckets();
  // Nodes named in lookup answers are pinged while their bucket has room, so
  // the table (and its wide far buckets) fills from the lookups we run.
  bool fill_from_answers = false;
  PeerStoreOptions peers;
  ItemStoreOptions items;  // BEP 44
  RateLimiterOptions rate;
  // Bytes of `values` in one get_peers reply: with nodes and token the reply
  // stays under BEP 32's 1024-byte datagram limit.
  std::size_t values_budget = 500;
  // No reply is larger (IPv4 over a 1500-byte MTU, unfragmented): node
  // lists and then peers are cut to fit; the querier asks elsewhere. A BEP 44
  // get reply with a full 1000-byte value and 8 nodes still fits.
  std::size_t max_reply_bytes = 1472;
  OutboundBudgetOptions outbound;  // every datagram we send
  std::size_t max_samples = 20;                // BEP 51 samples per reply
  std::int64_t sample_interval_seconds = 300;  // BEP 51 `interval`, 0..21600
  Duration query_timeout = 4s;                 // a silent node has failed (the full timeout)
  // alpha, k, short timeout of every lookup. Once 4 answers came in, the 8
  // closest candidates still in the running are asked at once (eager 8 from
  // the start: p50 505 ms at 10,000 nodes but 66 packets per lookup).
  TraversalOptions lookup = eager_end_game();
  // Sizes the lookups' short timeout from measured round trips; its ceiling
  // is lookup.slow_after.
  RttEstimatorOptions rtt;
};

class Node {
 public:
  Node(NodeOptions options, TimePoint now);

  const NodeId& id() const { return options_.id; }
  // BEP 42: the external address the answering nodes agree on (port 0).
  const std::optional<Endpoint>& external_address(Endpoint::Family family) const {
    return ip_votes_[family == Endpoint::Family::v4 ? 0 : 1].elected();
  }
  // How often our id was replaced to match our external address.
  std::size_t id_changes() const { return id_changes_; }
  // Datagrams not sent because the outbound budget was spent.
  std::uint64_t budget_refusals() const { return budget_.refused(); }
  // Replies cut down to max_reply_bytes.
  std::uint64_t replies_trimmed() const { return replies_trimmed_; }

  // Handles one datagram; appends replies and follow-up queries to `out`.
  void on_packet(std::string_view bytes, const Endpoint& from, TimePoint now,
                 std::vector<Datagram>& out);
  // Times out queries in flight (a silent node counts as failed); returns
  // when to call again.
  TimePoint on_timer(TimePoint now, std::vector<Datagram>& out);
  // Pings an endpoint, e.g. a bootstrap node; its answer enters the table.
  void ping(const Endpoint& to, TimePoint now, std::vector<Datagram>& out);

  // Lookups. Each runs over one address family's table (BEP 32) and reports
  // through its callback, invoked from on_packet()/on_timer(), or from the
  // starting call itself when there is nobody to ask. The callback may start
  // new lookups.
  LookupId find_node(const NodeId& target, TimePoint now, std::vector<Datagram>& out,
                     LookupCallback callback, Endpoint::Family family = Endpoint::Family::v4);
  // Also reports progress (done = false) each time new peers arrive.
  LookupId get_peers(const NodeId& info_hash, TimePoint now, std::vector<Datagram>& out,
                     LookupCallback callback, Endpoint::Family family = Endpoint::Family::v4);
  // get_peers, then announce_peer to the k closest nodes that gave a token.
  LookupId announce(const NodeId& info_hash, const AnnounceOptions& announce, TimePoint now,
                    std::vector<Datagram>& out, LookupCallback callback,
                    Endpoint::Family family = Endpoint::Family::v4);
  // BEP 44: a get lookup; done reports the newest valid item in `item`.
  LookupId get_item(const ItemKey& key, TimePoint now, std::vector<Datagram>& out,
                    LookupCallback callback, Endpoint::Family family = Endpoint::Family::v4);
  // A get lookup for the item's target, then put to the k closest nodes that
  // gave a token (`announced` counts the puts sent).
  LookupId put_item(ItemToPut item, TimePoint now, std::vector<Datagram>& out,
                    LookupCallback callback, Endpoint::Family family = Endpoint::Family::v4);
  // BEP 51: a walk toward `target` asking each node for sample_infohashes;
  // done reports the distinct info-hashes in `samples`.
  LookupId sample(const NodeId& target, TimePoint now, std::vector<Datagram>& out,
                  LookupCallback callback, Endpoint::Family family = Endpoint::Family::v4);
  // Joins the DHT: a find_node for our own id through `routers` (and whatever
  // the table already holds), in the family of the first router.
  LookupId bootstrap(std::span<const Endpoint> routers, TimePoint now, std::vector<Datagram>& out,
                     LookupCallback callback = {});
  // Stops a lookup without calling its callback.
  void cancel(LookupId id) { lookups_.erase(id); }
  std::size_t lookups_running() const { return lookups_.size(); }

  RoutingTable& table(Endpoint::Family family) {
    return family == Endpoint::Family::v4 ? table_v4_ : table_v6_;
  }
  PeerStore& peer_store() { return peers_; }
  ItemStore& item_store() { return items_; }
  std::size_t queries_in_flight() const { return rpc_.in_flight(); }
  // The short timeout the next lookup will use.
  Duration lookup_slow_after() const { return lookup_options().slow_after; }

 private:
  // What every query handler needs to know about the query it answers.
  struct Inbound {
    const Message& message;
    const Query& query;
    const Endpoint& from;
    TimePoint now;
    std::vector<Datagram>& out;
  };

  bool acceptable_source(const Endpoint& from) const;
  void on_query(const Message& message, const Endpoint& from, TimePoint now,
                std::vector<Datagram>& out);
  void on_reply(const Message& message, const Endpoint& from, TimePoint now,
                std::vector<Datagram>& out);

  // One handler per query type (table-driven through std::visit).
  void answer(const Inbound& in, const PingArgs& args);
  void answer(const Inbound& in, const FindNodeArgs& args);
  void answer(const Inbound& in, const GetPeersArgs& args);
  void answer(const Inbound& in, const AnnouncePeerArgs& args);
  void answer(const Inbound& in, const GetArgs& args);
  void answer(const Inbound& in, const PutArgs& args);
  void answer(const Inbound& in, const SampleInfohashesArgs& args);

  Response make_response() const;
  // BEP 32: the node lists `want` asks for, or the querier's own family.
  void add_nodes(Response& r, const NodeId& target, const std::optional<Want>& want,
                 const Inbound& in);
  void add_values(Response& r, const GetPeersArgs& args, std::size_t budget, const Inbound& in);
  bool add_scrape(Response& r, const NodeId& info_hash, TimePoint now);
  void add_item(Response& r, const GetArgs& args, TimePoint now) const;
  void send_reply(const Inbound& in, const Response& response);
  void send_error(const Inbound& in, ErrorCode code, std::string_view message);
  void send_message(const Message& message, const Endpoint& to, std::vector<Datagram>& out);
  void send_ping(const Endpoint& to, const std::optional<NodeId>& node, TimePoint now,
                 std::vector<Datagram>& out);
  void follow_up(const RoutingTable::Update& update, TimePoint now, std::vector<Datagram>& out);
  // BEP 42: counts the `ip` a reply carried; may change our id.
  void vote_external_ip(const Message& reply, const Endpoint& from, TimePoint now,
                        std::vector<Datagram>& out);
  // Takes `id`: the tables are rebuilt around it (their live nodes kept)
  // and a join lookup runs in each family that has nodes.
  void change_id(const NodeId& id, TimePoint now, std::vector<Datagram>& out);

  // Lookups (node_lookups.cpp).
  struct ActiveLookup {
    std::unique_ptr<Traversal> traversal;
    GetPeersLookup* get_peers = nullptr;  // the same object, when it is one
    GetItemLookup* get_item = nullptr;    // likewise
    SampleLookup* sample = nullptr;       // likewise
    LookupCallback callback;
    Endpoint::Family family = Endpoint::Family::v4;
    std::optional<AnnounceOptions> announce;
    std::optional<ItemToPut> put;
    bool join = false;  // bootstrap: refresh sparse buckets when done
  };
  static ActiveLookup make_lookup(std::unique_ptr<Traversal> traversal, LookupCallback callback,
                                  Endpoint::Family family);
  LookupId start_lookup(ActiveLookup lookup, std::span<const Endpoint> routers, TimePoint now,
                        std::vector<Datagram>& out);
  // Sends what the lookup wants sent; finishes it when done.
  void step(LookupId id, TimePoint now, std::vector<Datagram>& out);
  void finish(LookupId id, TimePoint now, std::vector<Datagram>& out);
  std::size_t send_announces(const ActiveLookup& lookup, TimePoint now, std::vector<Datagram>& out);
  std::size_t send_puts(const ActiveLookup& lookup, TimePoint now, std::vector<Datagram>& out);
  // A lookup's query was answered; null `response`: it failed (timeout, error).
  void lookup_answered(const PendingQuery& query, const Response* response, TimePoint now,
                       std::vector<Datagram>& out);
  bool send_query(const Traversal::Request& to, const QueryArgs& args, LookupId lookup,
                  TimePoint now, std::vector<Datagram>& out);
  TimePoint lookup_timers(TimePoint now, std::vector<Datagram>& out);
  TraversalOptions lookup_options() const;
  TimePoint refresh_buckets(TimePoint now, std::vector<Datagram>& out);

  NodeOptions options_;
  RoutingTable table_v4_;
  RoutingTable table_v6_;
  PeerStore peers_;
  ItemStore items_;
  TokenIssuer tokens_;
  RateLimiter limiter_;
  RpcTracker rpc_;
  RttEstimator rtt_;
  std::array<ExternalIpVote, 2> ip_votes_;
  std::size_t id_changes_ = 0;
  OutboundBudget budget_;
  std::uint64_t replies_trimmed_ = 0;

  // Scratch buffers reused from packet to packet.
  std::vector<NodeInfo> closest_;
  std::vector<Endpoint> sampled_peers_;
  std::vector<NodeId> sampled_hashes_;
  BloomFilter seeds_filter_, peers_filter_;  // BEP 33 scrape replies
  std::string nodes_, nodes6_, values_, samples_, ip_, compact_;
  std::vector<PendingQuery> timed_out_;
  TimePoint next_sweep_;  // next peer store expiry sweep

  std::unordered_map<LookupId, ActiveLookup> lookups_;
  LookupId next_lookup_ = 1;              // 0 means "no lookup"
  std::array<LookupId, 2> refreshing_{};  // the refresh lookup per family, if any
  std::vector<Traversal::Request> requests_;
  std::vector<NodeInfo> contacts_;
  std::vector<LookupId> lookup_ids_;
};

}  // namespace btnode::dht
