#include "node/request_pipeline.h"

#include <algorithm>
#include <cmath>

namespace btnode::node {

RequestPipeline::RequestPipeline(const RequestPipelineOptions& options)
    : options_(options), rate_(options.rate_window) {}

void RequestPipeline::on_block(std::uint32_t bytes, Duration rtt, TimePoint now) {
  rate_.add(bytes, now);
  if (rtt <= Duration::zero()) return;
  if (!have_rtt_ || rtt <= min_rtt_ || now - min_rtt_at_ > options_.rtt_memory) {
    min_rtt_ = rtt;
    min_rtt_at_ = now;
    have_rtt_ = true;
  }
}

std::uint32_t RequestPipeline::target(std::uint32_t peer_reqq, TimePoint now) const {
  // The peer's reqq is a hard limit (it may drop what exceeds it), even below
  // our minimum.
  const std::uint32_t upper = std::min(options_.max_requests, peer_reqq);
  const std::uint32_t lower = std::min(options_.min_requests, upper);
  if (!have_rtt_ || options_.block_size == 0) return lower;
  const double seconds = std::chrono::duration<double>(min_rtt_).count();
  const double blocks =
      std::ceil(rate_.rate(now) * seconds * options_.headroom / options_.block_size);
  if (blocks >= static_cast<double>(upper)) return upper;
  return std::max(lower, static_cast<std::uint32_t>(blocks));
}

std::uint32_t RequestPipeline::room(std::uint32_t outstanding, std::uint32_t peer_reqq,
                                    TimePoint now) const {
  const std::uint32_t want = target(peer_reqq, now);
  return want > outstanding ? want - outstanding : 0;
}

}  // namespace btnode::node
