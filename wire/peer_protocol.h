// PeerProtocol: the per-peer state of one connection after the handshake,
// sans-I/O.
//
// It is fed the messages MessageReader decoded (on_message) and the owner's
// decisions (choke, request, have, ...). It answers with bytes to send
// (take_output) and events for the owner (take_events), and enforces the
// protocol rules a hostile peer could break:
//   - BEP 3: have/bitfield indices within the torrent, bitfield spare bits
//     zero, availability (bitfield/have_all/have_none) at most once and before
//     any have, requests inside a piece and no longer than the cap, the
//     peer's request queue bounded by the reqq we advertised;
//   - BEP 6 (only when both ends set the bit): have_all, have_none, suggest,
//     reject and allowed_fast are errors without it; requests we will not
//     serve are rejected, not dropped; a choke rejects the queue except the
//     allowed-fast pieces; a piece or reject we never asked for is an error;
//   - BEP 10: extended messages only when negotiated.
// A rule broken returns an Error: the owner closes the connection.
//
// Timers (request timeouts, keep-alives, snubbing) stay with the owner: this
// object never reads a clock.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bitfield.h"
#include "core/result.h"
#include "wire/extended_handshake.h"
#include "wire/message.h"
#include "wire/peer_events.h"

namespace btnode::wire {

// Piece sizes of the torrent, so requests can be checked against them.
struct PieceGeometry {
  std::uint32_t piece_count = 0;
  std::uint32_t piece_length = 0;
  std::uint64_t total_size = 0;
  // 0 for an index out of range.
  std::uint32_t size_of(std::uint32_t piece) const;
};

struct PeerProtocolOptions {
  bool fast_extension = false;      // both handshakes set BEP 6's bit
  bool extension_protocol = false;  // both handshakes set BEP 10's bit
  // Requests longer than this are a protocol error. BEP 3 says 16 KiB is
  // what everyone sends; some old clients asked for up to 128 KiB.
  std::uint32_t max_request_length = 128 * 1024;
  // The reqq we advertise: how many of the peer's requests we queue.
  std::uint32_t max_peer_requests = 500;
  // Our outstanding requests when the peer advertised no reqq (BEP 10 cites
  // libtorrent's default of 250).
  std::uint32_t default_peer_reqq = 250;
  // How many allowed_fast pieces from the peer we remember.
  std::uint32_t max_allowed_fast = 64;
  // Which pieces we have (and may serve). Unset: none.
  std::function<bool(std::uint32_t)> we_have;
};

class PeerProtocol {
 public:
  // `geometry` may be unknown for a magnet download until the metadata is in.
  explicit PeerProtocol(PeerProtocolOptions options,
                        std::optional<PieceGeometry> geometry = std::nullopt);

  // Installs the geometry once the metadata is known; availability that came
  // before it is checked now (an out-of-range have is an error then).
  Result<void> set_geometry(const PieceGeometry& geometry);
  // A new owner takes the connection (a magnet download's metadata phase
  // hands it to the torrent): its request queue bound and what we have
  // replace the old ones; the negotiated extension bits stay.
  void set_serving(std::uint32_t max_peer_requests, std::function<bool(std::uint32_t)> we_have);

  // ------------------------------------------------ from the peer
  Result<void> on_message(const Message& message);

  // ------------------------------------------------ our decisions
  void choke();
  void unchoke();
  void interested();
  void not_interested();
  // Whether request() would send now for `piece`.
  bool can_request(std::uint32_t piece) const;
  // Sends a request if allowed (peer unchoked us or the piece is allowed
  // fast, and fewer than the peer's reqq are outstanding); false otherwise.
  bool request(const BlockRef& block);
  // With BEP 6 the request stays outstanding until its piece or reject
  // arrives (the peer answers every request exactly once).
  void cancel(const BlockRef& block);
  // Removes a queued peer request before its piece is written (see
  // append_piece_header); false if it was cancelled or rejected meanwhile.
  bool take_request(const BlockRef& block);
  // Refuses a queued peer request (BEP 6 reject; dropped without it).
  void reject_request(const BlockRef& block);
  void have(std::uint32_t piece);
  // The first message after the handshake: have_all/have_none when BEP 6 is
  // on and they fit, otherwise a bitfield (nothing for an empty one without BEP 6).
  void send_availability(const Bitfield& ours);
  // BEP 6: we will serve `piece` to this peer even while choking it.
  void allow_fast(std::uint32_t piece);
  void suggest(std::uint32_t piece);
  void send_port(std::uint16_t dht_port);
  void send_extended_handshake(const ExtendedHandshake& ours);
  void send_extended(std::uint8_t peer_id_for_extension, std::string_view payload);
  void keep_alive();

  // ------------------------------------------------ outputs and state
  std::string take_output();
  std::vector<PeerEvent> take_events();

  bool am_choking() const { return am_choking_; }
  bool am_interested() const { return am_interested_; }
  bool peer_choking() const { return peer_choking_; }
  bool peer_interested() const { return peer_interested_; }
  // Sized to the geometry; empty until it is known.
  const Bitfield& peer_pieces() const { return peer_pieces_; }
  bool peer_is_seed() const { return peer_pieces_.size() > 0 && peer_pieces_.all(); }
  const std::vector<BlockRef>& outstanding() const { return outstanding_; }
  const std::deque<BlockRef>& peer_requests() const { return peer_requests_; }
  const ExtendedHandshake& peer_extensions() const { return peer_extensions_; }
  std::uint32_t peer_reqq() const;
  const std::vector<std::uint32_t>& allowed_fast_from_peer() const { return allowed_from_peer_; }

 private:
  struct Handler;  // one overload per message type (peer_protocol.cpp)

  void send(const Message& message);
  void emit(PeerEvent event) { events_.push_back(std::move(event)); }
  Result<void> need_fast(const char* what) const;
  Result<void> check_index(const char* what, std::uint32_t piece) const;
  Result<void> check_request(const BlockRef& block) const;
  Result<void> start_availability(const char* what);
  Result<void> on_have(std::uint32_t piece);
  Result<void> on_bitfield(std::string_view bits);
  Result<void> on_have_all_or_none(bool all);
  Result<void> on_request(const BlockRef& block);
  Result<void> on_piece(const Piece& piece);
  Result<void> on_reject(const BlockRef& block);
  Result<void> on_extended(const Extended& message);
  void on_choke();
  void on_cancel(const BlockRef& block);
  void on_allowed_fast(std::uint32_t piece);
  void refuse(const BlockRef& block);
  bool serves(const BlockRef& block) const;
  bool allowed_for_peer(std::uint32_t piece) const;
  bool erase_outstanding(const BlockRef& block);

  PeerProtocolOptions options_;
  std::optional<PieceGeometry> geometry_;
  bool am_choking_ = true;
  bool am_interested_ = false;
  bool peer_choking_ = true;
  bool peer_interested_ = false;
  bool availability_seen_ = false;  // bitfield/have_all/have_none or a have
  Bitfield peer_pieces_;
  // Before the geometry is known: what the peer said, checked later.
  std::optional<std::string> pending_bitfield_;
  std::optional<bool> pending_all_;
  std::vector<std::uint32_t> pending_haves_;
  std::vector<BlockRef> outstanding_;             // our requests to the peer
  std::deque<BlockRef> peer_requests_;            // the peer's requests to us, in order
  std::vector<std::uint32_t> allowed_for_peer_;   // pieces we allow it while choked
  std::vector<std::uint32_t> allowed_from_peer_;  // pieces it allows us while choked
  ExtendedHandshake peer_extensions_;
  std::string output_;
  std::vector<PeerEvent> events_;
};

}  // namespace btnode::wire
