// Multitracker tiers (BEP 12). Each tier is shuffled once; trackers are tried
// in order, tier by tier, and the one that answers moves to the front of its
// tier so the next announce starts with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace btnode::tracker {

struct TierPosition {
  std::size_t tier = 0;
  std::size_t index = 0;
  bool operator==(const TierPosition&) const = default;
};

class TierList {
 public:
  // Empty URLs and empty tiers are dropped; a URL listed twice is kept once
  // (its first place). `seed` drives the shuffle (tests pass a fixed one).
  TierList(std::vector<std::vector<std::string>> tiers, std::uint64_t seed);

  bool empty() const { return tiers_.empty(); }
  std::size_t size() const;
  const std::vector<std::vector<std::string>>& tiers() const { return tiers_; }

  // Where an announce round starts, and the tracker to try after `at`
  // failed; nothing once every tracker was tried.
  std::optional<TierPosition> first() const;
  std::optional<TierPosition> next(TierPosition at) const;
  const std::string& url(TierPosition at) const { return tiers_[at.tier][at.index]; }

  // BEP 12: the tracker that answered moves to the front of its tier.
  void promote(TierPosition at);

 private:
  std::vector<std::vector<std::string>> tiers_;
};

}  // namespace btnode::tracker
