// What wire::PeerProtocol tells its owner (node/'s PeerConnection / Torrent)
// after a message from the peer: one small value per kind of news.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "wire/message.h"

namespace btnode::wire::event {

// The peer choked us. Without the fast extension a choke silently cancels
// every request we had outstanding (BEP 3); they are listed so the picker can
// hand them to other peers. With it, each request still gets a piece or a
// reject (BEP 6), so `dropped` is empty.
struct Choked {
  std::vector<BlockRef> dropped;
};
struct Unchoked {};
struct Interested {};
struct NotInterested {};
struct Have {
  std::uint32_t piece = 0;
};
// The peer's whole availability arrived (bitfield, have_all or have_none);
// read it from PeerProtocol::peer_pieces().
struct Availability {};
// A block we requested arrived. `data` views the MessageReader's buffer.
struct Block {
  Piece piece;
};
// BEP 6: the peer will not send a block we asked for.
struct Rejected {
  BlockRef block;
};
// The peer asked for a block we may serve; it is queued in the protocol.
// Read it from disk, then PeerProtocol::take_request() before sending.
struct Request {
  BlockRef block;
};
// The peer cancelled a queued request (abort the disk read if possible).
struct Cancelled {
  BlockRef block;
};
struct Suggest {
  std::uint32_t piece = 0;
};
// BEP 6: we may request this piece even while choked.
struct AllowedFast {
  std::uint32_t piece = 0;
};
struct DhtPort {
  std::uint16_t port = 0;  // BEP 5
};
// BEP 10: read PeerProtocol::peer_extensions() for the merged result.
struct ExtendedHandshake {};
// An extended message on one of OUR extension ids (BEP 10). `payload` views
// the MessageReader's buffer.
struct ExtendedMessage {
  std::uint8_t id = 0;
  std::string_view payload;
};

}  // namespace btnode::wire::event

namespace btnode::wire {

using PeerEvent =
    std::variant<event::Choked, event::Unchoked, event::Interested, event::NotInterested,
                 event::Have, event::Availability, event::Block, event::Rejected, event::Request,
                 event::Cancelled, event::Suggest, event::AllowedFast, event::DhtPort,
                 event::ExtendedHandshake, event::ExtendedMessage>;

}  // namespace btnode::wire
