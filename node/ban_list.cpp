#include "node/ban_list.h"

#include <algorithm>

namespace btnode::node {

BanList::BanList(const BanListOptions& options) : options_(options) {}

std::string BanList::key(const Endpoint& peer) {
  return std::string(peer.unmapped().address_bytes());
}

bool BanList::is_banned(const Endpoint& peer) const {
  return banned_.contains(key(peer));
}

void BanList::ban(const Endpoint& peer) {
  banned_.insert(key(peer));
}

bool BanList::ban_if_new(const Endpoint& peer, std::vector<Endpoint>& out) {
  if (!banned_.insert(key(peer)).second) return false;
  out.push_back(peer);
  return true;
}

std::vector<Endpoint> BanList::on_piece_failed(std::uint32_t piece,
                                               std::span<const BlockSource> blocks) {
  std::vector<Endpoint> banned;
  if (blocks.empty()) return banned;
  // Each address counts once per piece however many blocks it sent.
  std::vector<std::pair<std::string, Endpoint>> senders;
  for (const BlockSource& block : blocks) {
    std::string k = key(block.sender);
    const bool seen = std::any_of(senders.begin(), senders.end(),
                                  [&k](const auto& entry) { return entry.first == k; });
    if (!seen) senders.emplace_back(std::move(k), block.sender);
  }
  const bool sole = senders.size() == 1;
  for (const auto& [k, endpoint] : senders) {
    Record& record = records_[k];
    ++record.involvements;
    if (sole) ++record.sole_failures;
    if (record.sole_failures >= options_.sole_failures_to_ban ||
        record.involvements >= options_.involvements_to_ban) {
      ban_if_new(endpoint, banned);
    }
  }
  remember(piece, blocks);
  return banned;
}

// Keeps only the first failed attempt with digests: that is the one the good
// copy is compared with; later failures of the same piece add nothing new.
void BanList::remember(std::uint32_t piece, std::span<const BlockSource> blocks) {
  const bool hashed = std::all_of(blocks.begin(), blocks.end(),
                                  [](const BlockSource& block) { return !block.digest.empty(); });
  if (!hashed || options_.max_remembered_pieces == 0 || failed_blocks_.contains(piece)) return;
  if (failed_blocks_.size() >= options_.max_remembered_pieces) {
    failed_blocks_.erase(remembered_order_.front());
    remembered_order_.erase(remembered_order_.begin());
  }
  failed_blocks_.emplace(piece, std::vector<BlockSource>(blocks.begin(), blocks.end()));
  remembered_order_.push_back(piece);
}

std::vector<Endpoint> BanList::on_piece_passed(std::uint32_t piece,
                                               std::span<const BlockSource> blocks) {
  std::vector<Endpoint> banned;
  const auto failed = failed_blocks_.find(piece);
  if (failed == failed_blocks_.end()) return banned;
  const std::vector<BlockSource>& bad = failed->second;
  if (bad.size() == blocks.size()) {
    for (std::size_t i = 0; i < bad.size(); ++i) {
      if (blocks[i].digest.empty() || bad[i].digest == blocks[i].digest) continue;
      ban_if_new(bad[i].sender, banned);
    }
  }
  failed_blocks_.erase(failed);
  std::erase(remembered_order_, piece);
  return banned;
}

}  // namespace btnode::node
