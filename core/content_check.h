// What a hash check of content on disk found (`btnode verify`; see
// storage/content_verify.h for the check itself): valid pieces and the
// ranges of bad and missing ones, with per-file reasons.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace btnode {

struct PieceRange {  // inclusive
  std::int64_t first = 0;
  std::int64_t last = 0;
  bool operator==(const PieceRange&) const = default;
};

struct ContentCheck {
  std::int64_t total_pieces = 0;
  std::int64_t valid_pieces = 0;
  std::vector<PieceRange> bad;        // read in full, hash differs
  std::vector<PieceRange> missing;    // could not be read (missing or short file)
  std::vector<std::string> problems;  // per-file reasons, in file order
  bool cancelled = false;

  bool complete() const { return valid_pieces == total_pieces; }
};

// Appends `piece` to `ranges`, merging it into the last range when adjacent.
// Pieces must come in increasing order.
void add_to_ranges(std::vector<PieceRange>& ranges, std::int64_t piece);

}  // namespace btnode
