// Per-IP inbound rate limit with a temporary block, like libtorrent's
// dos_blocker: a host that sends more than max_packets within one window is
// ignored for block_for. Cheap enough to run before decoding anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "core/endpoint.h"
#include "dht/time.h"

namespace btnode::dht {

struct RateLimiterOptions {
  std::uint32_t max_packets = 50;  // per window; a busy honest node sends a few per second
  Duration window = 5s;
  Duration block_for = 5min;
  // Bounds memory under a flood from many addresses. When full, hosts not yet
  // tracked pass unlimited: the global outbound budget is the backstop there.
  std::size_t max_tracked = 4096;
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimiterOptions options = {}) : options_(options) {}

  // Counts one packet from `source` (port ignored) and says whether to handle it.
  bool allow(const Endpoint& source, TimePoint now);
  bool is_blocked(const Endpoint& source, TimePoint now) const;
  std::size_t tracked() const { return hosts_.size(); }

 private:
  struct Host {
    TimePoint window_start;
    TimePoint blocked_until;
    std::uint32_t count = 0;
  };
  void prune(TimePoint now);

  RateLimiterOptions options_;
  // Endpoint's hash is keyed SipHash: sources cannot aim at one bucket.
  std::unordered_map<Endpoint, Host> hosts_;
};

}  // namespace btnode::dht
