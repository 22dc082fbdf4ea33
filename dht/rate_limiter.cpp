#include "dht/rate_limiter.h"

namespace btnode::dht {

bool RateLimiter::allow(const Endpoint& source, TimePoint now) {
  const Endpoint key = source.with_port(0);
  auto it = hosts_.find(key);
  if (it == hosts_.end()) {
    if (hosts_.size() >= options_.max_tracked) prune(now);
    if (hosts_.size() >= options_.max_tracked) return true;
    it = hosts_.emplace(key, Host{now, now, 0}).first;
  }
  Host& host = it->second;
  if (now < host.blocked_until) return false;
  if (now - host.window_start >= options_.window) {
    host.window_start = now;
    host.count = 0;
  }
  if (++host.count <= options_.max_packets) return true;
  host.blocked_until = now + options_.block_for;
  return false;
}

bool RateLimiter::is_blocked(const Endpoint& source, TimePoint now) const {
  const auto it = hosts_.find(source.with_port(0));
  return it != hosts_.end() && now < it->second.blocked_until;
}

// Forgets hosts whose window ended and that are not blocked: they would start
// from zero anyway.
void RateLimiter::prune(TimePoint now) {
  std::erase_if(hosts_, [&](const auto& entry) {
    const Host& h = entry.second;
    return now >= h.blocked_until && now - h.window_start >= options_.window;
  });
}

}  // namespace btnode::dht
