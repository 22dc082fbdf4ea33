// PiecePicker: which 16 KiB blocks to request from which peer, sans-I/O.
//
// One per torrent, owned by the Torrent on the network thread. It is told
// what every peer has (bitfield, have, have_all, peer left), which pieces we
// want, and what happened to each request; it answers with the blocks to
// request and, in endgame, the duplicate requests to cancel.
//
// Policy, in the order pick() applies it:
//   1. choked by the peer: only its BEP 6 allowed-fast pieces;
//   2. blocks of pieces already started (partial), so pieces complete and can
//      be verified and shared early instead of spreading over many pieces;
//   3. rarest-first with a random tie-break (BEP 3 practice: rare pieces go
//      first so they do not vanish with the peer that has them), or, in
//      sequential mode, strictly in piece order (streaming);
//   4. endgame: once every missing block is requested, the last blocks are
//      requested again from other peers (bounded duplicates per block); the
//      first copy to arrive wins and on_block_received names the
//      duplicates to cancel.
//
// Complexity (n = pieces, b = distinct availability values <= peers + 1,
// a = started pieces, usually a few per peer):
//   - availability change (have, or one bit of a bitfield): O(1) — pieces
//     are kept grouped by availability in one array (libtorrent's layout);
//     bitfield add/remove O(n); have_all/have_none O(1) (seeds are counted
//     apart because they do not change the order);
//   - pick: O(a + b + pieces examined); a piece is examined until one the
//     peer has is found, so the common case is a handful. A peer with fewer
//     than 1/8 of the missing pieces is served from its bitfield instead,
//     O(n/8 + its pieces) per piece opened. The scan stays O(n) at worst
//     (a peer whose pieces all sit behind a large rarer bucket it lacks);
//   - piece passed / wanted toggled: O(b).
// No clock is read: request timeouts belong to the owner, which reports
// them through on_request_timed_out.
//
// How a Torrent drives it (key = its PeerKey for the connection):
//   bitfield / have_all / have   -> add_peer_bitfield / add_have_all / add_have
//   room for requests            -> pick({&protocol.peer_pieces(), key,
//                                    pipeline.room(...), protocol.peer_choking(),
//                                    protocol.allowed_fast_from_peer()});
//                                   a block PeerProtocol::request refuses goes
//                                   back with on_request_rejected
//   piece                        -> on_block_received: drop it unless accepted,
//                                   send each cancel, hash when piece_complete
//   reject / request timer       -> on_request_rejected / on_request_timed_out
//   choke without BEP 6, snub    -> release_peer (the peer dropped them all)
//   hash passed / failed         -> on_piece_passed (then `have` to peers) /
//                                   on_piece_failed (senders to the BanList)
//   connection closed            -> release_peer, then remove_peer_bitfield
//                                   (its final pieces) or remove_have_all
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "core/bitfield.h"
#include "node/peer_key.h"
#include "wire/message.h"

namespace btnode::node {

using BlockRef = wire::BlockRef;

inline constexpr std::uint32_t kBlockSize = 16 * 1024;  // BEP 3: what every client requests

struct PiecePickerOptions {
  std::uint32_t piece_count = 0;
  std::uint32_t piece_length = 0;  // bytes; a multiple of kBlockSize or smaller than one block
  std::uint64_t total_size = 0;    // bytes; gives the last piece's size
  bool sequential = false;
  // Endgame: how many peers may hold a request for the same block at once.
  std::uint32_t endgame_max_requesters = 2;
  // Tie-break seed; unset: drawn from libsodium. Tests fix it.
  std::optional<std::uint64_t> seed;
};

struct PickRequest {
  const Bitfield* peer_has = nullptr;  // the peer's pieces (required)
  PeerKey peer = 0;
  std::uint32_t count = 0;  // how many blocks the peer's pipeline has room for
  // When the peer chokes us, only these pieces may be requested (BEP 6).
  bool choked = false;
  std::span<const std::uint32_t> allowed_fast;
};

struct Cancel {
  PeerKey peer = 0;
  BlockRef block;
  bool operator==(const Cancel&) const = default;
};

struct BlockReceived {
  // False: the block was already received (a late endgame duplicate) or is
  // not one we want; drop its bytes.
  bool accepted = false;
  // Every block of the piece is in: hash it.
  bool piece_complete = false;
  // Endgame duplicates of this block still outstanding at other peers.
  std::vector<Cancel> cancels;
};

// Which peer sent each block of a piece (per block, in order); the liar
// tracker (node/ban_list.h) takes this when the piece fails its hash.
struct PieceContributors {
  std::uint32_t piece = 0;
  std::vector<PeerKey> senders;
};

class PiecePicker {
 public:
  explicit PiecePicker(const PiecePickerOptions& options);

  // ------------------------------------------------ geometry
  std::uint32_t piece_count() const { return options_.piece_count; }
  std::uint32_t piece_size(std::uint32_t piece) const;
  std::uint32_t blocks_in_piece(std::uint32_t piece) const;
  BlockRef block_ref(std::uint32_t piece, std::uint32_t block) const;

  // ------------------------------------------------ our pieces and wishes
  // At start-up (resume data, recheck): pieces we already have.
  void set_have(std::uint32_t piece);
  bool have(std::uint32_t piece) const { return have_.test(piece); }
  const Bitfield& have_pieces() const { return have_; }
  // File priorities / BEP 53 so=: unwanted pieces are never picked.
  void set_wanted(std::uint32_t piece, bool wanted);
  void set_wanted(const Bitfield& mask);
  bool wanted(std::uint32_t piece) const { return wanted_[piece] != 0; }
  // Wanted pieces we do not have yet.
  std::uint32_t missing_count() const { return static_cast<std::uint32_t>(order_.size()); }
  bool finished() const { return order_.empty(); }
  void set_sequential(bool on);
  bool sequential() const { return options_.sequential; }

  // ------------------------------------------------ availability
  // A peer's bitfield when it arrives; when it leaves, remove what it had
  // last (its bitfield with every have since applied). Wrong-sized: ignored.
  void add_peer_bitfield(const Bitfield& pieces);
  void remove_peer_bitfield(const Bitfield& pieces);
  // A `have` for a piece the peer did not have before (PeerProtocol drops
  // repeats).
  void add_have(std::uint32_t piece);
  void add_have_all() { ++seeds_; }
  void remove_have_all();
  // Peers that have the piece (seeds included).
  std::uint32_t availability(std::uint32_t piece) const { return avail_[piece] + seeds_; }

  // ------------------------------------------------ requests
  std::vector<BlockRef> pick(const PickRequest& request);
  BlockReceived on_block_received(PeerKey from, const BlockRef& block);
  // The block's bytes reached the disk.
  void on_block_written(const BlockRef& block);
  // Hash matched: the piece is ours.
  void on_piece_passed(std::uint32_t piece);
  // Hash failed: every received block is free again; returns who sent each
  // block (0 for one never received).
  PieceContributors on_piece_failed(std::uint32_t piece);
  // The request goes back to the pool (unless other peers hold it too).
  void on_request_rejected(PeerKey peer, const BlockRef& block);
  void on_request_timed_out(PeerKey peer, const BlockRef& block);
  // Disconnect or snub: all its requests go back; returns them so the owner
  // can cancel them on a still-open connection.
  std::vector<BlockRef> release_peer(PeerKey peer);

  // Started pieces holding a block received from `peer` (e.g. a peer just
  // banned: its blocks would make those pieces fail their hash).
  std::vector<std::uint32_t> pieces_with_blocks_from(PeerKey peer) const;

  // Every missing block is requested from someone.
  bool in_endgame() const;
  // Peers holding a request for the block (testing and diagnostics).
  std::vector<PeerKey> requesters(const BlockRef& block) const;

 private:
  enum class BlockState : std::uint8_t { free, requested, received, written };
  struct Block {
    BlockState state = BlockState::free;
    PeerKey sender = 0;                 // who delivered it (received/written)
    std::vector<PeerKey> requested_by;  // several only in endgame
  };
  struct ActivePiece {
    std::uint32_t piece = 0;
    std::uint32_t free = 0;      // blocks in state free
    std::uint32_t received = 0;  // blocks received or written
    std::vector<Block> blocks;
  };

  // Availability-ordered array (see the complexity note above).
  void order_insert(std::uint32_t piece);
  void order_remove(std::uint32_t piece);
  void order_swap(std::uint32_t pos_a, std::uint32_t pos_b);
  void ensure_bucket(std::uint32_t availability);
  bool in_order(std::uint32_t piece) const { return pos_[piece] != kNone; }
  void increment(std::uint32_t piece);
  void decrement(std::uint32_t piece);

  ActivePiece* active(std::uint32_t piece);
  const ActivePiece* active(std::uint32_t piece) const;
  ActivePiece& activate(std::uint32_t piece);
  void deactivate(std::uint32_t piece);
  Block* find_block(const BlockRef& block, ActivePiece** owner);
  bool pickable(std::uint32_t piece, const Bitfield& peer_has) const;
  void take_free(ActivePiece& piece, PeerKey peer, std::uint32_t limit, std::vector<BlockRef>& out);
  void adjust_free(ActivePiece& piece, int delta);
  void start_or_continue(std::uint32_t piece, const PickRequest& request,
                         std::vector<BlockRef>& out);
  void pick_allowed_fast(const PickRequest& request, std::vector<BlockRef>& out);
  void pick_partial(const PickRequest& request, std::vector<BlockRef>& out);
  void pick_rarest(const PickRequest& request, std::vector<BlockRef>& out);
  void pick_rarest_sparse(const PickRequest& request, std::vector<BlockRef>& out);
  std::uint32_t rarest_of(const Bitfield& peer_has);
  void pick_sequential(const PickRequest& request, std::vector<BlockRef>& out);
  void pick_endgame(const PickRequest& request, std::vector<BlockRef>& out);
  bool drop_requester(Block& block, ActivePiece& piece, PeerKey peer);

  static constexpr std::uint32_t kNone = 0xFFFFFFFF;

  PiecePickerOptions options_;
  std::uint32_t blocks_per_piece_ = 0;
  Bitfield have_;
  std::vector<std::uint8_t> wanted_;
  std::vector<std::uint32_t> avail_;  // per piece, bitfield/have peers (not seeds)
  std::uint32_t seeds_ = 0;
  // Wanted, missing pieces grouped by avail_: bucket k is
  // order_[bucket_start_[k], bucket_start_[k + 1]).
  std::vector<std::uint32_t> order_;
  std::vector<std::uint32_t> pos_;  // piece -> index in order_, kNone if absent
  std::vector<std::uint32_t> bucket_start_;
  std::vector<ActivePiece> active_;  // started pieces, oldest first
  std::vector<std::uint32_t> slot_;  // piece -> index in active_, kNone if not started
  std::uint32_t unstarted_ = 0;      // wanted missing pieces not in active_
  std::uint64_t wanted_free_ = 0;    // free blocks of wanted started pieces
  std::uint32_t seq_cursor_ = 0;     // no wanted missing piece before it
  std::mt19937_64 rng_;
};

}  // namespace btnode::node
