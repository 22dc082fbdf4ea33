#include "node/request_pipeline.h"

#include <algorithm>
#include <cmath>

namespace btnode::node {

RequestPipeline::RequestPipeline(const RequestPipelineOptions& options)
    : options_(options), rate_(options.rate_window) {}

void RequestPipeline::on_block(std::uint32_t bytes, Duration rtt, TimePoint now) {
  rate_.add(bytes, now);
  update_rtt(rtt, now);
  if (!in_round_) {
    // The first block only marks the start: what arrives after it is what
    // the round delivered.
    in_round_ = true;
    round_start_ = now;
    round_bytes_ = 0;
    return;
  }
  round_bytes_ += bytes;
  const Duration round = std::max(min_rtt_, options_.round_floor);
  if (now - round_start_ >= round) end_round(now);
}

void RequestPipeline::update_rtt(Duration rtt, TimePoint now) {
  if (rtt <= Duration::zero()) return;
  if (!have_rtt_ || rtt <= min_rtt_ || now - min_rtt_at_ > options_.rtt_memory) {
    min_rtt_ = rtt;
    min_rtt_at_ = now;
    have_rtt_ = true;
  }
}

// A round that spans an idle gap (choked, nothing to ask) would read as a
// slow link; it is dropped rather than sampled.
void RequestPipeline::end_round(TimePoint now) {
  const Duration length = now - round_start_;
  const Duration round = std::max(min_rtt_, options_.round_floor);
  if (length <= 4 * round) {
    const double seconds = std::chrono::duration<double>(length).count();
    round_rates_[next_round_] = static_cast<double>(round_bytes_) / seconds;
    next_round_ = (next_round_ + 1) % kRounds;
  }
  round_start_ = now;
  round_bytes_ = 0;
}

double RequestPipeline::bandwidth() const {
  return *std::max_element(round_rates_.begin(), round_rates_.end());
}

std::uint32_t RequestPipeline::target(std::uint32_t peer_reqq) const {
  // The peer's reqq is a hard limit (it may drop what exceeds it), even below
  // our minimum.
  const std::uint32_t upper = std::min(options_.max_requests, peer_reqq);
  const std::uint32_t lower = std::min(options_.min_requests, upper);
  if (!have_rtt_ || options_.block_size == 0) return lower;
  const double seconds = std::chrono::duration<double>(std::max(min_rtt_, options_.rtt_floor)).count();
  const double blocks = std::ceil(bandwidth() * seconds * options_.headroom / options_.block_size);
  if (blocks >= static_cast<double>(upper)) return upper;
  return std::max(lower, static_cast<std::uint32_t>(blocks));
}

std::uint32_t RequestPipeline::room(std::uint32_t outstanding, std::uint32_t peer_reqq) const {
  const std::uint32_t want = target(peer_reqq);
  return want > outstanding ? want - outstanding : 0;
}

}  // namespace btnode::node
