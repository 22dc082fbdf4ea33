// PeerProtocol: our decisions toward the peer, and the output queues.
#include <algorithm>
#include <utility>

#include "wire/peer_protocol.h"

namespace btnode::wire {

void PeerProtocol::send(const Message& message) {
  append_message(output_, message);
}

std::string PeerProtocol::take_output() {
  return std::exchange(output_, {});
}

std::vector<PeerEvent> PeerProtocol::take_events() {
  return std::exchange(events_, {});
}

std::uint32_t PeerProtocol::peer_reqq() const {
  return peer_extensions_.reqq.value_or(options_.default_peer_reqq);
}

void PeerProtocol::choke() {
  if (am_choking_) return;
  am_choking_ = true;
  // BEP 6: choke first, then reject, so the peer does not re-request.
  send(Choke{});
  std::deque<BlockRef> kept;
  for (const auto& block : peer_requests_) {
    if (allowed_for_peer(block.piece)) {
      kept.push_back(block);
    } else {
      refuse(block);
    }
  }
  peer_requests_ = std::move(kept);
}

void PeerProtocol::unchoke() {
  if (!am_choking_) return;
  am_choking_ = false;
  send(Unchoke{});
}

void PeerProtocol::interested() {
  if (am_interested_) return;
  am_interested_ = true;
  send(Interested{});
}

void PeerProtocol::not_interested() {
  if (!am_interested_) return;
  am_interested_ = false;
  send(NotInterested{});
}

bool PeerProtocol::can_request(std::uint32_t piece) const {
  if (outstanding_.size() >= peer_reqq()) return false;
  if (!peer_choking_) return true;
  return options_.fast_extension && std::find(allowed_from_peer_.begin(), allowed_from_peer_.end(),
                                              piece) != allowed_from_peer_.end();
}

bool PeerProtocol::request(const BlockRef& block) {
  if (!can_request(block.piece)) return false;
  if (std::find(outstanding_.begin(), outstanding_.end(), block) != outstanding_.end()) {
    return true;  // already in flight
  }
  outstanding_.push_back(block);
  send(Request{block});
  return true;
}

void PeerProtocol::cancel(const BlockRef& block) {
  if (std::find(outstanding_.begin(), outstanding_.end(), block) == outstanding_.end()) return;
  send(Cancel{block});
  // BEP 6 promises a piece or a reject for it, so it stays outstanding then.
  if (!options_.fast_extension) erase_outstanding(block);
}

bool PeerProtocol::take_request(const BlockRef& block) {
  auto it = std::find(peer_requests_.begin(), peer_requests_.end(), block);
  if (it == peer_requests_.end()) return false;
  peer_requests_.erase(it);
  return true;
}

void PeerProtocol::reject_request(const BlockRef& block) {
  if (take_request(block)) refuse(block);
}

void PeerProtocol::have(std::uint32_t piece) {
  send(Have{piece});
}

void PeerProtocol::send_availability(const Bitfield& ours) {
  if (options_.fast_extension && ours.all()) {
    send(HaveAll{});
  } else if (options_.fast_extension && ours.none()) {
    send(HaveNone{});  // BEP 6: exactly one availability message
  } else if (!ours.none()) {
    send(BitfieldMessage{ours.wire()});  // BEP 3: an empty one may be skipped
  }
}

void PeerProtocol::allow_fast(std::uint32_t piece) {
  if (!options_.fast_extension || allowed_for_peer(piece)) return;
  allowed_for_peer_.push_back(piece);
  send(AllowedFast{piece});
}

void PeerProtocol::suggest(std::uint32_t piece) {
  if (options_.fast_extension) send(Suggest{piece});
}

void PeerProtocol::send_port(std::uint16_t dht_port) {
  send(Port{dht_port});
}

void PeerProtocol::send_extended_handshake(const ExtendedHandshake& ours) {
  if (!options_.extension_protocol) return;
  send(Extended{kExtendedHandshakeId, encode_extended_handshake(ours)});
}

void PeerProtocol::send_extended(std::uint8_t peer_id_for_extension, std::string_view payload) {
  if (options_.extension_protocol) send(Extended{peer_id_for_extension, payload});
}

void PeerProtocol::keep_alive() {
  send(KeepAlive{});
}

}  // namespace btnode::wire
