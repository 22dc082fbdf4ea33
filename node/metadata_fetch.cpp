#include "node/metadata_fetch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/post.hpp>

#include "core/bitfield.h"
#include "wire/extended_handshake.h"
#include "wire/ut_metadata.h"

namespace btnode::node {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

MetadataFetch::MetadataFetch(asio::io_context& io, InfoHash info_hash,
                             PeerConnectionOptions connection, MetadataFetchOptions options,
                             OnMetadata on_metadata, OnError on_error)
    : io_(io),
      info_hash_(std::move(info_hash)),
      wire_hash_(info_hash_.wire_id()),
      connection_options_(std::move(connection)),
      options_(options),
      on_metadata_(std::move(on_metadata)),
      on_error_(std::move(on_error)),
      timer_(io) {}

MetadataFetch::~MetadataFetch() {
  stop();
  *alive_ = false;
}

void MetadataFetch::start() {
  arm_timer();
  dial_due_peers();
}

void MetadataFetch::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  auto active = std::move(active_);
  active_.clear();
  for (auto& [raw, a] : active) a.conn->detach_and_close();
}

void MetadataFetch::add_peer(const Endpoint& peer) {
  if (stopped_ || peer.port() == 0 || is_banned(peer)) return;
  auto [it, fresh] = known_.try_emplace(peer);
  if (fresh) dial_due_peers();
}

void MetadataFetch::arm_timer() {
  timer_.expires_after(std::chrono::milliseconds(250));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    tick();
    arm_timer();
  });
}

void MetadataFetch::tick() {
  auto now = Clock::now();
  // The per-peer time limit: a peer sitting on a request is dropped.
  std::vector<Active*> late;
  for (auto& [raw, a] : active_) {
    for (const auto& [piece, sent] : a.outstanding) {
      if (now - sent > options_.peer_timeout) {
        late.push_back(&a);
        break;
      }
    }
  }
  for (auto* a : late) drop(*a, "metadata request timed out", false);
  dial_due_peers();
  request_pieces();
}

void MetadataFetch::dial_due_peers() {
  if (stopped_) return;
  auto now = Clock::now();
  for (auto& [endpoint, known] : known_) {
    if (active_.size() >= options_.max_connections) return;
    if (known.connected || now < known.next_attempt || is_banned(endpoint)) continue;
    known.backoff = std::clamp(known.backoff * 2, options_.reconnect_min, options_.reconnect_max);
    known.next_attempt = now + known.backoff;
    known.connected = true;
    // MSE `prefer` offers encryption first and falls back to plaintext when
    // the peer does not speak MSE (as the Torrent does).
    PeerConnectionOptions dial = connection_options_;
    if (dial.outgoing_mse == wire::MsePolicy::prefer && known.plaintext_next)
      dial.outgoing_mse = wire::MsePolicy::disable;
    known.dialled_encrypted = dial.outgoing_mse != wire::MsePolicy::disable;
    auto conn = PeerConnection::outgoing(io_, endpoint, wire_hash_, std::move(dial));
    Active& a = active_[conn.get()];
    a.conn = conn;
    a.dialled = endpoint;
    conn->set_handler(this);
    conn->start([this](PeerConnection& c) { return attach(c); });
  }
}

std::optional<PeerAttach> MetadataFetch::attach(PeerConnection& peer) {
  if (stopped_ || is_banned(peer.remote())) return std::nullopt;
  if (!peer.peer_handshake().reserved.extension_protocol()) return std::nullopt;  // no BEP 10
  if (!active_.contains(&peer)) {
    if (active_.size() >= options_.max_connections) return std::nullopt;
    active_[&peer].conn = peer.shared_from_this();
  }
  PeerAttach out;
  out.handler = this;
  out.protocol.we_have = [](std::uint32_t) { return false; };
  return out;  // no geometry yet: availability is checked once it is known
}

void MetadataFetch::on_peer_attached(PeerConnection& peer) {
  auto& protocol = peer.protocol();
  wire::ExtendedHandshake ours;
  ours.client = "btnode 0.1.0";
  ours.extensions[std::string(wire::kUtMetadata)] = kOurUtMetadataId;
  if (options_.listen_port != 0) ours.listen_port = options_.listen_port;
  protocol.send_extended_handshake(ours);
  // BEP 6 wants exactly one availability message: have_none (we have nothing).
  protocol.send_availability(Bitfield(1));
  spdlog::debug("metadata: peer {} connected ({})", peer.remote().to_string(),
                peer.is_outgoing() ? "out" : "in");
}

void MetadataFetch::on_peer_events(PeerConnection& peer, std::vector<wire::PeerEvent>& events) {
  if (stopped_) return;
  auto it = active_.find(&peer);
  if (it == active_.end()) return;
  for (const auto& event : events) {
    if (std::holds_alternative<wire::event::ExtendedHandshake>(event)) {
      on_extended_handshake(it->second);
    } else if (auto* m = std::get_if<wire::event::ExtendedMessage>(&event)) {
      if (m->id == kOurUtMetadataId) on_metadata_message(it->second, m->payload);
    } else if (auto* r = std::get_if<wire::event::Request>(&event)) {
      peer.protocol().reject_request(r->block);  // we have no pieces yet
    }
    if (stopped_ || peer.closed() || !active_.contains(&peer)) return;
  }
  request_pieces();
}

void MetadataFetch::on_extended_handshake(Active& a) {
  const auto& theirs = a.conn->protocol().peer_extensions();
  a.ut_metadata = theirs.id_of(wire::kUtMetadata);
  a.metadata_size = theirs.metadata_size.value_or(0);
  if (a.metadata_size > options_.max_size) {
    return drop(a, "metadata_size " + std::to_string(a.metadata_size) + " over the limit", true);
  }
  if (!a.ut_metadata || a.metadata_size == 0) {
    spdlog::debug("metadata: peer {} offers no metadata", a.conn->remote().to_string());
  }
}

void MetadataFetch::on_metadata_message(Active& a, std::string_view payload) {
  auto message = wire::decode_metadata_message(payload);
  if (!message) return drop(a, "bad ut_metadata message: " + message.error().message, true);
  switch (message->type) {
    case wire::MetadataMessageType::request:
      if (a.ut_metadata)
        a.conn->protocol().send_extended(*a.ut_metadata,
                                         wire::encode_metadata_reject(message->piece));
      return;
    case wire::MetadataMessageType::reject:
      if (a.outstanding.contains(message->piece))
        return drop(a, "peer rejected a metadata request", false);
      return;
    case wire::MetadataMessageType::unknown:
      return;
    case wire::MetadataMessageType::data:
      break;
  }
  // Only answers to our requests count (anything else could be a poisoning
  // attempt timed to land before an honest answer).
  if (a.outstanding.erase(message->piece) == 0 || !assembler_) return;
  auto added = assembler_->add(a.conn->key(), *message);
  if (!added) return drop(a, "bad metadata piece: " + added.error().message, true);
  if (*added == wire::MetadataAssembler::Outcome::complete) return finish();
  if (*added == wire::MetadataAssembler::Outcome::hash_mismatch) on_hash_mismatch();
}

// Every peer that gave a piece of the failed attempt is suspect.
void MetadataFetch::on_hash_mismatch() {
  ++hash_failures_;
  std::vector<std::uint64_t> sources = assembler_->failed_sources();
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  spdlog::warn("metadata: hash mismatch (attempt {}, {} senders)", hash_failures_,
               sources.size());
  std::vector<Active*> guilty;
  for (auto& [raw, a] : active_) {
    if (!std::binary_search(sources.begin(), sources.end(), a.conn->key())) continue;
    auto address = a.conn->remote().with_port(0);
    if (sources.size() == 1 || ++strikes_[address] >= 2) guilty.push_back(&a);
  }
  for (auto* a : guilty) drop(*a, "sent metadata that failed the hash check", true);
  // Next attempt from one peer at a time: a lone liar is then convicted.
  single_source_mode_ = sources.size() > 1;
  single_source_.reset();
  assembler_.reset();
  for (auto& [raw, a] : active_) a.outstanding.clear();
}

void MetadataFetch::request_pieces() {
  if (stopped_) return;
  if (!assembler_) {
    // The size comes from the first usable peer; sizes above the cap never get here.
    for (auto& [raw, a] : active_) {
      if (!a.ut_metadata || a.metadata_size == 0) continue;
      auto created = wire::MetadataAssembler::create(info_hash_, a.metadata_size,
                                                     {.max_size = options_.max_size});
      if (!created) continue;
      assembler_.emplace(std::move(*created));
      spdlog::info("metadata: {} bytes in {} pieces", a.metadata_size,
                   assembler_->piece_count());
      break;
    }
    if (!assembler_) return;
  }
  auto now = Clock::now();
  auto missing = assembler_->missing();
  // Who is asked for what right now.
  std::map<std::uint32_t, std::pair<std::size_t, Clock::time_point>> asked;  // count, newest
  for (auto& [raw, a] : active_) {
    for (const auto& [piece, sent] : a.outstanding) {
      auto& entry = asked[piece];
      entry.first++;
      entry.second = std::max(entry.second, sent);
    }
  }
  auto usable = [&](const Active& a) {
    return a.ut_metadata && a.metadata_size == assembler_->total_size() && !a.conn->closed() &&
           a.conn->attached();
  };
  if (single_source_mode_) {
    if (single_source_ && !active_.contains(*single_source_)) single_source_.reset();
    if (!single_source_) {
      for (auto& [raw, a] : active_) {
        if (usable(a)) {
          single_source_ = raw;
          break;
        }
      }
    }
  }
  for (auto& [raw, a] : active_) {
    if (!usable(a)) continue;
    if (single_source_mode_ && single_source_ != raw) continue;
    for (auto piece : missing) {
      if (a.outstanding.size() >= options_.requests_per_peer) break;
      if (a.outstanding.contains(piece)) continue;
      auto it = asked.find(piece);
      // A piece asked elsewhere recently waits; a slow one goes to a second peer too.
      if (it != asked.end() &&
          (it->second.first >= 2 || now - it->second.second < options_.rerequest_after))
        continue;
      a.outstanding[piece] = now;
      auto& entry = asked[piece];
      entry.first++;
      entry.second = now;
      a.conn->protocol().send_extended(*a.ut_metadata, wire::encode_metadata_request(piece));
    }
    a.conn->flush();
  }
}

void MetadataFetch::drop(Active& a, const std::string& reason, bool ban) {
  auto address = a.conn->remote().with_port(0);
  if (ban) {
    spdlog::warn("metadata: banning {}: {}", address.address_string(), reason);
    banned_.insert(address);
  } else {
    spdlog::info("metadata: dropping {}: {}", a.conn->remote().to_string(), reason);
  }
  a.outstanding.clear();
  a.conn->close(reason);  // on_peer_closed (posted) forgets it
}

void MetadataFetch::on_peer_closed(PeerConnection& peer, const std::string& reason) {
  auto it = active_.find(&peer);
  if (it == active_.end()) return;
  auto keep = it->second.conn;
  if (it->second.dialled) {
    auto k = known_.find(*it->second.dialled);
    if (k != known_.end()) {
      k->second.connected = false;
      bool connected = reason.rfind("connect:", 0) != 0;
      if (connection_options_.outgoing_mse == wire::MsePolicy::prefer && !peer.attached() &&
          connected && k->second.dialled_encrypted) {
        k->second.plaintext_next = true;
        k->second.next_attempt = Clock::now();
        asio::post(io_, [this, alive = alive_] {
          if (*alive) dial_due_peers();
        });
      }
    }
  }
  active_.erase(it);
  spdlog::debug("metadata: peer {} gone: {}", peer.remote().to_string(), reason);
  if (single_source_ == &peer) single_source_.reset();
  if (!stopped_) request_pieces();
}

void MetadataFetch::finish() {
  std::string info(assembler_->metadata());
  auto meta = parse_info_dict(info);
  if (!meta) {
    // The hash matched, so this is what the torrent is: nothing to retry.
    stop();
    if (on_error_) on_error_("metadata: " + meta.error().message);
    return;
  }
  meta->info_bytes = info;
  spdlog::info("metadata: verified '{}' ({} bytes)", meta->name, info.size());
  std::vector<Endpoint> peers;
  for (const auto& [endpoint, known] : known_) {
    if (!is_banned(endpoint)) peers.push_back(endpoint);
  }
  // Incoming peers we never dialled: their listen port from the handshake.
  for (const auto& [raw, a] : active_) {
    if (a.dialled || !a.conn->attached()) continue;
    if (auto port = a.conn->protocol().peer_extensions().listen_port)
      peers.push_back(a.conn->remote().with_port(*port));
  }
  // Handshaken connections survive stop(): they go to the owner, parked
  // (no handler) until it adopts or closes them.
  std::vector<std::shared_ptr<PeerConnection>> connections;
  for (auto it = active_.begin(); it != active_.end();) {
    auto conn = it->second.conn;
    if (!conn->attached() || conn->closed()) {
      ++it;
      continue;
    }
    conn->set_handler(nullptr);
    connections.push_back(std::move(conn));
    it = active_.erase(it);
  }
  stop();
  // The owner may destroy us from the callback: nothing touches `this` after it.
  auto done = std::move(on_metadata_);
  done(std::move(*meta), std::move(peers), std::move(connections));
}

MetadataFetchStats MetadataFetch::stats() const {
  MetadataFetchStats s;
  s.peers_known = known_.size();
  for (const auto& [raw, a] : active_) {
    if (!a.conn->attached()) continue;
    ++s.connected;
    if (a.ut_metadata && a.metadata_size > 0) ++s.with_metadata;
  }
  if (assembler_) {
    s.pieces_total = assembler_->piece_count();
    s.pieces_have = assembler_->piece_count() - static_cast<std::uint32_t>(assembler_->missing().size());
  }
  s.hash_failures = hash_failures_;
  s.banned = banned_.size();
  return s;
}

}  // namespace btnode::node
