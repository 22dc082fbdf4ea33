// Torrent's side of each peer: what it does on each wire::PeerEvent, and the
// requests, timeouts and choking decisions that follow (one handler per
// event kind). The policies (picker, pipeline, choker, snub detector) are
// sans-I/O; this file reads the clock and feeds them.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "node/torrent.h"
#include "wire/extended_handshake.h"

namespace btnode::node {
namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

struct Torrent::EventVisitor {
  Torrent& t;
  PeerConnection& peer;
  PeerState& state;

  void operator()(const wire::event::Choked& e) const {
    // Without BEP 6 the choke dropped every request; with it, each still gets
    // a piece or a reject.
    for (const auto& block : e.dropped) t.request_gone(peer, block);
  }
  void operator()(const wire::event::Unchoked&) const { state.snub.on_waiting_started(Clock::now()); }
  void operator()(const wire::event::Interested&) const { t.rechoke_if_slot_free(peer); }
  void operator()(const wire::event::NotInterested&) const {
    if (!peer.protocol().am_choking()) t.rechoke(Clock::now());
  }
  void operator()(const wire::event::Have& e) const {
    t.count_have(peer, e.piece);
    if (t.wanted_piece(e.piece) && !peer.protocol().am_interested()) peer.protocol().interested();
  }
  void operator()(const wire::event::Availability&) const {
    t.count_availability(peer);
    t.update_interest(peer);
  }
  void operator()(const wire::event::Block& e) const { t.on_block(peer, e.piece); }
  void operator()(const wire::event::Rejected& e) const { t.request_gone(peer, e.block); }
  void operator()(const wire::event::Request& e) const { t.serve_request(peer, e.block); }
  void operator()(const wire::event::Cancelled&) const {}  // take_request() will say no
  void operator()(const wire::event::Suggest&) const {}
  void operator()(const wire::event::AllowedFast&) const {}
  void operator()(const wire::event::DhtPort&) const {}
  void operator()(const wire::event::ExtendedHandshake&) const {}
  void operator()(const wire::event::ExtendedMessage& e) const {
    t.extensions_.on_message(peer, e.id, e.payload, [this](const pex::PexPeer& learned) {
      bool fresh = !t.known_.contains(learned.endpoint);
      t.add_peer(learned.endpoint, learned.flags);
      return fresh;
    });
  }
};

Torrent::PeerState* Torrent::state_of(PeerConnection& peer) {
  auto it = states_.find(&peer);
  return it == states_.end() ? nullptr : &it->second;
}

void Torrent::on_peer_attached(PeerConnection& peer) {
  auto& protocol = peer.protocol();
  auto now = Clock::now();
  states_.try_emplace(&peer, PeerState{.connected_at = now,
                                                          .pipeline = RequestPipeline(options_.pipeline),
                                                          .snub = SnubDetector(options_.snub_timeout),
                                                          .upload = RateEstimator(),
                                                          .sent = {},
                                                          .counted_all = false,
                                                          .counted = Bitfield(geometry_.piece_count)});
  by_key_[peer.key()] = &peer;
  key_address_[peer.key()] = peer.remote();
  if (peer.peer_handshake().reserved.extension_protocol() &&
      connection_options_.reserved.extension_protocol()) {
    wire::ExtendedHandshake ours;
    ours.client = "btnode 0.1.0";
    ours.reqq = options_.max_peer_requests;
    if (options_.listen_port != 0) ours.listen_port = options_.listen_port;
    extensions_.fill_handshake(ours);
    protocol.send_extended_handshake(ours);
  }
  if (peer.handed_over()) {
    // The metadata phase sent our (empty) availability already: only one
    // is allowed, so what we have now goes out as haves.
    for (std::int64_t i = 0; i < storage_->have().size(); ++i) {
      if (storage_->have().test(i)) protocol.have(static_cast<std::uint32_t>(i));
    }
  } else {
    protocol.send_availability(storage_->have());
  }
  spdlog::info("{}: peer {} connected ({}{})", meta_.name, peer.remote().to_string(),
               peer.is_outgoing() ? "out" : "in", peer.handed_over() ? ", kept from the metadata phase" : "");
}

void Torrent::on_peer_events(PeerConnection& peer, std::vector<wire::PeerEvent>& events) {
  if (stopped_) return;
  PeerState* state = state_of(peer);
  if (state == nullptr) return;
  for (const auto& event : events) {
    std::visit(EventVisitor{*this, peer, *state}, event);
    if (peer.closed()) return;
  }
  fill_requests(peer);
}

// ------------------------------------------------------------ availability

void Torrent::count_availability(PeerConnection& peer) {
  PeerState* state = state_of(peer);
  if (state == nullptr || state->counted_all || state->counted.count() > 0) return;
  const auto& theirs = peer.protocol().peer_pieces();
  if (theirs.size() != geometry_.piece_count) return;
  if (theirs.all()) {
    state->counted_all = true;
    picker_.add_have_all();
    return;
  }
  // Haves that came in the same read are in peer_pieces() already; their
  // events find the bit counted and skip it.
  state->counted = theirs;
  picker_.add_peer_bitfield(state->counted);
}

void Torrent::count_have(PeerConnection& peer, std::uint32_t piece) {
  PeerState* state = state_of(peer);
  if (state == nullptr || state->counted_all || piece >= state->counted.size()) return;
  if (state->counted.test(piece)) return;
  state->counted.set(piece);
  picker_.add_have(piece);
}

void Torrent::uncount_availability(PeerState& state) {
  if (state.counted_all) picker_.remove_have_all();
  else if (state.counted.count() > 0) picker_.remove_peer_bitfield(state.counted);
  state.counted_all = false;
  state.counted.reset_all();
}

void Torrent::update_interest(PeerConnection& peer) {
  auto& protocol = peer.protocol();
  bool want = false;
  const auto& theirs = protocol.peer_pieces();
  if (!picker_.finished()) {
    for (std::uint32_t i = 0; i < theirs.size() && !want; ++i) {
      want = theirs.test(i) && wanted_piece(i);
    }
  }
  if (want && !protocol.am_interested()) protocol.interested();
  if (!want && protocol.am_interested()) protocol.not_interested();
}

// ------------------------------------------------------------ our requests

void Torrent::fill_requests(PeerConnection& peer) {
  auto& protocol = peer.protocol();
  if (!protocol.am_interested() || checking_ || storage_->stopped()) return;
  PeerState* state = state_of(peer);
  if (state == nullptr) return;
  if (verifying_.size() * geometry_.piece_length >= options_.max_unverified_bytes) return;
  auto outstanding = static_cast<std::uint32_t>(protocol.outstanding().size());
  std::uint32_t room = state->pipeline.room(outstanding, protocol.peer_reqq());
  if (room > 0) {
    PickRequest ask;
    ask.peer_has = &protocol.peer_pieces();
    ask.peer = peer.key();
    ask.count = room;
    ask.choked = protocol.peer_choking();
    ask.allowed_fast = protocol.allowed_fast_from_peer();
    auto now = Clock::now();
    if (protocol.outstanding().empty()) state->snub.on_waiting_started(now);
    for (const auto& block : picker_.pick(ask)) {
      if (!protocol.request(block)) {
        picker_.on_request_rejected(peer.key(), block);
        continue;
      }
      state->sent.emplace_back(block, now);
    }
  }
  // Nothing left to ask this peer for: tell it, so it may choke us.
  if (protocol.outstanding().empty() && !protocol.peer_choking()) update_interest(peer);
}

// A request ended without a block (choke without BEP 6, reject).
void Torrent::request_gone(PeerConnection& peer, const wire::BlockRef& block) {
  picker_.on_request_rejected(peer.key(), block);
  if (PeerState* state = state_of(peer)) {
    auto& sent = state->sent;
    auto it = std::find_if(sent.begin(), sent.end(), [&](const auto& s) { return s.first == block; });
    if (it != sent.end()) sent.erase(it);
  }
}

// Per-request timeouts and snubbing, once a second: the blocks go back to
// the picker for other peers (a late block is still accepted).
void Torrent::check_requests(PeerConnection& peer, PeerState& state, Clock::time_point now) {
  auto& protocol = peer.protocol();
  while (!state.sent.empty() && now - state.sent.front().second > options_.request_timeout) {
    spdlog::debug("{}: request {}:{} to {} timed out", meta_.name, state.sent.front().first.piece,
                  state.sent.front().first.begin, peer.remote().to_string());
    picker_.on_request_timed_out(peer.key(), state.sent.front().first);
    state.sent.pop_front();
  }
  if (state.snub.check(now, protocol.peer_choking(), !protocol.outstanding().empty())) {
    spdlog::info("{}: peer {} snubbed us; its requests go elsewhere", meta_.name,
                 peer.remote().to_string());
    picker_.release_peer(peer.key());
    state.sent.clear();
  }
}

void Torrent::on_block(PeerConnection& peer, const wire::Piece& piece) {
  auto now = Clock::now();
  auto size = static_cast<std::uint32_t>(piece.data.size());
  downloaded_ += size;
  const wire::BlockRef ref = piece.ref();
  if (PeerState* state = state_of(peer)) {
    auto& sent = state->sent;
    auto it = std::find_if(sent.begin(), sent.end(), [&](const auto& s) { return s.first == ref; });
    Duration rtt{};
    if (it != sent.end()) {
      rtt = now - it->second;
      sent.erase(it);
    }
    state->pipeline.on_block(size, rtt, now);
    state->snub.on_block(now);
  }
  BlockReceived received = picker_.on_block_received(peer.key(), ref);
  for (const Cancel& cancel : received.cancels) {
    auto other = by_key_.find(cancel.peer);
    if (other == by_key_.end() || other->second == &peer) continue;
    PeerConnection& conn = *other->second;
    conn.protocol().cancel(cancel.block);
    if (PeerState* s = state_of(conn)) {
      auto it = std::find_if(s->sent.begin(), s->sent.end(),
                             [&](const auto& e) { return e.first == cancel.block; });
      if (it != s->sent.end()) s->sent.erase(it);
    }
    conn.flush();
  }
  if (!received.accepted) return;  // a late duplicate or a block we do not want
  storage_->add_block(piece.piece, piece.begin, piece.data, peer.key());
  if (received.piece_complete) verifying_.insert(ref.piece);
}

// ------------------------------------------------------------ uploading

void Torrent::rechoke(Clock::time_point now) {
  std::vector<ChokerPeer> snapshot;
  snapshot.reserve(states_.size());
  for (auto& [raw, state] : states_) {
    if (raw->closed() || !raw->attached()) continue;
    snapshot.push_back(ChokerPeer{.key = raw->key(),
                                  .interested = raw->protocol().peer_interested(),
                                  .snubbed = state.snub.snubbed(),
                                  .download_rate = state.pipeline.rate(now),
                                  .upload_rate = state.upload.rate(now),
                                  .connected_at = state.connected_at});
  }
  ChokeDecision decision = choker_.rechoke(snapshot, picker_.finished(), now);
  next_rechoke_ = decision.next_rechoke;
  for (PeerKey key : decision.choke) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) continue;
    it->second->protocol().choke();
    it->second->flush();
  }
  for (PeerKey key : decision.unchoke) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) continue;
    it->second->protocol().unchoke();
    it->second->flush();
  }
}

// A newly interested peer need not wait for the next round while a slot is
// free.
void Torrent::rechoke_if_slot_free(PeerConnection& peer) {
  if (!peer.protocol().am_choking()) return;
  if (choker_.unchoked_count() < options_.choker.regular_slots + options_.choker.optimistic_slots)
    rechoke(Clock::now());
}

// Blocks are served from spans read ahead (ReadCache): one read per span
// instead of one per block, and the block goes to the socket as a view into
// the span's buffer.
void Torrent::serve_request(PeerConnection& peer, const wire::BlockRef& block) {
  auto span = ReadCache::span_of(block.piece, block.begin, block.length,
                                 geometry_.size_of(block.piece));
  if (!span || !has_piece(block.piece)) return serve_block_alone(peer, block);
  const auto& [key, span_length] = *span;
  if (auto cached = read_cache_.find(key)) {
    return send_block(peer, block, std::move(cached), block.begin - key.begin);
  }
  auto pending = pending_reads_.find(key);
  if (pending != pending_reads_.end()) {
    pending->second.emplace_back(peer.shared_from_this(), block);
    return;
  }
  bool reading = storage_->read_block(
      key.piece, key.begin, span_length,
      [this, key](storage::ReadResult read) { on_span_read(key, std::move(read)); });
  if (!reading) return peer.protocol().reject_request(block);
  pending_reads_[key].emplace_back(peer.shared_from_this(), block);
}

void Torrent::on_span_read(const ReadCache::SpanKey& key, storage::ReadResult read) {
  auto node = pending_reads_.extract(key);
  if (read.error) return;  // storage stops the torrent and says why
  auto buffer = std::make_shared<const std::string>(std::move(read.data));
  read_cache_.insert(key, buffer);
  if (node.empty()) return;
  std::vector<std::shared_ptr<PeerConnection>> held;
  for (auto& [weak, block] : node.mapped()) {
    auto conn = weak.lock();
    if (!conn || conn->closed()) continue;
    if (std::find(held.begin(), held.end(), conn) == held.end()) {
      conn->hold_writes();
      held.push_back(conn);
    }
    send_block(*conn, block, buffer, block.begin - key.begin);
  }
  for (auto& conn : held) conn->release_writes();
}

void Torrent::send_block(PeerConnection& peer, const wire::BlockRef& block,
                         std::shared_ptr<const std::string> buffer, std::size_t offset) {
  if (!peer.protocol().take_request(block)) return;  // cancelled meanwhile
  uploaded_ += block.length;
  if (PeerState* s = state_of(peer)) s->upload.add(block.length, Clock::now());
  std::string_view bytes(*buffer);
  peer.send_piece(block, std::move(buffer), bytes.substr(offset, block.length));
}

// A block that straddles two spans is read on its own.
void Torrent::serve_block_alone(PeerConnection& peer, const wire::BlockRef& block) {
  std::weak_ptr<PeerConnection> weak = peer.shared_from_this();
  bool reading = storage_->read_block(block.piece, block.begin, block.length,
                                      [this, weak, block](storage::ReadResult read) {
                                        auto conn = weak.lock();
                                        if (!conn || conn->closed() || read.error) return;
                                        if (!conn->protocol().take_request(block))
                                          return;  // cancelled meanwhile
                                        uploaded_ += read.data.size();
                                        if (PeerState* s = state_of(*conn))
                                          s->upload.add(read.data.size(), Clock::now());
                                        conn->send_piece(block, std::move(read.data));
                                      });
  if (!reading) peer.protocol().reject_request(block);
}

}  // namespace btnode::node
