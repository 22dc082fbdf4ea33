#include "tracker/udp_codec.h"

#include <algorithm>

#include "core/compact.h"

namespace btnode::tracker::udp {
namespace {

template <class T>
void put(std::string& out, T value) {
  for (int shift = 8 * (int(sizeof(T)) - 1); shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((static_cast<std::uint64_t>(value) >> shift) & 0xff));
}

// Big-endian reads over a bounds-checked cursor.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <class T>
  T get() {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
      v = (v << 8) | static_cast<std::uint8_t>(bytes_[pos_ + i]);
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }
  std::string_view take(std::size_t n) {
    auto s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::size_t left() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

std::uint32_t event_number(Event e) {
  switch (e) {
    case Event::completed:
      return 1;
    case Event::started:
      return 2;
    case Event::stopped:
      return 3;
    case Event::none:
      break;
  }
  return 0;
}

Event event_from(std::uint32_t n) {
  switch (n) {
    case 1:
      return Event::completed;
    case 2:
      return Event::started;
    case 3:
      return Event::stopped;
    default:
      return Event::none;
  }
}

void put_hash(std::string& out, const Hash20& h) { out += view(h); }

Hash20 read_hash(Reader& r) {
  Hash20 h;
  auto s = r.take(20);
  std::copy(s.begin(), s.end(), h.begin());
  return h;
}

AnnounceResponse decode_announce(Reader& r, Endpoint::Family family, std::size_t max_peers) {
  AnnounceResponse out;
  out.interval = clamp_interval(r.get<std::uint32_t>());
  out.incomplete = r.get<std::uint32_t>();
  out.complete = r.get<std::uint32_t>();
  std::size_t size = compact_peer_size(family);
  while (r.left() >= size) {
    auto peer = decode_compact_peer(r.take(size));
    if (!peer || peer->port() == 0) continue;
    if (out.peers.size() < max_peers) {
      out.peers.push_back(*peer);
    } else {
      ++out.peers_dropped;
    }
  }
  return out;
}

}  // namespace

std::string encode_connect(std::uint32_t transaction) {
  std::string out;
  put(out, kProtocolId);
  put(out, std::uint32_t(Action::connect));
  put(out, transaction);
  return out;
}

std::string encode_announce(std::uint64_t connection, std::uint32_t transaction,
                            const AnnounceRequest& q) {
  std::string out;
  out.reserve(98);
  put(out, connection);
  put(out, std::uint32_t(Action::announce));
  put(out, transaction);
  put_hash(out, q.info_hash);
  out += q.peer_id.view();
  put(out, q.downloaded);
  put(out, q.left);
  put(out, q.uploaded);
  put(out, event_number(q.event));
  // BEP 15 "IP address": 0 = the sender's. An IPv6 address does not fit.
  std::uint32_t ip = 0;
  if (q.ip && q.ip->is_v4()) {
    for (char c : q.ip->address_bytes()) ip = (ip << 8) | static_cast<std::uint8_t>(c);
  }
  put(out, ip);
  put(out, q.key);
  put(out, q.numwant);
  put(out, q.port);
  return out;
}

std::string encode_scrape(std::uint64_t connection, std::uint32_t transaction,
                          std::span<const Hash20> hashes) {
  std::string out;
  put(out, connection);
  put(out, std::uint32_t(Action::scrape));
  put(out, transaction);
  for (std::size_t i = 0; i < hashes.size() && i < kMaxScrapeHashes; ++i) put_hash(out, hashes[i]);
  return out;
}

Result<Reply> decode_reply(std::string_view bytes, Endpoint::Family family,
                           std::size_t max_peers) {
  if (bytes.size() < 8) return fail("udp tracker: reply too short");
  Reader r(bytes);
  auto action = r.get<std::uint32_t>();
  Reply out;
  out.transaction = r.get<std::uint32_t>();
  switch (static_cast<Action>(action)) {
    case Action::connect:
      if (r.left() < 8) return fail("udp tracker: connect reply too short");
      out.body = ConnectReply{r.get<std::uint64_t>()};
      return out;
    case Action::announce:
      if (r.left() < 12) return fail("udp tracker: announce reply too short");
      out.body = decode_announce(r, family, max_peers);
      return out;
    case Action::scrape: {
      std::vector<ScrapeEntry> entries;
      while (r.left() >= 12 && entries.size() < kMaxScrapeHashes) {
        ScrapeEntry e;
        e.complete = r.get<std::uint32_t>();
        e.downloaded = r.get<std::uint32_t>();
        e.incomplete = r.get<std::uint32_t>();
        entries.push_back(e);
      }
      out.body = std::move(entries);
      return out;
    }
    case Action::error: {
      auto text = r.take(std::min<std::size_t>(r.left(), 200));
      out.body = ErrorReply{std::string(text)};
      return out;
    }
  }
  return fail("udp tracker: unknown action " + std::to_string(action));
}

Result<Request> decode_request(std::string_view bytes) {
  if (bytes.size() < 16) return fail("udp tracker: request too short");
  Reader r(bytes);
  auto connection = r.get<std::uint64_t>();
  auto action = r.get<std::uint32_t>();
  Request out;
  out.transaction = r.get<std::uint32_t>();
  switch (static_cast<Action>(action)) {
    case Action::connect:
      if (connection != kProtocolId) return fail("udp tracker: bad protocol id");
      out.body = ConnectRequest{};
      return out;
    case Action::announce: {
      if (r.left() < 82) return fail("udp tracker: announce request too short");
      AnnounceMessage m;
      m.connection = connection;
      auto& q = m.request;
      q.info_hash = read_hash(r);
      q.peer_id = *PeerId::from_bytes(r.take(20));
      q.downloaded = r.get<std::uint64_t>();
      q.left = r.get<std::uint64_t>();
      q.uploaded = r.get<std::uint64_t>();
      q.event = event_from(r.get<std::uint32_t>());
      auto ip = r.take(4);
      if (ip != std::string_view("\0\0\0\0", 4)) q.ip = Endpoint::from_address_bytes(ip, 0);
      q.key = r.get<std::uint32_t>();
      q.numwant = r.get<std::int32_t>();
      q.port = r.get<std::uint16_t>();
      out.body = std::move(m);
      return out;
    }
    case Action::scrape: {
      ScrapeMessage m;
      m.connection = connection;
      while (r.left() >= 20 && m.hashes.size() < kMaxScrapeHashes) m.hashes.push_back(read_hash(r));
      if (m.hashes.empty()) return fail("udp tracker: scrape without info-hash");
      out.body = std::move(m);
      return out;
    }
    case Action::error:
      break;
  }
  return fail("udp tracker: unknown action " + std::to_string(action));
}

std::string encode_connect_reply(std::uint32_t transaction, std::uint64_t connection) {
  std::string out;
  put(out, std::uint32_t(Action::connect));
  put(out, transaction);
  put(out, connection);
  return out;
}

std::string encode_announce_reply(std::uint32_t transaction, const AnnounceResponse& response,
                                  Endpoint::Family family) {
  std::string out;
  put(out, std::uint32_t(Action::announce));
  put(out, transaction);
  put(out, response.interval);
  put(out, response.incomplete.value_or(0));
  put(out, response.complete.value_or(0));
  for (const auto& p : response.peers)
    if (p.family() == family) append_compact_peer(out, p);
  return out;
}

std::string encode_scrape_reply(std::uint32_t transaction, std::span<const ScrapeEntry> entries) {
  std::string out;
  put(out, std::uint32_t(Action::scrape));
  put(out, transaction);
  for (const auto& e : entries) {
    put(out, e.complete);
    put(out, e.downloaded);
    put(out, e.incomplete);
  }
  return out;
}

std::string encode_error(std::uint32_t transaction, std::string_view message) {
  std::string out;
  put(out, std::uint32_t(Action::error));
  put(out, transaction);
  out += message;
  return out;
}

}  // namespace btnode::tracker::udp
