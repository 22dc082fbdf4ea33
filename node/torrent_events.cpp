// Torrent's side of each peer: what it does on each wire::PeerEvent, and the
// requests and choking decisions that follow (one handler per event kind).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "node/torrent.h"
#include "wire/extended_handshake.h"

namespace btnode::node {

struct Torrent::EventVisitor {
  Torrent& t;
  PeerConnection& peer;

  void operator()(const wire::event::Choked& e) const {
    for (const auto& block : e.dropped) t.queue_.returned(block);
  }
  void operator()(const wire::event::Unchoked&) const {}
  void operator()(const wire::event::Interested&) const { t.unchoke_if_slot(peer); }
  void operator()(const wire::event::NotInterested&) const {
    if (!peer.protocol().am_choking()) peer.protocol().choke();
  }
  void operator()(const wire::event::Have& e) const {
    if (t.queue_.wanted(e.piece) && !peer.protocol().am_interested()) peer.protocol().interested();
  }
  void operator()(const wire::event::Availability&) const { t.update_interest(peer); }
  void operator()(const wire::event::Block& e) const { t.on_block(peer, e.piece); }
  void operator()(const wire::event::Rejected& e) const { t.queue_.returned(e.block); }
  void operator()(const wire::event::Request& e) const { t.serve_request(peer, e.block); }
  void operator()(const wire::event::Cancelled&) const {}  // take_request() will say no
  void operator()(const wire::event::Suggest&) const {}
  void operator()(const wire::event::AllowedFast&) const {}
  void operator()(const wire::event::DhtPort&) const {}
  void operator()(const wire::event::ExtendedHandshake&) const {}
  void operator()(const wire::event::ExtendedMessage&) const {}
};

void Torrent::on_peer_attached(PeerConnection& peer) {
  auto& protocol = peer.protocol();
  if (peer.peer_handshake().reserved.extension_protocol() &&
      connection_options_.reserved.extension_protocol()) {
    wire::ExtendedHandshake ours;
    ours.client = "btnode 0.1.0";
    ours.reqq = options_.max_peer_requests;
    if (options_.listen_port != 0) ours.listen_port = options_.listen_port;
    protocol.send_extended_handshake(ours);
  }
  protocol.send_availability(storage_->have());
  spdlog::info("{}: peer {} connected ({})", meta_.name, peer.remote().to_string(),
               peer.is_outgoing() ? "out" : "in");
}

void Torrent::on_peer_events(PeerConnection& peer, std::vector<wire::PeerEvent>& events) {
  if (stopped_) return;
  for (const auto& event : events) {
    std::visit(EventVisitor{*this, peer}, event);
    if (peer.closed()) return;
  }
  fill_requests(peer);
}

void Torrent::update_interest(PeerConnection& peer) {
  auto& protocol = peer.protocol();
  bool want = false;
  const auto& theirs = protocol.peer_pieces();
  for (std::uint32_t i = 0; i < theirs.size() && !want; ++i) {
    want = theirs.test(i) && queue_.wanted(i);
  }
  if (want && !protocol.am_interested()) protocol.interested();
  if (!want && protocol.am_interested()) protocol.not_interested();
}

void Torrent::fill_requests(PeerConnection& peer) {
  auto& protocol = peer.protocol();
  if (!protocol.am_interested() || checking_ || storage_->stopped()) return;
  auto peer_has = [&](std::uint32_t piece) {
    return protocol.peer_pieces().test(piece) && protocol.can_request(piece);
  };
  auto already = [&](const wire::BlockRef& block) {
    const auto& out = protocol.outstanding();
    return std::find(out.begin(), out.end(), block) != out.end();
  };
  while (protocol.outstanding().size() < options_.request_queue) {
    auto block = queue_.pick(peer_has, already);
    if (!block) break;
    if (!protocol.request(*block)) {
      queue_.returned(*block);
      break;
    }
  }
  // Nothing left to ask this peer for: tell it, so it may choke us.
  if (protocol.outstanding().empty() && !protocol.peer_choking()) update_interest(peer);
}

std::size_t Torrent::unchoked_count() const {
  std::size_t n = 0;
  for (const auto& [raw, conn] : peers_) {
    n += conn->attached() && !conn->protocol().am_choking() ? 1 : 0;
  }
  return n;
}

void Torrent::unchoke_if_slot(PeerConnection& peer) {
  auto& protocol = peer.protocol();
  if (!protocol.am_choking() || !protocol.peer_interested()) return;
  if (unchoked_count() < options_.unchoke_slots) protocol.unchoke();
}

void Torrent::serve_request(PeerConnection& peer, const wire::BlockRef& block) {
  std::weak_ptr<PeerConnection> weak = peer.shared_from_this();
  bool reading = storage_->read_block(block.piece, block.begin, block.length,
                                      [this, weak, block](storage::ReadResult read) {
                                        auto conn = weak.lock();
                                        if (!conn || conn->closed() || read.error) return;
                                        if (!conn->protocol().take_request(block))
                                          return;  // cancelled meanwhile
                                        uploaded_ += read.data.size();
                                        conn->send_piece(block, std::move(read.data));
                                      });
  if (!reading) peer.protocol().reject_request(block);
}

void Torrent::on_block(PeerConnection& peer, const wire::Piece& piece) {
  downloaded_ += piece.data.size();
  auto status = storage_->add_block(piece.piece, piece.begin, piece.data, peer.key());
  if (status == storage::BlockStatus::invalid) return;
  queue_.received(piece.ref());
  cancel_elsewhere(peer, piece.ref());
}

// Endgame: the same block may be outstanding at another peer.
void Torrent::cancel_elsewhere(PeerConnection& from, const wire::BlockRef& block) {
  if (!queue_.endgame()) return;
  for (auto& [raw, conn] : peers_) {
    if (raw == &from || !conn->attached()) continue;
    const auto& out = conn->protocol().outstanding();
    if (std::find(out.begin(), out.end(), block) == out.end()) continue;
    conn->protocol().cancel(block);
    conn->flush();
  }
}

}  // namespace btnode::node
