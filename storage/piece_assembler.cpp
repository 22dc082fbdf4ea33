#include "storage/piece_assembler.h"

#include <algorithm>
#include <cstring>

namespace btnode::storage {

BlockStatus PieceAssembler::add_block(std::int64_t piece, std::int64_t offset,
                                      std::string_view data, PeerKey from) {
  if (piece < 0 || piece >= piece_count_) return BlockStatus::invalid;
  const std::int64_t size = piece_size(piece);
  if (offset < 0 || offset % kBlockSize != 0 || offset >= size) return BlockStatus::invalid;
  if (static_cast<std::int64_t>(data.size()) != std::min(kBlockSize, size - offset)) {
    return BlockStatus::invalid;
  }
  auto [it, inserted] = pieces_.try_emplace(piece);
  Partial& p = it->second;
  if (inserted) {
    p.bytes.resize(static_cast<std::size_t>(size));
    p.block_from.resize(static_cast<std::size_t>(block_count(piece)));
    p.missing = block_count(piece);
  }
  auto& slot = p.block_from[static_cast<std::size_t>(offset / kBlockSize)];
  if (slot) return BlockStatus::duplicate;
  std::memcpy(p.bytes.data() + offset, data.data(), data.size());
  slot = from;
  return --p.missing == 0 ? BlockStatus::complete : BlockStatus::accepted;
}

std::optional<AssembledPiece> PieceAssembler::take(std::int64_t piece) {
  auto it = pieces_.find(piece);
  if (it == pieces_.end() || it->second.missing != 0) return std::nullopt;
  AssembledPiece out{piece, std::move(it->second.bytes), {}};
  for (const auto& from : it->second.block_from) {
    if (std::find(out.senders.begin(), out.senders.end(), *from) == out.senders.end()) {
      out.senders.push_back(*from);
    }
  }
  pieces_.erase(it);
  return out;
}

bool PieceAssembler::has_block(std::int64_t piece, std::int64_t offset) const {
  auto it = pieces_.find(piece);
  if (it == pieces_.end() || offset < 0 || offset % kBlockSize != 0) return false;
  const auto block = static_cast<std::size_t>(offset / kBlockSize);
  return block < it->second.block_from.size() && it->second.block_from[block].has_value();
}

std::int64_t PieceAssembler::buffered_bytes() const {
  std::int64_t n = 0;
  for (const auto& [piece, p] : pieces_) n += static_cast<std::int64_t>(p.bytes.size());
  return n;
}

}  // namespace btnode::storage
