// RequestPipeline: how many block requests to keep outstanding at one peer,
// sans-I/O.
//
// A fixed queue (old clients used 5) caps a peer at queue × 16 KiB per
// round trip: 5 blocks over a 100 ms path is 800 KiB/s however fast the
// link. We keep the bandwidth-delay product in flight instead:
//     target = rate × rtt × headroom / block size,  clamped to
//     [min_requests, min(max_requests, peer's reqq)].
// `rate` is what the peer delivered over a sliding window; `rtt` is the
// smallest request→block time seen recently, because the mean includes the
// time our own requests wait in the peer's queue and would grow the queue
// that inflated it (a feedback loop). `headroom` > 1 lets the rate grow: with
// exactly one BDP in flight the measured rate can only stay where it is.
#pragma once

#include <cstdint>

#include "node/peer_key.h"
#include "node/rate_estimator.h"

namespace btnode::node {

struct RequestPipelineOptions {
  std::uint32_t min_requests = 4;
  std::uint32_t max_requests = 500;
  std::uint32_t block_size = 16 * 1024;
  double headroom = 2.0;
  Duration rate_window = std::chrono::seconds(5);
  // A minimum RTT older than this is replaced by the next sample (routes and
  // peer load change).
  Duration rtt_memory = std::chrono::seconds(30);
};

class RequestPipeline {
 public:
  explicit RequestPipeline(const RequestPipelineOptions& options = RequestPipelineOptions());

  // A block arrived; `rtt` is the time since its request was sent.
  void on_block(std::uint32_t bytes, Duration rtt, TimePoint now);

  // Requests we want outstanding now. `peer_reqq` is the peer's BEP 10 reqq
  // (PeerProtocol::peer_reqq()).
  std::uint32_t target(std::uint32_t peer_reqq, TimePoint now) const;
  // How many more requests to send given `outstanding` already sent.
  std::uint32_t room(std::uint32_t outstanding, std::uint32_t peer_reqq, TimePoint now) const;

  double rate(TimePoint now) const { return rate_.rate(now); }
  // Zero until the first sample.
  Duration min_rtt() const { return min_rtt_; }

 private:
  RequestPipelineOptions options_;
  RateEstimator rate_;
  Duration min_rtt_{};
  TimePoint min_rtt_at_{};
  bool have_rtt_ = false;
};

}  // namespace btnode::node
