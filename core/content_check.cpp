#include "core/content_check.h"

namespace btnode {

void add_to_ranges(std::vector<PieceRange>& ranges, std::int64_t piece) {
  if (!ranges.empty() && ranges.back().last + 1 == piece) {
    ranges.back().last = piece;
  } else {
    ranges.push_back({piece, piece});
  }
}

}  // namespace btnode
