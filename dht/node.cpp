#include "dht/node.h"

#include <algorithm>

#include "dht/find_node_lookup.h"
#include "dht/node_id_security.h"

namespace btnode::dht {
namespace {

NodeOptions with_id(NodeOptions options) {
  if (options.id.is_zero()) options.id = random_node_id();
  return options;
}

// Bencoded size of one compact peer in `values`: "6:" + 6 or "18:" + 18.
std::size_t encoded_peer_size(const Endpoint& e) {
  return e.is_v4() ? 8 : 21;
}

RttEstimatorOptions with_ceiling(RttEstimatorOptions rtt, Duration ceiling) {
  rtt.ceiling = ceiling;
  return rtt;
}

// How often stored peers are swept; between sweeps expired ones are skipped.
constexpr Duration kStoreSweep = 1min;

}  // namespace

Node::Node(NodeOptions options, TimePoint now)
    : options_(with_id(std::move(options))),
      table_v4_(options_.id, options_.table),
      table_v6_(options_.id, options_.table),
      peers_(options_.peers),
      items_(options_.items),
      tokens_(now),
      limiter_(options_.rate),
      rtt_(with_ceiling(options_.rtt, options_.lookup.slow_after)),
      ip_votes_{ExternalIpVote(options_.ip_vote), ExternalIpVote(options_.ip_vote)},
      budget_(options_.outbound, now),
      next_sweep_(now + kStoreSweep) {}

// ---------------------------------------------------------------- input

bool Node::acceptable_source(const Endpoint& from) const {
  if (from.port() == 0 || from.is_unspecified() || from.is_multicast()) return false;
  return options_.allow_local || !from.is_martian();
}

void Node::on_packet(std::string_view bytes, const Endpoint& from, TimePoint now,
                     std::vector<Datagram>& out) {
  // A dual-stack socket reports IPv4 senders as ::ffff:a.b.c.d.
  const Endpoint source = from.unmapped();
  if (!acceptable_source(source) || !limiter_.allow(source, now)) return;
  const Decoded decoded = decode(bytes);
  if (const auto* rejection = std::get_if<Rejection>(&decoded)) {
    if (rejection->answerable() && !options_.read_only && budget_.take(now)) {
      std::string reply;
      encode_rejection(*rejection, reply);
      out.push_back({source, std::move(reply)});
    }
    return;
  }
  const Message& message = std::get<Message>(decoded);
  if (std::holds_alternative<Query>(message.body)) {
    on_query(message, source, now, out);
  } else {
    on_reply(message, source, now, out);
  }
}

void Node::on_query(const Message& message, const Endpoint& from, TimePoint now,
                    std::vector<Datagram>& out) {
  if (options_.read_only) return;  // BEP 43: read-only nodes answer nothing
  const Query& query = std::get<Query>(message.body);
  const Inbound in{message, query, from, now, out};
  std::visit([&](const auto& args) { answer(in, args); }, query.args);
  // BEP 43: serve read-only nodes but keep them out of the table.
  if (!message.read_only)
    follow_up(table(from.family()).node_queried({query.id, from}, now), now, out);
}

void Node::on_reply(const Message& message, const Endpoint& from, TimePoint now,
                    std::vector<Datagram>& out) {
  const auto pending = rpc_.finish(message.transaction_id, from);
  if (!pending) return;  // unsolicited, late, or spoofed
  rtt_.add(now - pending->sent);
  const auto* response = std::get_if<Response>(&message.body);
  RoutingTable& t = table(from.family());
  if (response && pending->node && *pending->node != response->id) {
    // Another node answers at that address now: the one we knew is gone.
    follow_up(t.node_failed({*pending->node, from}, now), now, out);
    response = nullptr;
  } else if (response) {
    follow_up(t.node_responded({response->id, from}, now), now, out);
  }
  // An error reply: alive, but nothing a lookup can use.
  if (pending->lookup) lookup_answered(*pending, response, now, out);
  if (response && !message.ip.empty()) vote_external_ip(message, from, now, out);
}

void Node::vote_external_ip(const Message& reply, const Endpoint& from, TimePoint now,
                            std::vector<Datagram>& out) {
  const auto reported = decode_compact_peer(reply.ip);
  if (!reported) return;
  const Endpoint address = reported->unmapped();
  // A node reports the address it saw on its own socket: same family.
  if (address.family() != from.family()) return;
  ExternalIpVote& vote = ip_votes_[from.is_v4() ? 0 : 1];
  if (!vote.add(from, address) || !options_.secure_id) return;
  // The id follows the IPv4 address when we have one (the bulk of the DHT).
  if (!from.is_v4() && ip_votes_[0].elected()) return;
  const Endpoint& elected = *vote.elected();
  if (is_secure_node_id(options_.id, elected)) return;  // valid already (or exempt)
  change_id(make_secure_node_id(elected), now, out);
}

void Node::change_id(const NodeId& id, TimePoint now, std::vector<Datagram>& out) {
  options_.id = id;
  ++id_changes_;
  for (const auto family : {Endpoint::Family::v4, Endpoint::Family::v6}) {
    RoutingTable& old = table(family);
    std::vector<NodeInfo> known;
    old.closest(id, old.size(), known, now);
    old = RoutingTable(id, options_.table);
    for (const NodeInfo& n : known) old.node_responded(n, now);
  }
  // Refresh lookups ran for the old id's buckets.
  refreshing_ = {};
  for (const auto family : {Endpoint::Family::v4, Endpoint::Family::v6}) {
    if (table(family).size() == 0) continue;
    const std::vector<Endpoint> none;
    ActiveLookup lookup =
        make_lookup(std::make_unique<FindNodeLookup>(options_.id, lookup_options()), {}, family);
    lookup.join = true;
    start_lookup(std::move(lookup), none, now, out);
  }
}

TimePoint Node::on_timer(TimePoint now, std::vector<Datagram>& out) {
  timed_out_.clear();
  rpc_.expire(now, options_.query_timeout, timed_out_);
  for (const PendingQuery& q : timed_out_) {
    if (q.node) follow_up(table(q.to.family()).node_failed({*q.node, q.to}, now), now, out);
    if (q.lookup) lookup_answered(q, nullptr, now, out);
  }
  if (now >= next_sweep_) {
    peers_.expire(now);
    items_.expire(now);
    next_sweep_ = now + kStoreSweep;
  }
  TimePoint next = std::min(lookup_timers(now, out), refresh_buckets(now, out));
  next = std::min(next, next_sweep_);
  return std::min(next, rpc_.next_timeout(options_.query_timeout));
}

// ---------------------------------------------------------------- outgoing queries

void Node::ping(const Endpoint& to, TimePoint now, std::vector<Datagram>& out) {
  send_ping(to.unmapped(), std::nullopt, now, out);
}

void Node::follow_up(const RoutingTable::Update& update, TimePoint now,
                     std::vector<Datagram>& out) {
  if (update.ping) send_ping(update.ping->endpoint, update.ping->id, now, out);
}

void Node::send_ping(const Endpoint& to, const std::optional<NodeId>& node, TimePoint now,
                     std::vector<Datagram>& out) {
  if (!budget_.take(now)) return;  // the table will ask again
  const auto tid = rpc_.start({to, node, now});
  if (!tid) return;  // too many in flight: the table will ask again
  Message m;
  m.transaction_id = RpcTracker::view(*tid);
  m.version = options_.version;
  m.read_only = options_.read_only;
  m.body = Query{options_.id, PingArgs{}};
  send_message(m, to, out);
}

void Node::send_message(const Message& message, const Endpoint& to, std::vector<Datagram>& out) {
  std::string bytes;
  encode(message, bytes);
  out.push_back({to, std::move(bytes)});
}

// ---------------------------------------------------------------- replies

Response Node::make_response() const {
  Response r;
  r.id = options_.id;
  return r;
}

void Node::send_reply(const Inbound& in, const Response& response) {
  if (!budget_.take(in.now)) return;
  Message m;
  m.transaction_id = in.message.transaction_id;
  m.version = options_.version;
  ip_.clear();
  append_compact_peer(ip_, in.from);  // BEP 42: tell the querier its address
  m.ip = ip_;
  m.body = response;
  std::string bytes;
  encode(m, bytes);
  // No reply beyond max_reply_bytes: drop what the querier can do without,
  // the other family's nodes first, then nodes, then peers. A BEP 44 value
  // (<= 1000 bytes) with its key and signature always fits.
  if (bytes.size() > options_.max_reply_bytes) {
    Response trimmed = response;
    const auto shrink = [&](auto&& cut) {
      while (bytes.size() > options_.max_reply_bytes && cut()) {
        m.body = trimmed;
        bytes.clear();
        encode(m, bytes);
      }
    };
    const auto cut_nodes = [](std::optional<std::string_view>& list, std::size_t size) {
      if (!list || list->empty()) return false;
      *list = list->substr(0, list->size() - size);
      return true;
    };
    shrink([&] { return cut_nodes(trimmed.nodes6, kCompactNodeV6Size); });
    shrink([&] { return cut_nodes(trimmed.nodes, kCompactNodeV4Size); });
    shrink([&] {
      if (!trimmed.values) return false;
      trimmed.values.reset();
      return true;
    });
    ++replies_trimmed_;
  }
  in.out.push_back({in.from, std::move(bytes)});
}

void Node::send_error(const Inbound& in, ErrorCode code, std::string_view message) {
  if (!budget_.take(in.now)) return;
  Message m;
  m.transaction_id = in.message.transaction_id;
  m.version = options_.version;
  m.body = ErrorReply{static_cast<std::int64_t>(code), message};
  send_message(m, in.from, in.out);
}

void Node::add_nodes(Response& r, const NodeId& target, const std::optional<Want>& want,
                     const Inbound& in) {
  const bool n4 = want ? want->n4 : in.from.is_v4();
  const bool n6 = want ? want->n6 : in.from.is_v6();
  const std::size_t k = options_.table.bucket.capacity;
  if (n4) {
    table_v4_.closest(target, k, closest_, in.now);
    nodes_.clear();
    for (const NodeInfo& n : closest_) append_compact_node(nodes_, n);
    r.nodes = nodes_;
  }
  if (n6) {
    table_v6_.closest(target, k, closest_, in.now);
    nodes6_.clear();
    for (const NodeInfo& n : closest_) append_compact_node(nodes6_, n);
    r.nodes6 = nodes6_;
  }
}

// BEP 32: values in the querier's own family only.
void Node::add_values(Response& r, const GetPeersArgs& args, std::size_t budget,
                      const Inbound& in) {
  sampled_peers_.clear();
  const std::size_t max = budget / encoded_peer_size(in.from);
  peers_.sample_peers(args.info_hash, in.from.family(), max, args.noseed, in.now, sampled_peers_);
  if (sampled_peers_.empty()) return;
  PeerValuesBuilder values(values_);
  for (const Endpoint& peer : sampled_peers_) {
    compact_.clear();
    append_compact_peer(compact_, peer);
    values.add(compact_);
  }
  r.values = values.finish();
}

// BEP 33: both filters, but only when we hold entries for the info-hash.
bool Node::add_scrape(Response& r, const NodeId& info_hash, TimePoint now) {
  seeds_filter_ = BloomFilter{};
  peers_filter_ = BloomFilter{};
  bool any = false;
  for (const StoredPeer& p : peers_.peers(info_hash)) {
    if (!peers_.is_live(p, now)) continue;
    (p.seed ? seeds_filter_ : peers_filter_).insert(p.endpoint);
    any = true;
  }
  if (!any) return false;
  r.seeds_filter = seeds_filter_.view();
  r.peers_filter = peers_filter_.view();
  return true;
}

void Node::answer(const Inbound& in, const PingArgs&) {
  send_reply(in, make_response());
}

void Node::answer(const Inbound& in, const FindNodeArgs& args) {
  Response r = make_response();
  add_nodes(r, args.target, args.want, in);
  send_reply(in, r);
}

void Node::answer(const Inbound& in, const GetPeersArgs& args) {
  Response r = make_response();
  const TokenIssuer::Token token = tokens_.issue(in.from, args.info_hash, in.now);
  r.token = TokenIssuer::view(token);
  // BEP 33: the two filters take 530 bytes; fewer values keep the reply near
  // BEP 32's 1024-byte datagram.
  const bool scraped = args.scrape && add_scrape(r, args.info_hash, in.now);
  add_values(r, args, scraped ? options_.values_budget / 3 : options_.values_budget, in);
  add_nodes(r, args.info_hash, args.want, in);
  send_reply(in, r);
}

void Node::answer(const Inbound& in, const AnnouncePeerArgs& args) {
  if (!tokens_.verify(args.token, in.from, args.info_hash, in.now)) {
    send_error(in, ErrorCode::protocol, "bad token");
    return;
  }
  // BEP 5 implied_port: NATed peers cannot know their external port.
  const std::uint16_t port = args.implied_port ? in.from.port() : args.port;
  peers_.announce(args.info_hash, in.from.with_port(port), args.seed, in.now);
  send_reply(in, make_response());
}

void Node::answer(const Inbound& in, const SampleInfohashesArgs& args) {
  Response r = make_response();
  sampled_hashes_.clear();
  peers_.sample_info_hashes(options_.max_samples, sampled_hashes_);
  samples_.clear();
  for (const NodeId& h : sampled_hashes_) samples_ += h.view();
  r.samples = samples_;  // BEP 51: always present, even when empty
  r.num = static_cast<std::int64_t>(peers_.info_hash_count());
  r.interval = options_.sample_interval_seconds;
  add_nodes(r, args.target, args.want, in);
  send_reply(in, r);
}

}  // namespace btnode::dht
