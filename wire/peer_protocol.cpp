// PeerProtocol: state, geometry and the handlers for messages from the peer.
// Our own decisions (choke, request, have, ...) are in peer_protocol_send.cpp.
#include "wire/peer_protocol.h"

#include <algorithm>
#include <utility>

namespace btnode::wire {
namespace {

// Haves remembered before the metadata tells us the piece count.
constexpr std::size_t kMaxPendingHaves = 65536;

std::string describe(const BlockRef& b) {
  return "piece " + std::to_string(b.piece) + ", offset " + std::to_string(b.begin) + ", " +
         std::to_string(b.length) + " bytes";
}

}  // namespace

std::uint32_t PieceGeometry::size_of(std::uint32_t piece) const {
  if (piece >= piece_count) return 0;
  if (piece + 1 < piece_count) return piece_length;
  return static_cast<std::uint32_t>(total_size - std::uint64_t{piece_length} * piece);
}

// One handler per message type; std::visit picks it.
struct PeerProtocol::Handler {
  PeerProtocol& p;

  Result<void> operator()(const KeepAlive&) const { return {}; }
  Result<void> operator()(const Unknown&) const { return {}; }
  Result<void> operator()(const Choke&) const {
    p.on_choke();
    return {};
  }
  Result<void> operator()(const Unchoke&) const {
    p.peer_choking_ = false;
    p.emit(event::Unchoked{});
    return {};
  }
  Result<void> operator()(const Interested&) const {
    p.peer_interested_ = true;
    p.emit(event::Interested{});
    return {};
  }
  Result<void> operator()(const NotInterested&) const {
    p.peer_interested_ = false;
    p.emit(event::NotInterested{});
    return {};
  }
  Result<void> operator()(const Have& m) const { return p.on_have(m.piece); }
  Result<void> operator()(const BitfieldMessage& m) const { return p.on_bitfield(m.bits); }
  Result<void> operator()(const Request& m) const { return p.on_request(m.block); }
  Result<void> operator()(const Piece& m) const { return p.on_piece(m); }
  Result<void> operator()(const Cancel& m) const {
    p.on_cancel(m.block);
    return {};
  }
  Result<void> operator()(const Port& m) const {
    p.emit(event::DhtPort{m.port});
    return {};
  }
  Result<void> operator()(const Suggest& m) const {
    if (auto ok = p.need_fast("suggest"); !ok) return ok;
    if (auto ok = p.check_index("suggest", m.piece); !ok) return ok;
    p.emit(event::Suggest{m.piece});
    return {};
  }
  Result<void> operator()(const HaveAll&) const { return p.on_have_all_or_none(true); }
  Result<void> operator()(const HaveNone&) const { return p.on_have_all_or_none(false); }
  Result<void> operator()(const Reject& m) const { return p.on_reject(m.block); }
  Result<void> operator()(const AllowedFast& m) const {
    if (auto ok = p.need_fast("allowed fast"); !ok) return ok;
    if (auto ok = p.check_index("allowed fast", m.piece); !ok) return ok;
    p.on_allowed_fast(m.piece);
    return {};
  }
  Result<void> operator()(const Extended& m) const { return p.on_extended(m); }
};

PeerProtocol::PeerProtocol(PeerProtocolOptions options, std::optional<PieceGeometry> geometry)
    : options_(std::move(options)) {
  if (geometry) {
    geometry_ = geometry;
    peer_pieces_ = Bitfield(geometry->piece_count);
  }
}

Result<void> PeerProtocol::on_message(const Message& message) {
  return std::visit(Handler{*this}, message);
}

Result<void> PeerProtocol::set_geometry(const PieceGeometry& geometry) {
  geometry_ = geometry;
  peer_pieces_ = Bitfield(geometry.piece_count);
  const bool had_news = pending_bitfield_ || pending_all_ || !pending_haves_.empty();
  if (pending_bitfield_) {
    auto bits = Bitfield::from_wire(*pending_bitfield_, geometry.piece_count);
    if (!bits) return fail("peer's early " + bits.error().message);
    peer_pieces_ = std::move(*bits);
  }
  if (pending_all_.value_or(false)) peer_pieces_.set_all();
  for (auto piece : pending_haves_) {
    if (auto ok = check_index("have", piece); !ok) return ok;
    peer_pieces_.set(piece);
  }
  pending_bitfield_.reset();
  pending_all_.reset();
  pending_haves_.clear();
  if (had_news) emit(event::Availability{});
  return {};
}

void PeerProtocol::set_serving(std::uint32_t max_peer_requests,
                               std::function<bool(std::uint32_t)> we_have) {
  options_.max_peer_requests = max_peer_requests;
  options_.we_have = std::move(we_have);
}

Result<void> PeerProtocol::need_fast(const char* what) const {
  if (options_.fast_extension) return {};
  // BEP 6: "When the fast extension is disabled ... MUST close the connection".
  return fail(std::string("peer sent a ") + what + " message without the fast extension");
}

Result<void> PeerProtocol::check_index(const char* what, std::uint32_t piece) const {
  if (!geometry_ || piece < geometry_->piece_count) return {};
  return fail(std::string("peer sent a ") + what + " for piece " + std::to_string(piece) +
              " of a torrent with " + std::to_string(geometry_->piece_count) + " pieces");
}

Result<void> PeerProtocol::start_availability(const char* what) {
  // BEP 3 / BEP 6: the whole-availability message comes once, before any have.
  if (availability_seen_) {
    return fail(std::string("peer sent a ") + what + " after it had already sent availability");
  }
  availability_seen_ = true;
  return {};
}

Result<void> PeerProtocol::on_have(std::uint32_t piece) {
  if (auto ok = check_index("have", piece); !ok) return ok;
  availability_seen_ = true;
  if (!geometry_) {
    if (pending_haves_.size() >= kMaxPendingHaves) {
      return fail("peer sent more than 65536 have messages before we knew the piece count");
    }
    pending_haves_.push_back(piece);
    return {};
  }
  if (!peer_pieces_.test(piece)) {
    peer_pieces_.set(piece);
    emit(event::Have{piece});
  }
  return {};
}

Result<void> PeerProtocol::on_bitfield(std::string_view bits) {
  // aria2 sends its bitfield again later in a connection (after have_none
  // or haves). Tolerated for interoperability: the new pieces in it count as
  // haves; pieces it no longer lists stay (peers do not lose pieces).
  if (availability_seen_ && geometry_) {
    auto parsed = Bitfield::from_wire(bits, geometry_->piece_count);
    if (!parsed) return fail("peer sent a " + parsed.error().message);
    for (std::uint32_t piece = 0; piece < geometry_->piece_count; ++piece) {
      if (!parsed->test(piece) || peer_pieces_.test(piece)) continue;
      peer_pieces_.set(piece);
      emit(event::Have{piece});
    }
    return {};
  }
  if (auto ok = start_availability("bitfield"); !ok) return ok;
  if (!geometry_) {
    pending_bitfield_ = std::string(bits);  // MessageReader capped its size
    return {};
  }
  auto parsed = Bitfield::from_wire(bits, geometry_->piece_count);
  if (!parsed) return fail("peer sent a " + parsed.error().message);
  peer_pieces_ = std::move(*parsed);
  emit(event::Availability{});
  return {};
}

Result<void> PeerProtocol::on_have_all_or_none(bool all) {
  const char* what = all ? "have all" : "have none";
  if (auto ok = need_fast(what); !ok) return ok;
  if (auto ok = start_availability(what); !ok) return ok;
  if (!geometry_) {
    pending_all_ = all;
    return {};
  }
  if (all) peer_pieces_.set_all();
  emit(event::Availability{});
  return {};
}

Result<void> PeerProtocol::check_request(const BlockRef& b) const {
  if (b.length == 0 || b.length > options_.max_request_length) {
    return fail("peer requested " + describe(b) + ", expected 1 to " +
                std::to_string(options_.max_request_length) + " bytes");
  }
  if (!geometry_) return {};
  if (auto ok = check_index("request", b.piece); !ok) return ok;
  if (std::uint64_t{b.begin} + b.length > geometry_->size_of(b.piece)) {
    return fail("peer requested " + describe(b) + ", past the end of the piece (" +
                std::to_string(geometry_->size_of(b.piece)) + " bytes)");
  }
  return {};
}

Result<void> PeerProtocol::on_request(const BlockRef& block) {
  if (auto ok = check_request(block); !ok) return ok;
  if (std::find(peer_requests_.begin(), peer_requests_.end(), block) != peer_requests_.end()) {
    return {};  // a duplicate earns one answer, not two
  }
  if (!geometry_ || !serves(block) || peer_requests_.size() >= options_.max_peer_requests) {
    refuse(block);
    return {};
  }
  peer_requests_.push_back(block);
  emit(event::Request{block});
  return {};
}

Result<void> PeerProtocol::on_piece(const Piece& piece) {
  if (erase_outstanding(piece.ref())) {
    emit(event::Block{piece});
    return {};
  }
  // BEP 6: "if a peer receives a piece that was never requested, the peer
  // MUST close the connection". Without it, a choke/unchoke race can deliver
  // a block we already gave up on (BEP 3): drop it.
  if (options_.fast_extension)
    return fail("peer sent a block we did not request: " + describe(piece.ref()));
  return {};
}

Result<void> PeerProtocol::on_reject(const BlockRef& block) {
  if (auto ok = need_fast("reject"); !ok) return ok;
  if (!erase_outstanding(block)) {
    return fail("peer rejected a request we never sent: " + describe(block));
  }
  emit(event::Rejected{block});
  return {};
}

Result<void> PeerProtocol::on_extended(const Extended& m) {
  if (!options_.extension_protocol) {
    return fail("peer sent an extended message without the extension protocol");
  }
  if (m.id != kExtendedHandshakeId) {
    emit(event::ExtendedMessage{m.id, m.payload});
    return {};
  }
  auto handshake = decode_extended_handshake(m.payload);
  if (!handshake) return fail("peer sent a bad " + handshake.error().message);
  merge_extended_handshake(peer_extensions_, *handshake);
  emit(event::ExtendedHandshake{});
  return {};
}

void PeerProtocol::on_choke() {
  peer_choking_ = true;
  event::Choked choked;
  // BEP 3: a choke drops our requests; BEP 6: each still gets an answer.
  if (!options_.fast_extension) choked.dropped = std::exchange(outstanding_, {});
  emit(std::move(choked));
}

void PeerProtocol::on_cancel(const BlockRef& block) {
  auto it = std::find(peer_requests_.begin(), peer_requests_.end(), block);
  if (it == peer_requests_.end()) return;  // already served or refused
  peer_requests_.erase(it);
  // BEP 6: even a cancelled request gets exactly one answer.
  if (options_.fast_extension) send(Reject{block});
  emit(event::Cancelled{block});
}

void PeerProtocol::on_allowed_fast(std::uint32_t piece) {
  const bool known = std::find(allowed_from_peer_.begin(), allowed_from_peer_.end(), piece) !=
                     allowed_from_peer_.end();
  if (!known && allowed_from_peer_.size() < options_.max_allowed_fast) {
    allowed_from_peer_.push_back(piece);
  }
  emit(event::AllowedFast{piece});
}

bool PeerProtocol::serves(const BlockRef& block) const {
  if (!options_.we_have || !options_.we_have(block.piece)) return false;
  return !am_choking_ || allowed_for_peer(block.piece);
}

bool PeerProtocol::allowed_for_peer(std::uint32_t piece) const {
  return options_.fast_extension && std::find(allowed_for_peer_.begin(), allowed_for_peer_.end(),
                                              piece) != allowed_for_peer_.end();
}

bool PeerProtocol::erase_outstanding(const BlockRef& block) {
  auto it = std::find(outstanding_.begin(), outstanding_.end(), block);
  if (it == outstanding_.end()) return false;
  outstanding_.erase(it);
  return true;
}

void PeerProtocol::refuse(const BlockRef& block) {
  if (options_.fast_extension) send(Reject{block});  // BEP 3 without it: silently dropped
}

}  // namespace btnode::wire
