#include "dht/rpc_tracker.h"

#include <algorithm>

#include "core/random.h"

namespace btnode::dht {

// A random start makes our ids less predictable to off-path spoofers.
RpcTracker::RpcTracker(std::size_t max_in_flight)
    : max_in_flight_(std::min<std::size_t>(max_in_flight, 65535)),
      next_id_(static_cast<std::uint16_t>(random_uniform(65536))) {}

std::optional<RpcTracker::TransactionId> RpcTracker::start(const PendingQuery& query) {
  if (pending_.size() >= max_in_flight_) return std::nullopt;
  // Fewer than 65536 are in flight, so a free id is found within that many steps.
  while (pending_.contains(next_id_)) ++next_id_;
  const std::uint16_t id = next_id_++;
  pending_.emplace(id, query);
  oldest_ = std::min(oldest_, query.sent);
  return TransactionId{static_cast<char>(id >> 8), static_cast<char>(id & 0xff)};
}

std::optional<PendingQuery> RpcTracker::finish(std::string_view transaction_id,
                                               const Endpoint& from) {
  if (transaction_id.size() != 2) return std::nullopt;
  const auto id = static_cast<std::uint16_t>((static_cast<unsigned char>(transaction_id[0]) << 8) |
                                             static_cast<unsigned char>(transaction_id[1]));
  const auto it = pending_.find(id);
  if (it == pending_.end() || it->second.to != from) return std::nullopt;
  PendingQuery query = it->second;
  pending_.erase(it);
  return query;
}

void RpcTracker::expire(TimePoint now, Duration timeout, std::vector<PendingQuery>& timed_out) {
  if (pending_.empty()) oldest_ = TimePoint::max();
  if (oldest_ == TimePoint::max() || now - oldest_ < timeout) return;
  oldest_ = TimePoint::max();
  std::erase_if(pending_, [&](const auto& entry) {
    if (now - entry.second.sent < timeout) {
      oldest_ = std::min(oldest_, entry.second.sent);
      return false;
    }
    timed_out.push_back(entry.second);
    return true;
  });
}

// May be early (see oldest_), never late.
TimePoint RpcTracker::next_timeout(Duration timeout) const {
  if (pending_.empty() || oldest_ == TimePoint::max()) return TimePoint::max();
  return oldest_ + timeout;
}

}  // namespace btnode::dht
