#include "node/download_queue.h"

#include <algorithm>

namespace btnode::node {

DownloadQueue::DownloadQueue(std::uint32_t piece_count, std::uint32_t piece_length,
                             std::uint64_t total_size, std::uint32_t first_piece)
    : piece_count_(piece_count),
      piece_length_(piece_length),
      total_size_(total_size),
      first_piece_(piece_count == 0 ? 0 : first_piece % piece_count),
      remaining_(piece_count),
      done_(piece_count, false) {}

std::uint32_t DownloadQueue::piece_size(std::uint32_t piece) const {
  std::uint64_t start = std::uint64_t{piece} * piece_length_;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(piece_length_, total_size_ - start));
}

std::uint32_t DownloadQueue::block_count(std::uint32_t piece) const {
  return (piece_size(piece) + wire::kBlockSize - 1) / wire::kBlockSize;
}

wire::BlockRef DownloadQueue::block_ref(std::uint32_t piece, std::uint32_t index) const {
  std::uint32_t begin = index * wire::kBlockSize;
  return {piece, begin, std::min(wire::kBlockSize, piece_size(piece) - begin)};
}

DownloadQueue::Partial& DownloadQueue::partial(std::uint32_t piece) {
  auto it = partial_.find(piece);
  if (it != partial_.end()) return it->second;
  Partial& p = partial_[piece];
  p.blocks.assign(block_count(piece), State::free);
  p.requests.assign(block_count(piece), 0);
  return p;
}

std::optional<wire::BlockRef> DownloadQueue::pick_free(std::uint32_t piece, Partial& p) {
  for (std::uint32_t i = 0; i < p.blocks.size(); ++i) {
    if (p.blocks[i] != State::free) continue;
    p.blocks[i] = State::requested;
    p.requests[i] = 1;
    return block_ref(piece, i);
  }
  return std::nullopt;
}

std::optional<wire::BlockRef> DownloadQueue::pick(
    const std::function<bool(std::uint32_t)>& peer_has,
    const std::function<bool(const wire::BlockRef&)>& already) {
  if (remaining_ == 0) return std::nullopt;
  for (auto& [piece, p] : partial_) {
    if (!peer_has(piece)) continue;
    if (auto block = pick_free(piece, p)) return block;
  }
  // Pieces before next_new_ are all done or started: never new again.
  while (next_new_ < piece_count_) {
    std::uint32_t piece = (first_piece_ + next_new_) % piece_count_;
    if (!done_[piece] && !partial_.contains(piece)) break;
    ++next_new_;
  }
  for (std::uint32_t i = next_new_; i < piece_count_; ++i) {
    std::uint32_t piece = (first_piece_ + i) % piece_count_;
    if (done_[piece] || partial_.contains(piece) || !peer_has(piece)) continue;
    return pick_free(piece, partial(piece));
  }
  return pick_endgame(peer_has, already);
}

std::optional<wire::BlockRef> DownloadQueue::pick_endgame(
    const std::function<bool(std::uint32_t)>& peer_has,
    const std::function<bool(const wire::BlockRef&)>& already) {
  // Only when nothing is free: every missing piece is started.
  if (!endgame()) return std::nullopt;
  for (auto& [piece, p] : partial_) {
    if (!peer_has(piece)) continue;
    for (std::uint32_t i = 0; i < p.blocks.size(); ++i) {
      // Two copies in flight are enough; more only burn the seeds' upload.
      if (p.blocks[i] != State::requested || p.requests[i] >= 2) continue;
      wire::BlockRef block = block_ref(piece, i);
      if (already(block)) continue;
      ++p.requests[i];
      return block;
    }
  }
  return std::nullopt;
}

void DownloadQueue::received(const wire::BlockRef& block) {
  auto it = partial_.find(block.piece);
  if (it == partial_.end()) return;
  std::uint32_t i = block.begin / wire::kBlockSize;
  if (i >= it->second.blocks.size()) return;
  it->second.blocks[i] = State::received;
  it->second.requests[i] = 0;
}

void DownloadQueue::returned(const wire::BlockRef& block) {
  auto it = partial_.find(block.piece);
  if (it == partial_.end()) return;
  std::uint32_t i = block.begin / wire::kBlockSize;
  if (i >= it->second.blocks.size() || it->second.blocks[i] != State::requested) return;
  if (it->second.requests[i] > 0) --it->second.requests[i];
  if (it->second.requests[i] == 0) it->second.blocks[i] = State::free;
}

void DownloadQueue::piece_failed(std::uint32_t piece) {
  if (piece >= piece_count_ || done_[piece]) return;
  partial_.erase(piece);
  partial(piece);  // every block free again; kept "started" so it is retried first
}

void DownloadQueue::piece_done(std::uint32_t piece) {
  if (piece >= piece_count_ || done_[piece]) return;
  done_[piece] = true;
  --remaining_;
  partial_.erase(piece);
}

}  // namespace btnode::node
