#include "node/piece_picker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <set>
#include <vector>

namespace btnode::node {
namespace {

PiecePickerOptions geometry(std::uint32_t pieces, std::uint32_t piece_length,
                            std::uint64_t total = 0) {
  PiecePickerOptions options;
  options.piece_count = pieces;
  options.piece_length = piece_length;
  options.total_size = total != 0 ? total : std::uint64_t{pieces} * piece_length;
  options.seed = 42;
  return options;
}

Bitfield all_of(std::uint32_t pieces) {
  return Bitfield(pieces, true);
}

Bitfield only(std::uint32_t pieces, std::initializer_list<std::uint32_t> set) {
  Bitfield bits(pieces);
  for (const auto piece : set) bits.set(piece);
  return bits;
}

PickRequest ask(const Bitfield& has, PeerKey peer, std::uint32_t count) {
  PickRequest request;
  request.peer_has = &has;
  request.peer = peer;
  request.count = count;
  return request;
}

TEST(PiecePickerTest, GeometryHasAShortLastPieceAndBlock) {
  PiecePicker picker(geometry(3, 32 * 1024, 2 * 32 * 1024 + 20000));
  EXPECT_EQ(picker.piece_size(0), 32u * 1024);
  EXPECT_EQ(picker.piece_size(2), 20000u);
  EXPECT_EQ(picker.blocks_in_piece(0), 2u);
  EXPECT_EQ(picker.blocks_in_piece(2), 2u);
  EXPECT_EQ(picker.block_ref(2, 1), (BlockRef{2, kBlockSize, 20000 - kBlockSize}));
}

TEST(PiecePickerTest, FinishesAStartedPieceBeforeOpeningAnother) {
  PiecePicker picker(geometry(10, 4 * kBlockSize));
  const Bitfield seed = all_of(10);
  picker.add_peer_bitfield(seed);
  const auto first = picker.pick(ask(seed, 1, 2));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].piece, first[1].piece);
  const auto second = picker.pick(ask(seed, 2, 2));
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].piece, first[0].piece);
  EXPECT_EQ(second[0].begin, 2 * kBlockSize);
  EXPECT_EQ(second[1].begin, 3 * kBlockSize);
}

TEST(PiecePickerTest, PicksNothingThePeerLacks) {
  PiecePicker picker(geometry(8, kBlockSize));
  const Bitfield has = only(8, {5});
  picker.add_peer_bitfield(has);
  const auto blocks = picker.pick(ask(has, 1, 10));
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].piece, 5u);
  EXPECT_TRUE(picker.pick(ask(has, 1, 10)).empty());
}

// Property: with one block per piece every pick opens a new piece, which must
// be one of the rarest the peer has among pieces not yet started. Peers come
// and go and send haves in between, exercising the bucket moves.
// `one_in` sets how sparse the bitfields are (a peer has 1/one_in of them).
void check_rarest_first(std::uint32_t kPieces, std::uint32_t one_in) {
  constexpr int kPeers = 12;
  PiecePicker picker(geometry(kPieces, kBlockSize));
  std::mt19937 rng(7);
  std::vector<Bitfield> peers;
  std::vector<std::uint32_t> reference(kPieces, 0);
  for (int p = 0; p < kPeers; ++p) {
    Bitfield bits(kPieces);
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      if (rng() % one_in == 0) bits.set(i);
    }
    picker.add_peer_bitfield(bits);
    for (std::uint32_t i = 0; i < kPieces; ++i) reference[i] += bits.test(i) ? 1 : 0;
    peers.push_back(bits);
  }
  std::set<std::uint32_t> started;
  for (int round = 0; round < 250; ++round) {
    const auto who = static_cast<std::size_t>(rng() % kPeers);
    if (round % 5 == 0) {  // churn: a have, or a peer replaced
      const std::uint32_t piece = rng() % kPieces;
      if (!peers[who].test(piece)) {
        peers[who].set(piece);
        picker.add_have(piece);
        ++reference[piece];
      }
    }
    if (round % 17 == 0) {
      picker.remove_peer_bitfield(peers[who]);
      for (std::uint32_t i = 0; i < kPieces; ++i) reference[i] -= peers[who].test(i) ? 1 : 0;
      peers[who] = Bitfield(kPieces);
      for (std::uint32_t i = 0; i < kPieces; ++i) {
        if (rng() % one_in == 0) peers[who].set(i);
      }
      picker.add_peer_bitfield(peers[who]);
      for (std::uint32_t i = 0; i < kPieces; ++i) reference[i] += peers[who].test(i) ? 1 : 0;
    }
    std::uint32_t rarest = UINT32_MAX;
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      ASSERT_EQ(picker.availability(i), reference[i]);
      if (peers[who].test(i) && !started.contains(i)) rarest = std::min(rarest, reference[i]);
    }
    const auto picked = picker.pick(ask(peers[who], static_cast<PeerKey>(who), 1));
    if (rarest == UINT32_MAX) {
      EXPECT_TRUE(picked.empty());
      continue;
    }
    ASSERT_EQ(picked.size(), 1u);
    EXPECT_EQ(reference[picked[0].piece], rarest) << "round " << round;
    EXPECT_TRUE(started.insert(picked[0].piece).second);
  }
}

TEST(PiecePickerTest, RarestFirstPicksARarestPieceUnderRandomAvailability) {
  check_rarest_first(300, 3);
}

// Peers with under 1/8 of the pieces take the bitfield walk.
TEST(PiecePickerTest, RarestFirstHoldsForSparsePeers) {
  check_rarest_first(2000, 40);
}

TEST(PiecePickerTest, TiesAreBrokenAtRandom) {
  std::set<std::uint32_t> firsts;
  const Bitfield seed = all_of(64);
  for (std::uint64_t s = 0; s < 20; ++s) {
    auto options = geometry(64, kBlockSize);
    options.seed = s;
    PiecePicker picker(options);
    picker.add_peer_bitfield(seed);
    firsts.insert(picker.pick(ask(seed, 1, 1)).at(0).piece);
  }
  EXPECT_GE(firsts.size(), 10u);  // 20 draws among 64 equal pieces
}

TEST(PiecePickerTest, SeedsCountTowardAvailabilityButNotTheOrder) {
  PiecePicker picker(geometry(4, kBlockSize));
  picker.add_have_all();
  picker.add_peer_bitfield(only(4, {0, 1, 3}));
  EXPECT_EQ(picker.availability(2), 1u);
  EXPECT_EQ(picker.availability(0), 2u);
  const Bitfield seed = all_of(4);
  EXPECT_EQ(picker.pick(ask(seed, 9, 1)).at(0).piece, 2u);
  picker.remove_have_all();
  EXPECT_EQ(picker.availability(2), 0u);
}

// Property: sequential mode always opens the lowest-index piece the peer has
// that we still miss, whatever the availability.
TEST(PiecePickerTest, SequentialPicksInPieceOrder) {
  constexpr std::uint32_t kPieces = 200;
  auto options = geometry(kPieces, 2 * kBlockSize);
  options.sequential = true;
  PiecePicker picker(options);
  std::mt19937 rng(3);
  std::vector<Bitfield> peers;
  for (int p = 0; p < 4; ++p) {
    Bitfield bits(kPieces);
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      if (rng() % 2 == 0) bits.set(i);
    }
    picker.add_peer_bitfield(bits);
    peers.push_back(bits);
  }
  picker.set_have(0);
  std::vector<bool> started(kPieces, false);
  started[0] = true;
  for (int round = 0; round < 120; ++round) {
    const auto who = static_cast<std::size_t>(rng() % peers.size());
    std::uint32_t expected = kPieces;
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      if (peers[who].test(i) && !started[i]) {
        expected = i;
        break;
      }
    }
    const auto picked = picker.pick(ask(peers[who], static_cast<PeerKey>(who), 2));
    if (expected == kPieces) {
      EXPECT_TRUE(picked.empty());
      continue;
    }
    ASSERT_EQ(picked.size(), 2u);
    EXPECT_EQ(picked[0].piece, expected);
    EXPECT_EQ(picked[1].piece, expected);
    started[expected] = true;
  }
}

TEST(PiecePickerTest, EndgameDuplicatesTheLastBlocksAndCancelsOnArrival) {
  auto options = geometry(2, 2 * kBlockSize);
  options.endgame_max_requesters = 2;
  PiecePicker picker(options);
  const Bitfield seed = all_of(2);
  picker.add_peer_bitfield(seed);
  picker.add_peer_bitfield(seed);
  picker.add_peer_bitfield(seed);
  EXPECT_FALSE(picker.in_endgame());
  const auto by_a = picker.pick(ask(seed, 1, 10));
  ASSERT_EQ(by_a.size(), 4u);
  EXPECT_TRUE(picker.in_endgame());
  EXPECT_TRUE(picker.pick(ask(seed, 1, 10)).empty());  // never twice to one peer

  const auto by_b = picker.pick(ask(seed, 2, 10));
  ASSERT_EQ(by_b.size(), 4u);
  EXPECT_TRUE(picker.pick(ask(seed, 3, 10)).empty());  // two requesters per block at most

  const auto got = picker.on_block_received(2, by_b[0]);
  EXPECT_TRUE(got.accepted);
  ASSERT_EQ(got.cancels.size(), 1u);
  EXPECT_EQ(got.cancels[0], (Cancel{1, by_b[0]}));
  EXPECT_FALSE(picker.on_block_received(1, by_b[0]).accepted);  // the late duplicate

  // A released duplicate holder frees nothing: the other request stands.
  EXPECT_EQ(picker.release_peer(2).size(), 3u);
  EXPECT_EQ(picker.requesters(by_a[1]), std::vector<PeerKey>{1});
  EXPECT_TRUE(picker.in_endgame());
}

TEST(PiecePickerTest, PieceCompletesPassesAndIsNeverPickedAgain) {
  PiecePicker picker(geometry(2, 2 * kBlockSize));
  const Bitfield has = only(2, {1});
  picker.add_peer_bitfield(has);
  const auto blocks = picker.pick(ask(has, 1, 5));
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_FALSE(picker.on_block_received(1, blocks[0]).piece_complete);
  EXPECT_TRUE(picker.on_block_received(1, blocks[1]).piece_complete);
  picker.on_block_written(blocks[0]);
  picker.on_piece_passed(1);
  EXPECT_TRUE(picker.have(1));
  EXPECT_EQ(picker.missing_count(), 1u);
  EXPECT_TRUE(picker.pick(ask(has, 1, 5)).empty());
  EXPECT_FALSE(picker.on_block_received(1, blocks[0]).accepted);
}

TEST(PiecePickerTest, FailedPieceReportsSendersAndIsPickedAgain) {
  PiecePicker picker(geometry(1, 2 * kBlockSize));
  const Bitfield seed = all_of(1);
  picker.add_peer_bitfield(seed);
  const auto from_a = picker.pick(ask(seed, 1, 1));
  const auto from_b = picker.pick(ask(seed, 2, 1));
  ASSERT_EQ(from_a.size(), 1u);
  ASSERT_EQ(from_b.size(), 1u);
  picker.on_block_received(1, from_a[0]);
  EXPECT_TRUE(picker.on_block_received(2, from_b[0]).piece_complete);
  const auto contributors = picker.on_piece_failed(0);
  EXPECT_EQ(contributors.piece, 0u);
  EXPECT_EQ(contributors.senders, (std::vector<PeerKey>{1, 2}));
  EXPECT_FALSE(picker.in_endgame());
  EXPECT_EQ(picker.pick(ask(seed, 3, 5)).size(), 2u);
}

TEST(PiecePickerTest, FindsThePiecesHoldingAPeersBlocks) {
  PiecePicker picker(geometry(3, 2 * kBlockSize));
  const Bitfield seed = all_of(3);
  picker.add_peer_bitfield(seed);
  const auto from_a = picker.pick(ask(seed, 1, 3));  // piece 0 both blocks, piece 1 one
  const auto from_b = picker.pick(ask(seed, 2, 1));
  ASSERT_EQ(from_a.size(), 3u);
  ASSERT_EQ(from_b.size(), 1u);
  EXPECT_TRUE(picker.pieces_with_blocks_from(1).empty()) << "requested is not received";
  picker.on_block_received(1, from_a[0]);
  picker.on_block_received(1, from_a[2]);
  picker.on_block_received(2, from_b[0]);
  std::vector<std::uint32_t> expected{from_a[0].piece};
  if (from_a[2].piece != from_a[0].piece) expected.push_back(from_a[2].piece);
  EXPECT_EQ(picker.pieces_with_blocks_from(1), expected);
  EXPECT_EQ(picker.pieces_with_blocks_from(2), (std::vector<std::uint32_t>{from_b[0].piece}));
  EXPECT_TRUE(picker.pieces_with_blocks_from(3).empty());
}

TEST(PiecePickerTest, RejectedTimedOutAndReleasedRequestsGoBackToThePool) {
  PiecePicker picker(geometry(1, 3 * kBlockSize));
  const Bitfield seed = all_of(1);
  picker.add_peer_bitfield(seed);
  const auto blocks = picker.pick(ask(seed, 1, 3));
  ASSERT_EQ(blocks.size(), 3u);
  picker.on_request_rejected(1, blocks[0]);
  picker.on_request_timed_out(1, blocks[1]);
  const auto again = picker.pick(ask(seed, 2, 2));
  EXPECT_EQ(again, (std::vector<BlockRef>{blocks[0], blocks[1]}));
  EXPECT_EQ(picker.release_peer(1), std::vector<BlockRef>{blocks[2]});
  EXPECT_EQ(picker.pick(ask(seed, 2, 3)), std::vector<BlockRef>{blocks[2]});
  // The timed-out block arriving late from peer 1 is still taken, and peer 2's
  // request for it is cancelled.
  const auto late = picker.on_block_received(1, blocks[1]);
  EXPECT_TRUE(late.accepted);
  EXPECT_EQ(late.cancels, std::vector<Cancel>{(Cancel{2, blocks[1]})});
}

TEST(PiecePickerTest, ChokedPeerOnlyGivesAllowedFastPieces) {
  PiecePicker picker(geometry(10, kBlockSize));
  const Bitfield seed = all_of(10);
  picker.add_peer_bitfield(seed);
  const std::vector<std::uint32_t> allowed{7, 3, 99};
  auto request = ask(seed, 1, 5);
  request.choked = true;
  request.allowed_fast = allowed;
  const auto blocks = picker.pick(request);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].piece, 7u);
  EXPECT_EQ(blocks[1].piece, 3u);
}

TEST(PiecePickerTest, UnwantedPiecesAreNeverPicked) {
  PiecePicker picker(geometry(6, kBlockSize));
  picker.set_wanted(only(6, {1, 4}));
  const Bitfield seed = all_of(6);
  picker.add_peer_bitfield(seed);
  EXPECT_EQ(picker.missing_count(), 2u);
  std::set<std::uint32_t> picked;
  for (const auto& block : picker.pick(ask(seed, 1, 10))) picked.insert(block.piece);
  EXPECT_EQ(picked, (std::set<std::uint32_t>{1, 4}));
  picker.on_block_received(1, picker.block_ref(1, 0));
  picker.on_piece_passed(1);
  picker.on_block_received(1, picker.block_ref(4, 0));
  picker.on_piece_passed(4);
  EXPECT_TRUE(picker.finished());
  EXPECT_FALSE(picker.in_endgame());
  picker.set_wanted(2, true);
  EXPECT_EQ(picker.pick(ask(seed, 1, 10)), std::vector<BlockRef>{picker.block_ref(2, 0)});
}

TEST(PiecePickerTest, MalformedBlocksAreRefused) {
  PiecePicker picker(geometry(2, 2 * kBlockSize));
  EXPECT_FALSE(picker.on_block_received(1, BlockRef{5, 0, kBlockSize}).accepted);
  EXPECT_FALSE(picker.on_block_received(1, BlockRef{0, 1, kBlockSize}).accepted);
  EXPECT_FALSE(picker.on_block_received(1, BlockRef{0, 0, 100}).accepted);
  EXPECT_FALSE(picker.on_block_received(1, BlockRef{0, 2 * kBlockSize, kBlockSize}).accepted);
}

// Not a benchmark gate: downloads a 10k-piece torrent from 30 random peers
// through the picker alone and prints the time (bounded loose so sanitizer
// builds pass; the Release figure goes in the commit message).
TEST(PiecePickerTest, TenThousandPieceDownloadLoop) {
  constexpr std::uint32_t kPieces = 10000;
  PiecePicker picker(geometry(kPieces, 4 * kBlockSize));
  std::mt19937 rng(11);
  std::vector<Bitfield> peers;
  for (int p = 0; p < 30; ++p) {
    Bitfield bits(kPieces);
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      if (rng() % 2 == 0 || p == 0) bits.set(i);
    }
    picker.add_peer_bitfield(bits);
    peers.push_back(std::move(bits));
  }
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t picks = 0;
  for (int round = 0; round < 100000 && !picker.finished(); ++round) {
    const auto who = static_cast<PeerKey>(rng() % peers.size());
    const auto blocks = picker.pick(ask(peers[who], who, 16));
    ++picks;
    for (const auto& block : blocks) {
      if (picker.on_block_received(who, block).piece_complete) picker.on_piece_passed(block.piece);
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(picker.finished());
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  std::cout << "10k pieces, " << picks << " picks of 16 blocks: " << ms << " ms\n";
  EXPECT_LT(ms, 10000);
}

TEST(PiecePickerTest, HundredThousandPiecesPickQuickly) {
  constexpr std::uint32_t kPieces = 100000;
  PiecePicker picker(geometry(kPieces, kBlockSize));
  const Bitfield seed = all_of(kPieces);
  for (int p = 0; p < 5; ++p) picker.add_peer_bitfield(seed);
  picker.add_have(12345);
  const auto start = std::chrono::steady_clock::now();
  for (PeerKey peer = 0; peer < 1000; ++peer) {
    const auto blocks = picker.pick(ask(seed, peer, 4));
    ASSERT_EQ(blocks.size(), 4u);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::cout << "100k pieces, 1000 picks of 4: " << ms << " ms\n";
  EXPECT_LT(ms, 5000);

  // A new leech with 200 scattered pieces: served from its bitfield.
  Bitfield sparse(kPieces);
  std::size_t unstarted = 0;
  for (std::uint32_t i = 0; i < 200; ++i) {
    sparse.set(i * 499);
    unstarted += picker.requesters(picker.block_ref(i * 499, 0)).empty() ? 1 : 0;
  }
  const auto sparse_start = std::chrono::steady_clock::now();
  std::size_t got = 0;
  for (int round = 0; round < 100; ++round) got += picker.pick(ask(sparse, 5000, 4)).size();
  const auto sparse_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - sparse_start)
                             .count();
  std::cout << "100k pieces, 100 picks from a 200-piece peer: " << sparse_ms << " ms\n";
  EXPECT_EQ(got, unstarted);  // all of its pieces not already requested
  EXPECT_LT(sparse_ms, 5000);
}

}  // namespace
}  // namespace btnode::node

namespace btnode::node {
namespace {

// Model-based stress: random picks, arrivals, rejects, releases, hash
// failures and wanted toggles, checked step by step against a plain model of
// every block (who holds a request, whether it arrived).
class PickerModel {
 public:
  static constexpr std::uint32_t kPieces = 40;
  static constexpr std::uint32_t kPeers = 6;
  static constexpr std::uint32_t kMaxRequesters = 2;

  PickerModel() : picker_(options()), rng_(2024) {
    for (std::uint32_t p = 0; p < kPeers; ++p) {
      Bitfield bits(kPieces);
      for (std::uint32_t i = 0; i < kPieces; ++i) {
        if (p == 0 || rng_() % 2 == 0) bits.set(i);
      }
      picker_.add_peer_bitfield(bits);
      peers_.push_back(std::move(bits));
    }
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      blocks_.emplace_back(picker_.blocks_in_piece(i));
    }
  }

  void step() {
    const auto op = rng_() % 100;
    if (op < 45)
      pick();
    else if (op < 80)
      deliver();
    else if (op < 90)
      reject();
    else if (op < 95)
      release();
    else
      toggle_wanted();
    check();
  }

  bool finished() const { return picker_.finished(); }
  int duplicates() const { return duplicates_; }
  int failures() const { return failures_; }
  int passes() const { return passes_; }

 private:
  struct Model {
    std::set<PeerKey> requesters;
    bool received = false;
  };

  static PiecePickerOptions options() {
    auto o = geometry(kPieces, 4 * kBlockSize, (kPieces - 1) * 4ull * kBlockSize + 20000);
    o.endgame_max_requesters = kMaxRequesters;
    return o;
  }

  bool open(std::uint32_t piece) const { return picker_.wanted(piece) && !picker_.have(piece); }

  bool any_free(const Bitfield* only_for) const {
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      if (!open(i) || (only_for != nullptr && !only_for->test(i))) continue;
      for (const auto& b : blocks_[i]) {
        if (!b.received && b.requesters.empty()) return true;
      }
    }
    return false;
  }

  bool model_endgame() const {
    bool missing = false;
    for (std::uint32_t i = 0; i < kPieces; ++i) missing = missing || open(i);
    return missing && !any_free(nullptr);
  }

  void pick() {
    const auto peer = static_cast<PeerKey>(rng_() % kPeers);
    const std::uint32_t count = 1 + rng_() % 8;
    const auto picked = picker_.pick(ask(peers_[peer], peer, count));
    for (const auto& ref : picked) {
      ASSERT_TRUE(open(ref.piece));
      ASSERT_TRUE(peers_[peer].test(ref.piece));
      Model& b = blocks_[ref.piece][ref.begin / kBlockSize];
      ASSERT_EQ(ref, picker_.block_ref(ref.piece, ref.begin / kBlockSize));
      ASSERT_FALSE(b.received);
      ASSERT_FALSE(b.requesters.contains(peer));
      if (!b.requesters.empty()) {  // an endgame duplicate
        ASSERT_TRUE(model_endgame());
        ASSERT_LT(b.requesters.size(), kMaxRequesters);
      }
      b.requesters.insert(peer);
    }
    // Fewer than asked: nothing free was left for this peer.
    if (picked.size() < count) {
      ASSERT_FALSE(any_free(&peers_[peer]));
    }
    for (const auto& ref : picked)
      duplicates_ += blocks_[ref.piece][ref.begin / kBlockSize].requesters.size() > 1 ? 1 : 0;
  }

  std::vector<std::pair<PeerKey, BlockRef>> outstanding() const {
    std::vector<std::pair<PeerKey, BlockRef>> all;
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      for (std::uint32_t k = 0; k < blocks_[i].size(); ++k) {
        for (const PeerKey peer : blocks_[i][k].requesters) {
          all.emplace_back(peer, picker_.block_ref(i, k));
        }
      }
    }
    return all;
  }

  void deliver() {
    const auto all = outstanding();
    if (all.empty()) return;
    const auto [peer, ref] = all[rng_() % all.size()];
    Model& b = blocks_[ref.piece][ref.begin / kBlockSize];
    const auto got = picker_.on_block_received(peer, ref);
    ASSERT_TRUE(got.accepted);
    std::set<PeerKey> cancelled;
    for (const auto& cancel : got.cancels) {
      ASSERT_EQ(cancel.block, ref);
      cancelled.insert(cancel.peer);
    }
    b.requesters.erase(peer);
    ASSERT_EQ(cancelled, b.requesters);
    b.requesters.clear();
    b.received = true;
    const bool complete = std::all_of(blocks_[ref.piece].begin(), blocks_[ref.piece].end(),
                                      [](const Model& m) { return m.received; });
    ASSERT_EQ(got.piece_complete, complete);
    if (complete) finish_piece(ref.piece);
  }

  void finish_piece(std::uint32_t piece) {
    if (rng_() % 10 == 0) {
      const auto contributors = picker_.on_piece_failed(piece);
      ASSERT_EQ(contributors.senders.size(), blocks_[piece].size());
      for (auto& b : blocks_[piece]) b = Model{};
      ++failures_;
    } else {
      picker_.on_piece_passed(piece);
      ++passes_;
      for (auto& b : blocks_[piece]) b = Model{};
    }
  }

  void reject() {
    const auto all = outstanding();
    if (all.empty()) return;
    const auto [peer, ref] = all[rng_() % all.size()];
    if (rng_() % 2 == 0)
      picker_.on_request_rejected(peer, ref);
    else
      picker_.on_request_timed_out(peer, ref);
    blocks_[ref.piece][ref.begin / kBlockSize].requesters.erase(peer);
  }

  void release() {
    const auto peer = static_cast<PeerKey>(rng_() % kPeers);
    const auto released = picker_.release_peer(peer);
    std::set<BlockRef> expected;
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      for (std::uint32_t k = 0; k < blocks_[i].size(); ++k) {
        if (blocks_[i][k].requesters.erase(peer) != 0) expected.insert(picker_.block_ref(i, k));
      }
    }
    ASSERT_EQ(std::set<BlockRef>(released.begin(), released.end()), expected);
  }

  // Half the time a started piece, with some of its requests returned first:
  // the counters for free blocks of unwanted started pieces are the subtle part.
  void toggle_wanted() {
    std::uint32_t piece = rng_() % kPieces;
    const auto all = outstanding();
    if (!all.empty() && rng_() % 2 == 0) {
      const auto [peer, ref] = all[rng_() % all.size()];
      picker_.on_request_rejected(peer, ref);
      blocks_[ref.piece][ref.begin / kBlockSize].requesters.erase(peer);
      piece = ref.piece;
    }
    picker_.set_wanted(piece, !picker_.wanted(piece));
  }

  void check() const {
    ASSERT_EQ(picker_.in_endgame(), model_endgame());
    for (std::uint32_t i = 0; i < kPieces; ++i) {
      for (std::uint32_t k = 0; k < blocks_[i].size(); ++k) {
        const auto holders = picker_.requesters(picker_.block_ref(i, k));
        ASSERT_EQ(std::set<PeerKey>(holders.begin(), holders.end()), blocks_[i][k].requesters)
            << i << "/" << k;
      }
    }
  }

  PiecePicker picker_;
  std::mt19937 rng_;
  std::vector<Bitfield> peers_;
  std::vector<std::vector<Model>> blocks_;
  int duplicates_ = 0;
  int failures_ = 0;
  int passes_ = 0;
};

TEST(PiecePickerTest, RandomOperationsAgreeWithABlockModel) {
  PickerModel model;
  for (int step = 0; step < 4000 && !model.finished(); ++step) {
    model.step();
    if (::testing::Test::HasFatalFailure()) FAIL() << "at step " << step;
  }
  // The run reached every path it is meant to check.
  EXPECT_GT(model.passes(), 20);
  EXPECT_GT(model.failures(), 0);
  EXPECT_GT(model.duplicates(), 0);
  std::cout << "model: " << model.passes() << " passed, " << model.failures() << " failed, "
            << model.duplicates() << " endgame duplicates\n";
}

}  // namespace
}  // namespace btnode::node
