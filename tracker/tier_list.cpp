#include "tracker/tier_list.h"

#include <algorithm>
#include <random>
#include <set>

namespace btnode::tracker {

TierList::TierList(std::vector<std::vector<std::string>> tiers, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::string> seen;
  for (auto& tier : tiers) {
    std::vector<std::string> kept;
    for (auto& url : tier)
      if (!url.empty() && seen.insert(url).second) kept.push_back(std::move(url));
    if (kept.empty()) continue;
    std::shuffle(kept.begin(), kept.end(), rng);
    tiers_.push_back(std::move(kept));
  }
}

std::size_t TierList::size() const {
  std::size_t n = 0;
  for (const auto& t : tiers_) n += t.size();
  return n;
}

std::optional<TierPosition> TierList::first() const {
  if (tiers_.empty()) return std::nullopt;
  return TierPosition{0, 0};
}

std::optional<TierPosition> TierList::next(TierPosition at) const {
  if (at.tier >= tiers_.size()) return std::nullopt;
  if (at.index + 1 < tiers_[at.tier].size()) return TierPosition{at.tier, at.index + 1};
  if (at.tier + 1 < tiers_.size()) return TierPosition{at.tier + 1, 0};
  return std::nullopt;
}

void TierList::promote(TierPosition at) {
  auto& tier = tiers_[at.tier];
  std::rotate(tier.begin(), tier.begin() + static_cast<std::ptrdiff_t>(at.index),
              tier.begin() + static_cast<std::ptrdiff_t>(at.index) + 1);
}

}  // namespace btnode::tracker
