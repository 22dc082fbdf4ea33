// Collects the 16 KiB blocks of pieces being downloaded until a piece is
// complete. Owned by the network thread (no locks); the completed piece's
// buffer is then moved, not copied, to a worker for hashing and writing.
//
// Each block remembers the opaque key of the peer that sent it, so when a
// piece fails its hash the peer layer learns exactly who contributed to it
// and can ban the liar (a piece from a single peer convicts that peer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/file_layout.h"

namespace btnode::storage {

// The peer layer's name for whoever sent a block; storage never interprets it.
using PeerKey = std::uint64_t;

// BEP 3: requests are for 16 KiB blocks (and everyone uses that size).
inline constexpr std::int64_t kBlockSize = 16 * 1024;

struct AssembledPiece {
  std::int64_t piece = 0;
  std::string bytes;
  std::vector<PeerKey> senders;  // distinct, in order of their first block
};

enum class BlockStatus {
  accepted,   // stored; the piece still lacks blocks
  complete,   // stored and the piece is complete: take() it
  duplicate,  // already have this block (endgame); the first copy is kept
  invalid,    // bad piece index, offset or length: nothing stored
};

class PieceAssembler {
 public:
  explicit PieceAssembler(const FileLayout& layout)
      : piece_length_(layout.piece_length()),
        piece_count_(layout.piece_count()),
        total_(layout.total_size()) {}

  BlockStatus add_block(std::int64_t piece, std::int64_t offset, std::string_view data,
                        PeerKey from);
  // Removes and returns a complete piece; nullopt if it is not complete.
  std::optional<AssembledPiece> take(std::int64_t piece);
  // Forgets a piece in progress (e.g. the picker gave up on it); false if
  // there was none.
  bool drop(std::int64_t piece) { return pieces_.erase(piece) > 0; }

  bool has_block(std::int64_t piece, std::int64_t offset) const;
  std::size_t pieces_in_progress() const { return pieces_.size(); }
  std::int64_t buffered_bytes() const;  // memory held by pieces in progress

  std::int64_t piece_size(std::int64_t piece) const {
    return std::min(piece_length_, total_ - piece * piece_length_);
  }
  std::int64_t block_count(std::int64_t piece) const {
    return (piece_size(piece) + kBlockSize - 1) / kBlockSize;
  }

 private:
  struct Partial {
    std::string bytes;
    std::vector<std::optional<PeerKey>> block_from;  // nullopt: not received yet
    std::int64_t missing = 0;
  };

  std::int64_t piece_length_;
  std::int64_t piece_count_;
  std::int64_t total_;
  std::unordered_map<std::int64_t, Partial> pieces_;
};

}  // namespace btnode::storage
