#include "node/torrent_extensions.h"

#include <spdlog/spdlog.h>

#include "node/metadata_fetch.h"
#include "pex/pex_flags.h"
#include "wire/ut_metadata.h"

namespace btnode::node {

TorrentExtensions::TorrentExtensions(const Metainfo& meta, ExtensionOptions options)
    : info_(meta.info_bytes), options_(options), pex_enabled_(options.pex && !meta.is_private) {}

void TorrentExtensions::fill_handshake(wire::ExtendedHandshake& ours) const {
  if (!info_.empty()) {
    ours.extensions[std::string(wire::kUtMetadata)] = kOurUtMetadataId;
    ours.metadata_size = static_cast<std::uint32_t>(info_.size());
  }
  if (pex_enabled_) ours.extensions[std::string(wire::kUtPex)] = kOurUtPexId;
}

void TorrentExtensions::on_message(PeerConnection& peer, std::uint8_t id, std::string_view payload,
                                   const AddPeer& add_peer) {
  if (id == kOurUtMetadataId) return serve_metadata(peer, payload);
  if (id == kOurUtPexId && pex_enabled_) return on_pex(peer, payload, add_peer);
}

// BEP 9: answer each request with the piece, or reject one out of range.
void TorrentExtensions::serve_metadata(PeerConnection& peer, std::string_view payload) {
  auto their_id = peer.protocol().peer_extensions().id_of(wire::kUtMetadata);
  if (!their_id) return;  // it never said where to send answers
  auto message = wire::decode_metadata_message(payload);
  if (!message) return peer.close("bad ut_metadata message: " + message.error().message);
  if (message->type != wire::MetadataMessageType::request) return;
  const std::uint64_t begin = std::uint64_t{message->piece} * wire::kMetadataPieceSize;
  if (info_.empty() || begin >= info_.size()) {
    peer.protocol().send_extended(*their_id, wire::encode_metadata_reject(message->piece));
    return;
  }
  auto piece = std::string_view(info_).substr(begin, wire::kMetadataPieceSize);
  peer.protocol().send_extended(
      *their_id, wire::encode_metadata_data(message->piece,
                                            static_cast<std::uint32_t>(info_.size()), piece));
  ++stats_.metadata_pieces_served;
}

void TorrentExtensions::on_pex(PeerConnection& peer, std::string_view payload,
                               const AddPeer& add_peer) {
  auto message = pex::decode_pex(payload);
  if (!message) return peer.close(message.error().message);
  ++stats_.pex_messages_received;
  auto& receiver = receivers_.try_emplace(&peer).first->second;
  auto accepted = receiver.accept(*message, std::chrono::steady_clock::now());
  if (!accepted) {
    spdlog::debug("pex from {} ignored: {}", peer.remote().to_string(), accepted.error().message);
    return;
  }
  for (const auto& p : *accepted) {
    if (add_peer && add_peer(p)) ++stats_.pex_peers_learned;
  }
}

namespace {

// The endpoint other peers can dial for `peer`: where we dialled it, or its
// address with the port from its extended handshake.
std::optional<pex::PexPeer> dialable(PeerConnection& peer) {
  if (!peer.attached()) return std::nullopt;
  pex::PexPeer out;
  const auto& ext = peer.protocol().peer_extensions();
  if (peer.is_outgoing()) {
    out.endpoint = peer.remote();
  } else if (ext.listen_port) {
    out.endpoint = peer.remote().with_port(*ext.listen_port);
  } else {
    return std::nullopt;
  }
  out.flags = pex::flags_for({.outgoing = peer.is_outgoing(),
                              .encrypted = peer.encrypted(),
                              .seed = peer.protocol().peer_is_seed() || ext.upload_only});
  return out;
}

}  // namespace

void TorrentExtensions::tick(const std::vector<PeerConnection*>& peers,
                             std::chrono::steady_clock::time_point now) {
  if (!pex_enabled_) return;
  std::vector<std::pair<PeerConnection*, pex::PexPeer>> known;
  for (auto* p : peers) {
    if (auto d = dialable(*p)) known.emplace_back(p, *d);
  }
  for (auto* p : peers) {
    if (!p->attached() || p->closed()) continue;
    auto their_id = p->protocol().peer_extensions().id_of(wire::kUtPex);
    if (!their_id) continue;
    std::vector<pex::PexPeer> others;
    for (const auto& [conn, entry] : known) {
      if (conn != p) others.push_back(entry);
    }
    auto& sender = senders_.try_emplace(p, options_.pex_interval).first->second;
    auto message = sender.update(others, now);
    if (!message) continue;
    p->protocol().send_extended(*their_id, pex::encode_pex(*message));
    p->flush();
    ++stats_.pex_messages_sent;
  }
}

void TorrentExtensions::on_closed(PeerConnection& peer) {
  senders_.erase(&peer);
  receivers_.erase(&peer);
}

}  // namespace btnode::node
