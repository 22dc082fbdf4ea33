// DownloadQueue: which block to ask a peer for next, sans-I/O.
//
// This is the Torrent's piece selection behind one small interface, so the
// full piece picker (rarest first, priorities) can replace it in one change.
// Policy: finish pieces already started before opening new ones (keeps the
// PieceAssembler's memory small and gets pieces to the hasher early); open
// new pieces from a per-torrent random start so several leeches of one seed
// fetch different pieces and can trade them; once every missing block is
// requested somewhere, "endgame" asks a second peer for blocks still in
// flight so one slow peer cannot hold back the last piece.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "wire/message.h"

namespace btnode::node {

class DownloadQueue {
 public:
  DownloadQueue(std::uint32_t piece_count, std::uint32_t piece_length, std::uint64_t total_size,
                std::uint32_t first_piece = 0);

  // The next block for a peer that has the pieces `peer_has` says it has;
  // `already` says whether this peer already has the block outstanding (endgame).
  std::optional<wire::BlockRef> pick(const std::function<bool(std::uint32_t)>& peer_has,
                                     const std::function<bool(const wire::BlockRef&)>& already);

  // A block arrived (from any peer): not needed again unless its piece fails.
  void received(const wire::BlockRef& block);
  // A request is gone without a block (choke, reject, disconnect).
  void returned(const wire::BlockRef& block);
  // The piece failed its hash: every block is wanted again.
  void piece_failed(std::uint32_t piece);
  // The piece is verified (or was on disk already): never pick it again.
  void piece_done(std::uint32_t piece);

  bool wanted(std::uint32_t piece) const { return !done_[piece]; }
  std::uint32_t remaining_pieces() const { return remaining_; }
  // Every missing piece is started: blocks may be requested twice.
  bool endgame() const { return remaining_ > 0 && partial_.size() >= remaining_; }
  std::uint32_t block_count(std::uint32_t piece) const;
  std::uint32_t piece_size(std::uint32_t piece) const;

 private:
  enum class State : std::uint8_t { free, requested, received };
  struct Partial {
    std::vector<State> blocks;
    std::vector<std::uint8_t> requests;  // how many peers have each block outstanding
  };

  Partial& partial(std::uint32_t piece);
  std::optional<wire::BlockRef> pick_free(std::uint32_t piece, Partial& p);
  std::optional<wire::BlockRef> pick_endgame(
      const std::function<bool(std::uint32_t)>& peer_has,
      const std::function<bool(const wire::BlockRef&)>& already);
  wire::BlockRef block_ref(std::uint32_t piece, std::uint32_t index) const;

  std::uint32_t piece_count_;
  std::uint32_t piece_length_;
  std::uint64_t total_size_;
  std::uint32_t first_piece_;
  std::uint32_t remaining_;
  std::uint32_t next_new_ = 0;  // scan position (offset from first_piece_) for new pieces
  std::vector<bool> done_;
  std::unordered_map<std::uint32_t, Partial> partial_;
};

}  // namespace btnode::node
