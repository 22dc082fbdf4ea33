// BanList: remembers who sent the blocks of pieces that failed their hash and
// bans liars by IP address for the session, sans-I/O.
//
// A peer that sends corrupt data costs us the whole piece each time. Two
// rules, both counted per address (a reconnect under a new port or peer id
// does not start over):
//   - sole contributor: a failed piece whose every block came from one
//     address is strong evidence; `sole_failures_to_ban` (2) of those bans it
//     (one could be a disk or memory fault on an honest peer);
//   - involvement: a liar that shares pieces with honest peers is caught
//     after `involvements_to_ban` (5) failed pieces it sent blocks of.
// And a precise one (libtorrent's "smart ban"), when the owner can afford to
// hash blocks: the block hashes of a failed piece are kept; when the piece
// later passes, an address whose block differs from the good one sent a
// corrupt block and is banned at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/endpoint.h"

namespace btnode::node {

struct BanListOptions {
  std::uint32_t sole_failures_to_ban = 2;
  std::uint32_t involvements_to_ban = 5;
  // Bounds the smart-ban memory (pieces whose failed block hashes we keep).
  std::size_t max_remembered_pieces = 256;
};

// One block of a piece as received: who sent it and (optionally, for smart
// ban) a digest of its bytes, e.g. SHA-1.
struct BlockSource {
  Endpoint sender;
  std::string digest;  // empty: not hashed
};

class BanList {
 public:
  explicit BanList(const BanListOptions& options = BanListOptions());

  // A piece failed its hash; `blocks` is one entry per block in order (or,
  // without digests, one per distinct sender, e.g. storage::PieceFailed).
  // Returns the addresses banned by this failure (disconnect every peer at
  // them).
  std::vector<Endpoint> on_piece_failed(std::uint32_t piece, std::span<const BlockSource> blocks);
  // The piece passed. With digests, senders of blocks that differed from
  // these during an earlier failure are banned and returned.
  std::vector<Endpoint> on_piece_passed(std::uint32_t piece, std::span<const BlockSource> blocks);

  // Looks through v4-mapped addresses; the port is ignored.
  bool is_banned(const Endpoint& peer) const;
  void ban(const Endpoint& peer);
  std::size_t banned_count() const { return banned_.size(); }

 private:
  struct Record {
    std::uint32_t sole_failures = 0;
    std::uint32_t involvements = 0;
  };
  static std::string key(const Endpoint& peer);
  bool ban_if_new(const Endpoint& peer, std::vector<Endpoint>& out);
  void remember(std::uint32_t piece, std::span<const BlockSource> blocks);

  BanListOptions options_;
  std::unordered_map<std::string, Record> records_;
  std::unordered_set<std::string> banned_;
  // piece -> the failed attempt's block sources (smart ban)
  std::unordered_map<std::uint32_t, std::vector<BlockSource>> failed_blocks_;
  std::vector<std::uint32_t> remembered_order_;  // oldest first, for the bound
};

}  // namespace btnode::node
