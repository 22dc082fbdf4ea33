#include "node/piece_picker.h"

#include <algorithm>
#include <cassert>
#include <string_view>

#include "core/random.h"

namespace btnode::node {

PiecePicker::PiecePicker(const PiecePickerOptions& options)
    : options_(options),
      have_(options.piece_count),
      wanted_(options.piece_count, 1),
      avail_(options.piece_count, 0),
      pos_(options.piece_count),
      slot_(options.piece_count, kNone),
      unstarted_(options.piece_count),
      rng_(seed_or_random(options.seed)) {
  blocks_per_piece_ =
      std::max<std::uint32_t>(1, (options.piece_length + kBlockSize - 1) / kBlockSize);
  order_.resize(options.piece_count);
  for (std::uint32_t i = 0; i < options.piece_count; ++i) {
    order_[i] = i;
    pos_[i] = i;
  }
  // One bucket (availability 0) holding every piece.
  bucket_start_ = {0, options.piece_count};
}

// ------------------------------------------------------------------ geometry

std::uint32_t PiecePicker::piece_size(std::uint32_t piece) const {
  if (piece >= options_.piece_count) return 0;
  if (piece + 1 < options_.piece_count) return options_.piece_length;
  const std::uint64_t before = std::uint64_t{options_.piece_length} * piece;
  return static_cast<std::uint32_t>(options_.total_size - before);
}

std::uint32_t PiecePicker::blocks_in_piece(std::uint32_t piece) const {
  return (piece_size(piece) + kBlockSize - 1) / kBlockSize;
}

BlockRef PiecePicker::block_ref(std::uint32_t piece, std::uint32_t block) const {
  const std::uint32_t begin = block * kBlockSize;
  return BlockRef{piece, begin, std::min(kBlockSize, piece_size(piece) - begin)};
}

// ------------------------------------------------------------------ our pieces

void PiecePicker::set_have(std::uint32_t piece) {
  if (piece >= options_.piece_count || have_.test(piece)) return;
  have_.set(piece);
  if (in_order(piece)) order_remove(piece);
  if (active(piece) != nullptr) {
    deactivate(piece);
  } else if (wanted(piece)) {
    --unstarted_;
  }
}

void PiecePicker::set_wanted(std::uint32_t piece, bool want) {
  if (piece >= options_.piece_count || wanted(piece) == want) return;
  wanted_[piece] = want ? 1 : 0;
  if (have_.test(piece)) return;
  const ActivePiece* started = active(piece);
  if (want) {
    order_insert(piece);
    if (started != nullptr)
      wanted_free_ += started->free;
    else
      ++unstarted_;
    seq_cursor_ = std::min(seq_cursor_, piece);
  } else {
    order_remove(piece);
    if (started != nullptr)
      wanted_free_ -= started->free;
    else
      --unstarted_;
  }
}

void PiecePicker::set_wanted(const Bitfield& mask) {
  if (mask.size() != options_.piece_count) return;
  for (std::uint32_t i = 0; i < options_.piece_count; ++i) set_wanted(i, mask.test(i));
}

void PiecePicker::set_sequential(bool on) {
  options_.sequential = on;
  seq_cursor_ = 0;
}

// ------------------------------------------------------------------ availability

void PiecePicker::add_peer_bitfield(const Bitfield& pieces) {
  if (pieces.size() != options_.piece_count) return;
  for (std::uint32_t i = 0; i < options_.piece_count; ++i) {
    if (pieces.test(i)) increment(i);
  }
}

void PiecePicker::remove_peer_bitfield(const Bitfield& pieces) {
  if (pieces.size() != options_.piece_count) return;
  for (std::uint32_t i = 0; i < options_.piece_count; ++i) {
    if (pieces.test(i)) decrement(i);
  }
}

void PiecePicker::add_have(std::uint32_t piece) {
  if (piece < options_.piece_count) increment(piece);
}

void PiecePicker::remove_have_all() {
  if (seeds_ > 0) --seeds_;
}

void PiecePicker::increment(std::uint32_t piece) {
  const std::uint32_t a = avail_[piece];
  if (in_order(piece)) {
    ensure_bucket(a + 1);
    // The last slot of bucket a becomes the first of bucket a + 1.
    order_swap(pos_[piece], bucket_start_[a + 1] - 1);
    --bucket_start_[a + 1];
  }
  ++avail_[piece];
}

void PiecePicker::decrement(std::uint32_t piece) {
  const std::uint32_t a = avail_[piece];
  if (a == 0) return;  // the owner removed more than it added; stay consistent
  if (in_order(piece)) {
    // The first slot of bucket a becomes the last of bucket a - 1.
    order_swap(pos_[piece], bucket_start_[a]);
    ++bucket_start_[a];
  }
  --avail_[piece];
}

void PiecePicker::ensure_bucket(std::uint32_t availability) {
  while (bucket_start_.size() < std::size_t{availability} + 2) {
    bucket_start_.push_back(static_cast<std::uint32_t>(order_.size()));
  }
}

void PiecePicker::order_swap(std::uint32_t pos_a, std::uint32_t pos_b) {
  if (pos_a == pos_b) return;
  std::swap(order_[pos_a], order_[pos_b]);
  pos_[order_[pos_a]] = pos_a;
  pos_[order_[pos_b]] = pos_b;
}

// Walks the piece to the end of the array one bucket at a time: each step
// swaps it with the last piece of the next bucket, so O(buckets), not O(n).
void PiecePicker::order_remove(std::uint32_t piece) {
  const std::size_t buckets = bucket_start_.size() - 1;
  for (std::size_t b = avail_[piece] + 1; b <= buckets; ++b) {
    order_swap(pos_[piece], bucket_start_[b] - 1);
    --bucket_start_[b];
  }
  order_.pop_back();
  pos_[piece] = kNone;
}

void PiecePicker::order_insert(std::uint32_t piece) {
  ensure_bucket(avail_[piece]);
  order_.push_back(piece);
  pos_[piece] = static_cast<std::uint32_t>(order_.size() - 1);
  const std::size_t buckets = bucket_start_.size() - 1;
  ++bucket_start_[buckets];
  for (std::size_t b = buckets - 1; b > avail_[piece]; --b) {
    order_swap(pos_[piece], bucket_start_[b]);
    ++bucket_start_[b];
  }
}

// ------------------------------------------------------------------ started pieces

PiecePicker::ActivePiece* PiecePicker::active(std::uint32_t piece) {
  if (piece >= options_.piece_count || slot_[piece] == kNone) return nullptr;
  return &active_[slot_[piece]];
}

const PiecePicker::ActivePiece* PiecePicker::active(std::uint32_t piece) const {
  if (piece >= options_.piece_count || slot_[piece] == kNone) return nullptr;
  return &active_[slot_[piece]];
}

PiecePicker::ActivePiece& PiecePicker::activate(std::uint32_t piece) {
  ActivePiece started;
  started.piece = piece;
  started.blocks.resize(blocks_in_piece(piece));
  started.free = static_cast<std::uint32_t>(started.blocks.size());
  slot_[piece] = static_cast<std::uint32_t>(active_.size());
  if (wanted(piece)) {
    --unstarted_;
    wanted_free_ += started.free;
  }
  active_.push_back(std::move(started));
  return active_.back();
}

// Erase, not swap-remove: active_ stays oldest first, which is the order the
// partial pass completes pieces in. a is small, so O(a) is fine.
void PiecePicker::deactivate(std::uint32_t piece) {
  const std::uint32_t slot = slot_[piece];
  if (wanted(piece)) wanted_free_ -= active_[slot].free;
  active_.erase(active_.begin() + slot);
  slot_[piece] = kNone;
  for (std::size_t i = slot; i < active_.size(); ++i) {
    slot_[active_[i].piece] = static_cast<std::uint32_t>(i);
  }
}

void PiecePicker::adjust_free(ActivePiece& piece, int delta) {
  piece.free = static_cast<std::uint32_t>(static_cast<int>(piece.free) + delta);
  if (wanted(piece.piece)) {
    wanted_free_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(wanted_free_) + delta);
  }
}

PiecePicker::Block* PiecePicker::find_block(const BlockRef& block, ActivePiece** owner) {
  ActivePiece* started = active(block.piece);
  if (started == nullptr || block.begin % kBlockSize != 0) return nullptr;
  const std::uint32_t index = block.begin / kBlockSize;
  if (index >= started->blocks.size()) return nullptr;
  *owner = started;
  return &started->blocks[index];
}

bool PiecePicker::in_endgame() const {
  return !order_.empty() && unstarted_ == 0 && wanted_free_ == 0;
}

std::vector<PeerKey> PiecePicker::requesters(const BlockRef& block) const {
  const ActivePiece* started = active(block.piece);
  if (started == nullptr || block.begin % kBlockSize != 0) return {};
  const std::uint32_t index = block.begin / kBlockSize;
  if (index >= started->blocks.size()) return {};
  return started->blocks[index].requested_by;
}

// ------------------------------------------------------------------ picking

std::vector<BlockRef> PiecePicker::pick(const PickRequest& request) {
  std::vector<BlockRef> out;
  if (request.peer_has == nullptr || request.count == 0) return out;
  if (request.peer_has->size() != options_.piece_count) return out;
  out.reserve(request.count);
  if (request.choked) {
    pick_allowed_fast(request, out);
    return out;
  }
  if (options_.sequential) {
    pick_sequential(request, out);
  } else {
    pick_partial(request, out);
    if (out.size() < request.count) pick_rarest(request, out);
  }
  if (out.size() < request.count && in_endgame()) pick_endgame(request, out);
  return out;
}

bool PiecePicker::pickable(std::uint32_t piece, const Bitfield& peer_has) const {
  return piece < options_.piece_count && wanted(piece) && !have_.test(piece) &&
         peer_has.test(piece);
}

void PiecePicker::take_free(ActivePiece& piece, PeerKey peer, std::uint32_t limit,
                            std::vector<BlockRef>& out) {
  for (std::uint32_t i = 0; i < piece.blocks.size() && piece.free > 0 && out.size() < limit; ++i) {
    Block& block = piece.blocks[i];
    if (block.state != BlockState::free) continue;
    block.state = BlockState::requested;
    block.requested_by.assign(1, peer);
    adjust_free(piece, -1);
    out.push_back(block_ref(piece.piece, i));
  }
}

void PiecePicker::start_or_continue(std::uint32_t piece, const PickRequest& request,
                                    std::vector<BlockRef>& out) {
  ActivePiece* started = active(piece);
  if (started == nullptr) started = &activate(piece);
  take_free(*started, request.peer, request.count, out);
}

void PiecePicker::pick_allowed_fast(const PickRequest& request, std::vector<BlockRef>& out) {
  for (const std::uint32_t piece : request.allowed_fast) {
    if (out.size() >= request.count) return;
    if (pickable(piece, *request.peer_has)) start_or_continue(piece, request, out);
  }
}

void PiecePicker::pick_partial(const PickRequest& request, std::vector<BlockRef>& out) {
  for (std::size_t i = 0; i < active_.size() && out.size() < request.count; ++i) {
    ActivePiece& started = active_[i];
    if (started.free == 0 || !pickable(started.piece, *request.peer_has)) continue;
    take_free(started, request.peer, request.count, out);
  }
}

// Buckets from the rarest up; inside a bucket the scan starts at a random
// offset and wraps, which breaks ties at random without shuffling (a piece
// right after a run of pieces the peer lacks is somewhat favoured; harmless).
// Started pieces are skipped: pick_partial already took their free blocks.
void PiecePicker::pick_rarest(const PickRequest& request, std::vector<BlockRef>& out) {
  // A peer with few pieces (a new leech) would make the bucket scan walk
  // most of the array per pick; walking its bitfield costs n/8 bytes instead.
  if (request.peer_has->count() * 8 < static_cast<std::int64_t>(order_.size())) {
    pick_rarest_sparse(request, out);
    return;
  }
  const std::size_t buckets = bucket_start_.size() - 1;
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::uint32_t first = bucket_start_[b];
    const std::uint32_t size = bucket_start_[b + 1] - first;
    if (size == 0) continue;
    const std::uint32_t offset = static_cast<std::uint32_t>(rng_() % size);
    for (std::uint32_t i = 0; i < size; ++i) {
      const std::uint32_t piece = order_[first + (offset + i) % size];
      if (slot_[piece] != kNone || !request.peer_has->test(piece)) continue;
      start_or_continue(piece, request, out);
      if (out.size() >= request.count) return;
    }
  }
}

void PiecePicker::pick_rarest_sparse(const PickRequest& request, std::vector<BlockRef>& out) {
  // Each round opens one piece; bounded by the blocks wanted.
  for (std::uint32_t round = 0; round < request.count && out.size() < request.count; ++round) {
    const std::uint32_t piece = rarest_of(*request.peer_has);
    if (piece == kNone) return;
    start_or_continue(piece, request, out);
  }
}

// The rarest unstarted piece among the peer's, ties broken uniformly
// (reservoir sampling). Zero bytes of the bitfield are skipped whole.
std::uint32_t PiecePicker::rarest_of(const Bitfield& peer_has) {
  const std::string_view bytes = peer_has.wire();
  std::uint32_t best = kNone;
  std::uint32_t ties = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<std::uint8_t>(bytes[i]);
    for (int bit = 0; byte != 0 && bit < 8; ++bit) {
      if ((byte & (0x80u >> bit)) == 0) continue;
      const auto piece = static_cast<std::uint32_t>(i * 8 + static_cast<std::size_t>(bit));
      if (!in_order(piece) || slot_[piece] != kNone) continue;
      if (best != kNone && avail_[piece] > avail_[best]) continue;
      ties = (best != kNone && avail_[piece] == avail_[best]) ? ties + 1 : 1;
      if (ties == 1 || rng_() % ties == 0) best = piece;
    }
  }
  return best;
}

void PiecePicker::pick_sequential(const PickRequest& request, std::vector<BlockRef>& out) {
  const std::uint32_t n = options_.piece_count;
  while (seq_cursor_ < n && (have_.test(seq_cursor_) || !wanted(seq_cursor_))) ++seq_cursor_;
  for (std::uint32_t piece = seq_cursor_; piece < n && out.size() < request.count; ++piece) {
    if (!pickable(piece, *request.peer_has)) continue;
    const ActivePiece* started = active(piece);
    if (started != nullptr && started->free == 0) continue;
    start_or_continue(piece, request, out);
  }
}

// Duplicates go first to blocks with the fewest requesters, so one slow
// peer holding the last block is covered before any block gets a third copy.
void PiecePicker::pick_endgame(const PickRequest& request, std::vector<BlockRef>& out) {
  for (std::uint32_t level = 1; level < options_.endgame_max_requesters; ++level) {
    for (ActivePiece& started : active_) {
      if (!pickable(started.piece, *request.peer_has)) continue;
      for (std::uint32_t i = 0; i < started.blocks.size(); ++i) {
        Block& block = started.blocks[i];
        if (block.state != BlockState::requested || block.requested_by.size() != level) continue;
        if (contains(block.requested_by, request.peer)) continue;
        block.requested_by.push_back(request.peer);
        out.push_back(block_ref(started.piece, i));
        if (out.size() >= request.count) return;
      }
    }
  }
}

// ------------------------------------------------------------------ outcomes

BlockReceived PiecePicker::on_block_received(PeerKey from, const BlockRef& block) {
  BlockReceived result;
  if (block.piece >= options_.piece_count || have_.test(block.piece)) return result;
  if (block.begin % kBlockSize != 0 || block.begin >= piece_size(block.piece)) return result;
  if (block.length != block_ref(block.piece, block.begin / kBlockSize).length) return result;
  ActivePiece* started = active(block.piece);
  if (started == nullptr) {
    // Unrequested (or released and not re-requested): still useful if wanted.
    if (!wanted(block.piece)) return result;
    started = &activate(block.piece);
  }
  Block& entry = started->blocks[block.begin / kBlockSize];
  if (entry.state == BlockState::received || entry.state == BlockState::written) return result;
  for (const PeerKey peer : entry.requested_by) {
    if (peer != from) result.cancels.push_back(Cancel{peer, block});
  }
  if (entry.state == BlockState::free) adjust_free(*started, -1);
  entry.state = BlockState::received;
  entry.sender = from;
  entry.requested_by.clear();
  ++started->received;
  result.accepted = true;
  result.piece_complete = started->received == started->blocks.size();
  return result;
}

void PiecePicker::on_block_written(const BlockRef& block) {
  ActivePiece* owner = nullptr;
  Block* entry = find_block(block, &owner);
  if (entry != nullptr && entry->state == BlockState::received) entry->state = BlockState::written;
}

void PiecePicker::on_piece_passed(std::uint32_t piece) {
  set_have(piece);
}

PieceContributors PiecePicker::on_piece_failed(std::uint32_t piece) {
  PieceContributors result;
  result.piece = piece;
  ActivePiece* started = active(piece);
  if (started == nullptr) return result;
  result.senders.reserve(started->blocks.size());
  // Blocks still requested (the owner hashed early) keep their requesters,
  // so release_peer and cancels stay right.
  int freed = 0;
  for (Block& block : started->blocks) {
    result.senders.push_back(block.sender);
    if (block.state != BlockState::received && block.state != BlockState::written) continue;
    block = Block{};
    ++freed;
  }
  adjust_free(*started, freed);
  started->received = 0;
  return result;
}

std::vector<std::uint32_t> PiecePicker::pieces_with_blocks_from(PeerKey peer) const {
  std::vector<std::uint32_t> out;
  for (const ActivePiece& started : active_) {
    const bool touched = std::any_of(started.blocks.begin(), started.blocks.end(), [&](const Block& b) {
      return b.sender == peer &&
             (b.state == BlockState::received || b.state == BlockState::written);
    });
    if (touched) out.push_back(started.piece);
  }
  return out;
}

void PiecePicker::on_request_rejected(PeerKey peer, const BlockRef& block) {
  ActivePiece* owner = nullptr;
  if (Block* entry = find_block(block, &owner)) drop_requester(*entry, *owner, peer);
}

// The request is given up rather than kept alongside a new one: if the late
// block still arrives it is accepted (on_block_received takes any wanted
// block), and the slot goes to a peer that may answer sooner.
void PiecePicker::on_request_timed_out(PeerKey peer, const BlockRef& block) {
  on_request_rejected(peer, block);
}

std::vector<BlockRef> PiecePicker::release_peer(PeerKey peer) {
  std::vector<BlockRef> released;
  for (ActivePiece& started : active_) {
    for (std::uint32_t i = 0; i < started.blocks.size(); ++i) {
      if (drop_requester(started.blocks[i], started, peer)) {
        released.push_back(block_ref(started.piece, i));
      }
    }
  }
  return released;
}

bool PiecePicker::drop_requester(Block& block, ActivePiece& piece, PeerKey peer) {
  if (block.state != BlockState::requested) return false;
  auto it = std::find(block.requested_by.begin(), block.requested_by.end(), peer);
  if (it == block.requested_by.end()) return false;
  block.requested_by.erase(it);
  if (block.requested_by.empty()) {
    block.state = BlockState::free;
    adjust_free(piece, +1);
  }
  return true;
}

}  // namespace btnode::node
