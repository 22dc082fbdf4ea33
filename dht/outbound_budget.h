// The global outbound packet budget: a token bucket over every datagram a
// Node sends (replies, errors, its own queries). Per-IP inbound limits stop
// one flooding host; this stops a flood from many (spoofed) sources from
// turning the node into a traffic source, and bounds what a runaway lookup
// can send.
#pragma once

#include <cstdint>

#include "dht/time.h"

namespace btnode::dht {

struct OutboundBudgetOptions {
  double packets_per_second = 4000;  // 0: unlimited
  double burst = 2000;               // packets that may go out at once
};

class OutboundBudget {
 public:
  OutboundBudget(OutboundBudgetOptions options, TimePoint now)
      : options_(options), tokens_(options.burst), last_(now) {}

  // Takes one packet's worth; false when the budget is spent (drop it).
  bool take(TimePoint now);
  std::uint64_t refused() const { return refused_; }

 private:
  OutboundBudgetOptions options_;
  double tokens_;
  TimePoint last_;
  std::uint64_t refused_ = 0;
};

}  // namespace btnode::dht
