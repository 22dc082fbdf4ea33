#include "dht/rtt_estimator.h"

#include <algorithm>

namespace btnode::dht {

void RttEstimator::add(Duration sample) {
  if (sample < Duration::zero()) return;
  if (samples_++ == 0) {
    srtt_ = sample;  // RFC 6298 2.2
    rttvar_ = sample / 2;
    return;
  }
  // RFC 6298 2.3: beta = 1/4, alpha = 1/8.
  const Duration error = sample > srtt_ ? sample - srtt_ : srtt_ - sample;
  rttvar_ = (3 * rttvar_ + error) / 4;
  srtt_ = (7 * srtt_ + sample) / 8;
}

Duration RttEstimator::timeout() const {
  if (!options_.adaptive || samples_ == 0) return options_.ceiling;
  return std::clamp(srtt_ + options_.deviations * rttvar_, options_.floor, options_.ceiling);
}

}  // namespace btnode::dht
