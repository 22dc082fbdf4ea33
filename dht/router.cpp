#include "dht/router.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "core/random.h"
#include "dht/node_id_security.h"
#include "dht/router_codec.h"

namespace btnode::dht {
namespace {

constexpr std::uint32_t kRepingAfterS = 10;  // an unanswered ping may be repeated after this

std::uint32_t seconds_of(TimePoint now) {
  return static_cast<std::uint32_t>(
             std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()) +
         1;  // 0 means "never"
}

// Appends raw bytes at a moving pointer.
struct Out {
  std::uint8_t* p;
  void put(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void put(const void* d, std::size_t n) {
    std::memcpy(p, d, n);
    p += n;
  }
  void len_prefix(std::size_t n) {  // "<n>:"
    char buf[8];
    int k = 0;
    do {
      buf[k++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n);
    while (k) *p++ = static_cast<std::uint8_t>(buf[--k]);
    *p++ = ':';
  }
};

std::size_t digits(std::size_t n) { return n >= 100 ? 3 : n >= 10 ? 2 : 1; }

std::uint64_t prefix64(const std::uint8_t* id) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | id[i];
  return v;
}

}  // namespace

struct Router::Query {
  RouterPacket m;
  const Endpoint& from;
  std::size_t size;  // of the datagram
};

RouterStats& RouterStats::operator+=(const RouterStats& o) {
  received += o.received;
  answered += o.answered;
  answered_ping += o.answered_ping;
  answered_find_node += o.answered_find_node;
  answered_get_peers += o.answered_get_peers;
  refused += o.refused;
  bootstrap_queries += o.bootstrap_queries;
  pings_sent += o.pings_sent;
  verified += o.verified;
  bad_cookie += o.bad_cookie;
  not_stored += o.not_stored;
  dropped_malformed += o.dropped_malformed;
  dropped_martian += o.dropped_martian;
  dropped_rate += o.dropped_rate;
  dropped_budget += o.dropped_budget;
  other += o.other;
  return *this;
}

Router::Router(const RouterOptions& options, const RouterRings* shared)
    : id_(options.id),
      options_(options),
      own_(shared ? 1 : options.capacity_v4, shared ? 1 : options.capacity_v6),
      shared_(shared),
      cookies_(options.cookie_key, options.cookie_epoch),
      rates_(options.rate),
      rng_(options.rng_seed | 1),
      out_tokens_(std::uint64_t{options.out_burst} * 1000) {
  options_.recent_bits = std::clamp(options_.recent_bits, 4u, 24u);
  options_.sample_size = std::clamp<std::uint32_t>(options_.sample_size, 8, 256);
  recent_.resize(std::size_t{1} << options_.recent_bits);
  if (shared_) pending_.reserve(kMaxPending);
  random_bytes(recent_key_.data(), recent_key_.size());
}

std::uint64_t Router::next_random() {  // xorshift64*: answers need spread, not secrecy
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1Dull;
}

bool Router::acceptable_source(const Endpoint& from) const {
  if (from.port() == 0 || from.is_unspecified() || from.is_multicast()) return false;
  return options_.allow_local ? true : !from.is_martian();
}

bool Router::spend(TimePoint now, Spend kind) {
  const std::int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::uint64_t full = std::uint64_t{options_.out_burst} * 1000;
  if (out_last_ms_ >= 0 && ms > out_last_ms_) {
    out_tokens_ = std::min(full, out_tokens_ + std::uint64_t(ms - out_last_ms_) *
                                                   options_.out_per_second);
  }
  out_last_ms_ = std::max(out_last_ms_, ms);
  // Pings only draw on the upper half: under pressure, answers come first;
  // and the last quarter is kept for nodes that say they are joining (bs=1).
  const std::uint64_t floor =
      kind == Spend::ping ? full / 2 : kind == Spend::reply ? full / 4 : 0;
  if (out_tokens_ < floor + 1000) return false;
  out_tokens_ -= 1000;
  return true;
}

std::size_t Router::on_packet(std::span<const std::uint8_t> datagram, const Endpoint& from,
                              TimePoint now, std::span<RouterDatagram> out) {
  ++stats_.received;
  if (!acceptable_source(from)) {
    ++stats_.dropped_martian;
    return 0;
  }
  if (!rates_.allow(from.address_bytes(), now)) {
    ++stats_.dropped_rate;
    return 0;
  }
  auto m = parse_router_packet(datagram);
  if (!m) {
    ++stats_.dropped_malformed;
    return 0;
  }
  const Query q{*m, from, datagram.size()};
  if (m->type == 'q') return on_query(q, now, out);
  if (m->type == 'r') {
    on_reply(q, now);
  } else {
    ++stats_.other;
  }
  return 0;
}

std::size_t Router::on_query(const Query& q, TimePoint now, std::span<RouterDatagram> out) {
  if (q.m.bootstrap) ++stats_.bootstrap_queries;
  if (!spend(now, q.m.bootstrap ? Spend::bootstrap_reply : Spend::reply)) {
    ++stats_.dropped_budget;
    return 0;
  }
  RouterDatagram& reply = out[0];
  reply.to = q.from;
  std::size_t n = 0;
  switch (q.m.method) {
    case RouterMethod::announce_peer:
      // A router stores no peers; saying so beats a token that leads nowhere.
      n = write_error(q, 201, "router node: announce_peer not accepted", reply);
      ++stats_.refused;
      break;
    case RouterMethod::other:
      n = write_error(q, 204, "Method Unknown", reply);
      ++stats_.refused;
      break;
    default:
      break;
  }
  // 4x the query bounds everything it triggers, the verification ping included.
  std::size_t budget = 4 * q.size;
  std::size_t count = 0;
  if (n == 0 || q.m.method == RouterMethod::announce_peer) {
    // Verification ping first, so the reply is trimmed to what is left.
    if (wants_verification(q, now) && budget > 64 + 48 && spend(now, Spend::ping)) {
      RouterDatagram& ping = out[1];
      const std::size_t len = write_ping(q, now, ping);
      budget -= len;
      remember_querier(q);
      ++stats_.pings_sent;
      count = 1;
    }
  }
  if (n == 0) n = write_reply(q, budget, reply);
  reply.size = static_cast<std::uint16_t>(n);
  ++stats_.answered;
  if (count == 1) {
    // Reply first in the output, then the ping.
    return 2;
  }
  return 1;
}

// The endpoint's slot in the lossy recent table (keyed hash of address and
// port) and the tag that says whether the slot currently holds it.
Router::RecentSlot Router::recent_slot(const Endpoint& from) {
  std::array<std::uint8_t, 18> in{};
  const std::string_view a = from.address_bytes();
  std::memcpy(in.data(), a.data(), a.size());
  in[16] = static_cast<std::uint8_t>(from.port() >> 8);
  in[17] = static_cast<std::uint8_t>(from.port());
  std::array<std::uint8_t, crypto_shorthash_BYTES> hb;
  crypto_shorthash(hb.data(), in.data(), in.size(), recent_key_.data());
  std::uint64_t h;
  std::memcpy(&h, hb.data(), sizeof h);
  return {recent_[h & (recent_.size() - 1)], static_cast<std::uint32_t>(h >> 32) | 1u};
}

bool Router::wants_verification(const Query& q, TimePoint now) {
  if (q.m.read_only) return false;  // BEP 43: never stored
  const auto [r, tag] = recent_slot(q.from);
  const std::uint32_t s = seconds_of(now);
  const auto reverify_s = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(options_.reverify_after).count());
  if (r.tag == tag) {
    if (r.verified_s && s - r.verified_s < reverify_s) return false;
    if (r.pinged_s && s - r.pinged_s < kRepingAfterS) return false;
  }
  if (options_.require_bep42) {
    const auto id = NodeId::from_bytes(q.m.id);
    if (!id || !is_secure_node_id(*id, q.from)) return false;
  }
  if (r.tag != tag) r = Recent{tag, 0, 0};
  r.pinged_s = s;
  return true;
}

void Router::remember(const Query& q, TimePoint now) {
  const auto [r, tag] = recent_slot(q.from);
  if (r.tag != tag) r = Recent{tag, 0, 0};
  r.verified_s = seconds_of(now);
}

void Router::on_reply(const Query& q, TimePoint now) {
  const std::string_view addr = q.from.address_bytes();
  if (!cookies_.check(q.m.transaction_id, addr, q.from.port(), q.m.id, now)) {
    ++stats_.bad_cookie;
    return;
  }
  const auto id = NodeId::from_bytes(q.m.id);
  if (!id || (options_.require_bep42 && !is_secure_node_id(*id, q.from))) {
    ++stats_.not_stored;
    return;
  }
  if (q.m.read_only) {
    ++stats_.not_stored;
    return;
  }
  remember(q, now);
  ++stats_.verified;
  const std::uint16_t port = q.from.port();
  VerifiedNode node;
  node.v6 = !q.from.is_v4();
  std::memcpy(node.entry.data(), q.m.id.data(), 20);
  std::memcpy(node.entry.data() + 20, addr.data(), addr.size());
  node.entry[20 + addr.size()] = static_cast<std::uint8_t>(port >> 8);
  node.entry[21 + addr.size()] = static_cast<std::uint8_t>(port);
  if (shared_) {
    if (pending_.size() < kMaxPending) {
      pending_.push_back(node);
    } else {
      ++stats_.not_stored;
    }
    return;
  }
  if (node.v6) {
    NodeRingV6::Entry e;
    std::memcpy(e.data(), node.entry.data(), e.size());
    own_.v6.push(e);
  } else {
    NodeRingV4::Entry e;
    std::memcpy(e.data(), node.entry.data(), e.size());
    own_.v4.push(e);
  }
}

template <class Ring>
std::size_t Router::pick(const Ring& ring, const Query& q, std::size_t max, std::uint8_t* out) {
  constexpr std::size_t E = Ring::kEntrySize;
  const std::size_t size = ring.size();
  if (max == 0 || size == 0) return 0;
  const std::string_view self = q.from.address_bytes();
  const std::uint16_t self_port = q.from.port();
  auto is_querier = [&](const std::uint8_t* e) {
    return self.size() == E - 22 && std::memcmp(e + 20, self.data(), self.size()) == 0 &&
           ((e[E - 2] << 8) | e[E - 1]) == self_port;
  };
  std::array<std::uint32_t, kNodesPerFamily> chosen{};
  std::array<std::uint64_t, kNodesPerFamily> dist{};
  std::size_t n = 0;
  const bool by_distance =
      options_.selection == RouterSelection::closest_of_sample && q.m.target.size() == 20;
  const std::uint64_t target =
      by_distance ? prefix64(reinterpret_cast<const std::uint8_t*>(q.m.target.data())) : 0;
  // A small ring is answered from all of it; a large one from a run of
  // consecutive entries at a random place. Neighbours in the ring are nodes
  // verified at about the same time, unrelated in id, so a run is as good a
  // sample as scattered picks — and costs a few cache lines instead of one
  // miss per entry (measured: scattered picks were a quarter of the CPU).
  const bool all = size <= options_.sample_size;
  const std::size_t draws = all ? size : (by_distance ? options_.sample_size : max + 1);
  const std::size_t start = all ? 0 : next_random() % size;
  for (std::size_t k = 0; k < draws; ++k) {
    std::size_t i = start + k;
    if (i >= size) i -= size;
    const auto idx = static_cast<std::uint32_t>(i);
    const std::uint8_t* e = ring.at(idx).data();
    if (is_querier(e)) continue;
    const std::uint64_t d = by_distance ? prefix64(e) ^ target : 0;
    if (n == max) {
      if (!by_distance || d >= dist[n - 1]) continue;
      --n;  // the farthest makes room
    }
    std::size_t j = n++;
    while (j > 0 && by_distance && dist[j - 1] > d) {
      dist[j] = dist[j - 1];
      chosen[j] = chosen[j - 1];
      --j;
    }
    dist[j] = d;
    chosen[j] = idx;
    if (!by_distance && n == max) break;
  }
  for (std::size_t k = 0; k < n; ++k) std::memcpy(out + k * E, ring.at(chosen[k]).data(), E);
  return n;
}

template <class Ring>
std::size_t Router::top_up(const Ring& backup, const Query& q, std::size_t have, std::size_t max,
                           std::uint8_t* out) const {
  constexpr std::size_t E = Ring::kEntrySize;
  const std::string_view self = q.from.address_bytes();
  for (std::size_t i = backup.size(); i-- > 0 && have < max;) {
    const std::uint8_t* e = backup.at(i).data();
    const bool querier = self.size() == E - 22 &&
                         std::memcmp(e + 20, self.data(), self.size()) == 0 &&
                         ((e[E - 2] << 8) | e[E - 1]) == q.from.port();
    bool dup = querier;
    for (std::size_t k = 0; k < have && !dup; ++k)
      dup = std::memcmp(out + k * E + 20, e + 20, E - 20) == 0;
    if (dup) continue;
    std::memcpy(out + have * E, e, E);
    ++have;
  }
  return have;
}

void Router::remember_querier(const Query& q) {
  const std::string_view addr = q.from.address_bytes();
  const std::uint16_t port = q.from.port();
  if (q.from.is_v4()) {
    NodeRingV4::Entry e;
    std::memcpy(e.data(), q.m.id.data(), 20);
    std::memcpy(e.data() + 20, addr.data(), 4);
    e[24] = static_cast<std::uint8_t>(port >> 8);
    e[25] = static_cast<std::uint8_t>(port);
    backup_.v4.push(e);
  } else {
    NodeRingV6::Entry e;
    std::memcpy(e.data(), q.m.id.data(), 20);
    std::memcpy(e.data() + 20, addr.data(), 16);
    e[36] = static_cast<std::uint8_t>(port >> 8);
    e[37] = static_cast<std::uint8_t>(port);
    backup_.v6.push(e);
  }
}

std::size_t Router::write_reply(const Query& q, std::size_t budget, RouterDatagram& d) {
  const std::string_view addr = q.from.address_bytes();
  const std::size_t tid = q.m.transaction_id.size();
  // d2:ip<n>:<addr+port>1:rd2:id20:<id> ... e1:t<n>:<tid>1:y1:re
  const std::size_t fixed = 4 + digits(addr.size() + 2) + 1 + addr.size() + 2 + 11 + 20 + 4 +
                            digits(tid) + 1 + tid + 8;
  bool n4 = false, n6 = false;
  if (q.m.method == RouterMethod::find_node || q.m.method == RouterMethod::get_peers) {
    if (q.m.has_want) {
      n4 = q.m.want_n4;
      n6 = q.m.want_n6;
    } else {
      (q.from.is_v4() ? n4 : n6) = true;
    }
  }
  std::size_t room = budget > fixed ? budget - fixed : 0;
  room = std::min(room, RouterDatagram::kMaxSize - fixed);
  std::size_t max4 = 0, max6 = 0;
  if (n4 && room > 12) max4 = std::min<std::size_t>(kNodesPerFamily, (room - 12) / 26);
  if (max4) room -= 12 + max4 * 26;
  if (n6 && room > 13) max6 = std::min<std::size_t>(kNodesPerFamily, (room - 13) / 38);

  std::array<std::uint8_t, kNodesPerFamily * 38> nodes;
  Out o{d.bytes.data()};
  o.put("d2:ip");
  o.len_prefix(addr.size() + 2);
  o.put(addr);
  const std::uint8_t port[2] = {static_cast<std::uint8_t>(q.from.port() >> 8),
                                static_cast<std::uint8_t>(q.from.port())};
  o.put(port, 2);
  o.put("1:rd2:id20:");
  o.put(id_.bytes.data(), 20);
  if (n4) {
    std::size_t k = pick(ring_v4(), q, max4, nodes.data());
    k = top_up(backup_.v4, q, k, max4, nodes.data());
    o.put("5:nodes");
    o.len_prefix(k * 26);
    o.put(nodes.data(), k * 26);
  }
  if (n6) {
    std::size_t k = pick(ring_v6(), q, max6, nodes.data());
    k = top_up(backup_.v6, q, k, max6, nodes.data());
    o.put("6:nodes6");
    o.len_prefix(k * 38);
    o.put(nodes.data(), k * 38);
  }
  o.put("e1:t");
  o.len_prefix(tid);
  o.put(q.m.transaction_id);
  o.put("1:y1:re");
  switch (q.m.method) {
    case RouterMethod::ping: ++stats_.answered_ping; break;
    case RouterMethod::find_node: ++stats_.answered_find_node; break;
    case RouterMethod::get_peers: ++stats_.answered_get_peers; break;
    default: break;
  }
  return static_cast<std::size_t>(o.p - d.bytes.data());
}

std::size_t Router::write_error(const Query& q, int code, std::string_view msg,
                                RouterDatagram& d) {
  // Our error strings are short: this fits any query (>= 4x of a ~40-byte minimum).
  Out o{d.bytes.data()};
  o.put("d1:eli");
  o.len_prefix(static_cast<std::size_t>(code));
  o.p[-1] = 'e';  // len_prefix wrote "<code>:", an integer ends in 'e'
  o.len_prefix(msg.size());
  o.put(msg);
  o.put("e1:t");
  o.len_prefix(q.m.transaction_id.size());
  o.put(q.m.transaction_id);
  o.put("1:y1:ee");
  return static_cast<std::size_t>(o.p - d.bytes.data());
}

std::size_t Router::write_ping(const Query& q, TimePoint now, RouterDatagram& d) {
  const SynCookie::Cookie c =
      cookies_.make(q.from.address_bytes(), q.from.port(), q.m.id, now);
  d.to = q.from;
  Out o{d.bytes.data()};
  o.put("d1:ad2:id20:");
  o.put(id_.bytes.data(), 20);
  o.put("e1:q4:ping1:t6:");
  o.put(c.data(), c.size());
  o.put("1:y1:qe");
  d.size = static_cast<std::uint16_t>(o.p - d.bytes.data());
  return d.size;
}

}  // namespace btnode::dht
