// dht::Node's lookups: starting them, feeding them answers and timeouts,
// announcing at the end of get_peers, putting at the end of a BEP 44 get,
// and refreshing idle buckets.
#include <algorithm>

#include "dht/find_node_lookup.h"
#include "dht/node.h"

namespace btnode::dht {
namespace {

// Seeds taken from our table: more than k, so that a few dead entries do not
// stall the first round.
constexpr std::size_t kSeeds = 16;

std::size_t family_index(Endpoint::Family family) {
  return family == Endpoint::Family::v4 ? 0 : 1;
}

}  // namespace

Node::ActiveLookup Node::make_lookup(std::unique_ptr<Traversal> traversal, LookupCallback callback,
                                     Endpoint::Family family) {
  ActiveLookup lookup;
  lookup.traversal = std::move(traversal);
  lookup.callback = std::move(callback);
  lookup.family = family;
  return lookup;
}

LookupId Node::find_node(const NodeId& target, TimePoint now, std::vector<Datagram>& out,
                         LookupCallback callback, Endpoint::Family family) {
  ActiveLookup lookup = make_lookup(std::make_unique<FindNodeLookup>(target, lookup_options()),
                                    std::move(callback), family);
  return start_lookup(std::move(lookup), {}, now, out);
}

LookupId Node::get_peers(const NodeId& info_hash, TimePoint now, std::vector<Datagram>& out,
                         LookupCallback callback, Endpoint::Family family) {
  auto traversal = std::make_unique<GetPeersLookup>(info_hash, lookup_options());
  GetPeersLookup* get_peers = traversal.get();
  ActiveLookup lookup = make_lookup(std::move(traversal), std::move(callback), family);
  lookup.get_peers = get_peers;
  return start_lookup(std::move(lookup), {}, now, out);
}

LookupId Node::announce(const NodeId& info_hash, const AnnounceOptions& announce, TimePoint now,
                        std::vector<Datagram>& out, LookupCallback callback,
                        Endpoint::Family family) {
  auto traversal = std::make_unique<GetPeersLookup>(info_hash, lookup_options());
  GetPeersLookup* get_peers = traversal.get();
  ActiveLookup lookup = make_lookup(std::move(traversal), std::move(callback), family);
  lookup.get_peers = get_peers;
  lookup.announce = announce;
  return start_lookup(std::move(lookup), {}, now, out);
}

LookupId Node::get_item(const ItemKey& key, TimePoint now, std::vector<Datagram>& out,
                        LookupCallback callback, Endpoint::Family family) {
  auto traversal = std::make_unique<GetItemLookup>(key, lookup_options());
  GetItemLookup* get_item = traversal.get();
  ActiveLookup lookup = make_lookup(std::move(traversal), std::move(callback), family);
  lookup.get_item = get_item;
  return start_lookup(std::move(lookup), {}, now, out);
}

LookupId Node::put_item(ItemToPut item, TimePoint now, std::vector<Datagram>& out,
                        LookupCallback callback, Endpoint::Family family) {
  const ItemKey key = item.is_mutable() ? ItemKey::mutable_item(item.public_key, item.salt)
                                        : ItemKey::immutable(immutable_target(item.value));
  auto traversal = std::make_unique<GetItemLookup>(key, lookup_options());
  GetItemLookup* get_item = traversal.get();
  ActiveLookup lookup = make_lookup(std::move(traversal), std::move(callback), family);
  lookup.get_item = get_item;
  lookup.put = std::move(item);
  return start_lookup(std::move(lookup), {}, now, out);
}

LookupId Node::sample(const NodeId& target, TimePoint now, std::vector<Datagram>& out,
                      LookupCallback callback, Endpoint::Family family) {
  auto traversal = std::make_unique<SampleLookup>(target, lookup_options());
  SampleLookup* sample = traversal.get();
  ActiveLookup lookup = make_lookup(std::move(traversal), std::move(callback), family);
  lookup.sample = sample;
  return start_lookup(std::move(lookup), {}, now, out);
}

LookupId Node::bootstrap(std::span<const Endpoint> routers, TimePoint now,
                         std::vector<Datagram>& out, LookupCallback callback) {
  const Endpoint::Family family =
      routers.empty() ? Endpoint::Family::v4 : routers.front().unmapped().family();
  ActiveLookup lookup = make_lookup(std::make_unique<FindNodeLookup>(options_.id, lookup_options()),
                                    std::move(callback), family);
  lookup.join = true;
  return start_lookup(std::move(lookup), routers, now, out);
}

TraversalOptions Node::lookup_options() const {
  TraversalOptions o = options_.lookup;
  o.slow_after = rtt_.timeout();
  return o;
}

LookupId Node::start_lookup(ActiveLookup lookup, std::span<const Endpoint> routers, TimePoint now,
                            std::vector<Datagram>& out) {
  while (next_lookup_ == 0 || lookups_.contains(next_lookup_)) ++next_lookup_;
  const LookupId id = next_lookup_++;
  Traversal& traversal = *lookup.traversal;
  table(lookup.family).closest(traversal.target(), kSeeds, contacts_, now);
  for (const NodeInfo& n : contacts_) traversal.add_seed(n);
  for (const Endpoint& router : routers) {
    const Endpoint e = router.unmapped();
    if (e.family() == lookup.family && acceptable_source(e)) traversal.add_seed(e);
  }
  lookups_.emplace(id, std::move(lookup));
  step(id, now, out);
  return id;
}

void Node::step(LookupId id, TimePoint now, std::vector<Datagram>& out) {
  const auto it = lookups_.find(id);
  if (it == lookups_.end()) return;
  ActiveLookup& lookup = it->second;
  const QueryArgs args = lookup.traversal->query_args();
  // A query that cannot be sent (too many in flight) fails at once, which
  // frees its slot; each round fails at least one candidate, so this ends.
  bool retry = true;
  while (retry) {
    retry = false;
    requests_.clear();
    lookup.traversal->pick(now, requests_);
    for (const Traversal::Request& r : requests_) {
      if (send_query(r, args, id, now, out)) continue;
      lookup.traversal->on_failure(r.to);
      retry = true;
    }
  }
  if (lookup.traversal->done()) finish(id, now, out);
}

void Node::finish(LookupId id, TimePoint now, std::vector<Datagram>& out) {
  auto handle = lookups_.extract(id);
  ActiveLookup& lookup = handle.mapped();
  std::vector<NodeInfo> closest;
  lookup.traversal->closest_responders(closest);
  LookupResult result;
  result.id = id;
  result.done = true;
  result.closest = closest;
  if (lookup.get_peers) result.peers = lookup.get_peers->peers();
  if (lookup.announce) result.announced = send_announces(lookup, now, out);
  if (lookup.get_item && lookup.get_item->item()) result.item = &*lookup.get_item->item();
  if (lookup.put) result.announced = send_puts(lookup, now, out);
  if (lookup.sample) {
    result.samples = lookup.sample->samples();
    result.sampled_nodes = lookup.sample->sampled_nodes();
    result.samples_num = lookup.sample->total_num();
    result.sample_interval = lookup.sample->max_interval();
  }
  result.progress = lookup.traversal->progress();
  const std::size_t family = family_index(lookup.family);
  if (lookup.join && !closest.empty()) {
    const auto kth = common_prefix_bits(options_.id, closest.back().id);
    table(lookup.family).refresh_sparse_buckets(static_cast<std::size_t>(kth));
  }
  // Refreshes run one after another, each started as the previous ends.
  if (lookup.join || refreshing_[family] == id) {
    refreshing_[family] = 0;
    refresh_buckets(now, out);
  }
  if (lookup.callback) lookup.callback(result);
}

std::size_t Node::send_announces(const ActiveLookup& lookup, TimePoint now,
                                 std::vector<Datagram>& out) {
  std::vector<GetPeersLookup::Writable> targets;
  lookup.get_peers->announce_targets(targets, options_.lookup.k);
  std::size_t sent = 0;
  for (const auto& w : targets) {
    AnnouncePeerArgs args;
    args.info_hash = lookup.traversal->target();
    args.port = lookup.announce->port;
    args.implied_port = lookup.announce->implied_port;
    args.token = w.token;
    args.seed = lookup.announce->seed;
    // Lookup 0: the answer only refreshes the table.
    if (send_query({w.node.endpoint, w.node.id}, args, 0, now, out)) ++sent;
  }
  return sent;
}

std::size_t Node::send_puts(const ActiveLookup& lookup, TimePoint now, std::vector<Datagram>& out) {
  std::vector<GetItemLookup::Writable> targets;
  lookup.get_item->write_targets(targets, options_.lookup.k);
  const ItemToPut& item = *lookup.put;
  std::size_t sent = 0;
  for (const auto& w : targets) {
    PutArgs args;
    args.token = w.token;
    args.value = item.value;
    if (item.is_mutable()) {
      args.key = item.public_key;
      args.signature = item.signature;
      args.seq = item.seq;
      // BEP 44: nodes holding no value ignore cas, so one args fits all.
      args.cas = item.cas;
      args.salt = item.salt;
    }
    // Lookup 0: the answer (or a 301/302 error) only refreshes the table.
    if (send_query({w.node.endpoint, w.node.id}, args, 0, now, out)) ++sent;
  }
  return sent;
}

void Node::lookup_answered(const PendingQuery& query, const Response* response, TimePoint now,
                           std::vector<Datagram>& out) {
  const auto it = lookups_.find(query.lookup);
  if (it == lookups_.end()) return;  // finished or cancelled: a late answer
  ActiveLookup& lookup = it->second;
  if (!response) {
    lookup.traversal->on_failure(query.to);
    step(query.lookup, now, out);
    return;
  }
  contacts_.clear();
  const auto nodes = lookup.family == Endpoint::Family::v4 ? response->nodes : response->nodes6;
  if (nodes) {
    // decode() checked the length, so this only fails on a schema change.
    auto decoded = decode_compact_nodes(*nodes, lookup.family);
    if (decoded) {
      for (const NodeInfo& n : *decoded) {
        if (n.id == options_.id || !acceptable_source(n.endpoint)) continue;
        contacts_.push_back(n);
        if (options_.fill_from_answers) follow_up(table(lookup.family).node_heard_of(n, now), now, out);
      }
    }
  }
  const std::size_t peers_before = lookup.traversal->progress().peers;
  if (!lookup.traversal->on_response(query.to, *response, contacts_)) return;
  if (lookup.get_peers && lookup.traversal->progress().peers > peers_before && lookup.callback) {
    LookupResult result;
    result.id = query.lookup;
    result.peers = lookup.get_peers->peers();
    result.progress = lookup.traversal->progress();
    // A copy: the callback may cancel its own lookup.
    const LookupCallback callback = lookup.callback;
    callback(result);
  }
  step(query.lookup, now, out);
}

bool Node::send_query(const Traversal::Request& to, const QueryArgs& args, LookupId lookup,
                      TimePoint now, std::vector<Datagram>& out) {
  if (!budget_.take(now)) return false;
  const auto tid = rpc_.start({to.to, to.id, now, lookup});
  if (!tid) return false;
  Message m;
  m.transaction_id = RpcTracker::view(*tid);
  m.version = options_.version;
  m.read_only = options_.read_only;
  m.body = Query{options_.id, args};
  send_message(m, to.to, out);
  return true;
}

TimePoint Node::lookup_timers(TimePoint now, std::vector<Datagram>& out) {
  lookup_ids_.clear();
  for (const auto& [id, lookup] : lookups_) lookup_ids_.push_back(id);
  for (const LookupId id : lookup_ids_) {
    const auto it = lookups_.find(id);
    if (it == lookups_.end()) continue;
    it->second.traversal->on_timer(now);
    step(id, now, out);
  }
  TimePoint next = TimePoint::max();
  for (const auto& [id, lookup] : lookups_)
    next = std::min(next, lookup.traversal->next_deadline());
  return next;
}

// BEP 5: look up a random id in each bucket idle for 15 minutes, one at a
// time per family so that a large table does not burst queries.
TimePoint Node::refresh_buckets(TimePoint now, std::vector<Datagram>& out) {
  TimePoint next = TimePoint::max();
  for (const auto family : {Endpoint::Family::v4, Endpoint::Family::v6}) {
    RoutingTable& t = table(family);
    LookupId& running = refreshing_[family_index(family)];
    if (t.size() == 0 || (running != 0 && lookups_.contains(running))) continue;
    running = 0;
    if (const auto target = t.refresh_target(now))
      running = find_node(*target, now, out, {}, family);
    next = std::min(next, t.next_refresh());
  }
  return next;
}

}  // namespace btnode::dht
