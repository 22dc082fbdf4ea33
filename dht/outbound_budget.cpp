#include "dht/outbound_budget.h"

#include <algorithm>

namespace btnode::dht {

bool OutboundBudget::take(TimePoint now) {
  if (options_.packets_per_second <= 0) return true;
  if (now > last_) {
    const std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(options_.burst, tokens_ + elapsed.count() * options_.packets_per_second);
    last_ = now;
  }
  if (tokens_ < 1) {
    ++refused_;
    return false;
  }
  tokens_ -= 1;
  return true;
}

}  // namespace btnode::dht
