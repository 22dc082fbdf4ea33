// RequestPipeline: how many block requests to keep outstanding at one peer,
// sans-I/O.
//
// A fixed queue (old clients used 5) caps a peer at queue × 16 KiB per
// round trip: 5 blocks over a 100 ms path is 800 KiB/s however fast the
// link. We keep the bandwidth-delay product in flight instead:
//     target = bandwidth × rtt × headroom / block size,  clamped to
//     [min_requests, min(max_requests, peer's reqq)].
// `rtt` is the smallest request→block time seen recently, because the mean
// includes the time our own requests wait in the peer's queue and would
// grow the queue that inflated it (a feedback loop).
// `bandwidth` is the best delivery rate of the last few rounds (a round
// lasts one rtt, at least `round_floor`), as BBR estimates it, not a
// seconds-long average: while the pipeline is what limits the peer, each
// round delivers what was in flight, so the target doubles every round
// (headroom 2) like TCP slow start and reaches the link's rate in a few
// round trips. A 5 s average made that ramp linear: about 9 s to reach
// 100 MB/s at 20 ms (measured with a fluid model). Once the link is the
// limit the rounds read its rate and the target settles at 2 × BDP.
#pragma once

#include <array>
#include <cstdint>

#include "node/peer_key.h"
#include "node/rate_estimator.h"

namespace btnode::node {

struct RequestPipelineOptions {
  std::uint32_t min_requests = 4;
  std::uint32_t max_requests = 500;
  std::uint32_t block_size = 16 * 1024;
  double headroom = 2.0;
  // For rate() (progress display, choker): a smooth average.
  Duration rate_window = std::chrono::seconds(5);
  // A minimum RTT older than this is replaced by the next sample (routes and
  // peer load change).
  Duration rtt_memory = std::chrono::seconds(30);
  // Shortest round: on loopback the rtt is ~0.1 ms, too few blocks per round
  // for a stable sample.
  Duration round_floor = std::chrono::milliseconds(10);
  // The round trip the target assumes is at least this. A peer serving from
  // disk answers in bursts whose spacing (its disk reads, its scheduler on a
  // busy machine) is not in the minimum RTT: on loopback that minimum is
  // ~0.1 ms, a target of a few blocks, and the link idles between bursts.
  Duration rtt_floor{};
};

class RequestPipeline {
 public:
  explicit RequestPipeline(const RequestPipelineOptions& options = RequestPipelineOptions());

  // A block arrived; `rtt` is the time since its request was sent.
  void on_block(std::uint32_t bytes, Duration rtt, TimePoint now);

  // Requests we want outstanding now. `peer_reqq` is the peer's BEP 10 reqq
  // (PeerProtocol::peer_reqq()).
  std::uint32_t target(std::uint32_t peer_reqq) const;
  // How many more requests to send given `outstanding` already sent.
  std::uint32_t room(std::uint32_t outstanding, std::uint32_t peer_reqq) const;

  // Bytes/s over rate_window.
  double rate(TimePoint now) const { return rate_.rate(now); }
  // Best round delivery rate of the last kRounds rounds (0 before the first).
  double bandwidth() const;
  // Zero until the first sample.
  Duration min_rtt() const { return min_rtt_; }

 private:
  static constexpr std::size_t kRounds = 10;
  void update_rtt(Duration rtt, TimePoint now);
  void end_round(TimePoint now);

  RequestPipelineOptions options_;
  RateEstimator rate_;
  Duration min_rtt_{};
  TimePoint min_rtt_at_{};
  bool have_rtt_ = false;
  bool in_round_ = false;
  TimePoint round_start_{};
  std::uint64_t round_bytes_ = 0;
  std::array<double, kRounds> round_rates_{};  // ring of recent round rates
  std::size_t next_round_ = 0;
};

}  // namespace btnode::node
