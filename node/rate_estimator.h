// RateEstimator: bytes per second over a sliding window, sans-I/O.
//
// The window is split into fixed slots (a ring); a sample lands in the slot of
// its time, and slots older than the window are forgotten. Cost is O(slots)
// per query and O(1) amortised per sample, with no per-sample allocation,
// so it can sit on every block of every peer.
#pragma once

#include <array>
#include <cstdint>

#include "node/peer_key.h"

namespace btnode::node {

class RateEstimator {
 public:
  // 10 slots of `window / 10`: a 5 s window reacts within half a second.
  explicit RateEstimator(Duration window = std::chrono::seconds(5));

  void add(std::uint64_t bytes, TimePoint now);
  // Bytes/s over the part of the window that has elapsed since the first
  // sample (a new peer is not averaged against time it was not connected).
  double rate(TimePoint now) const;
  std::uint64_t total() const { return total_; }

 private:
  static constexpr std::size_t kSlots = 10;
  std::int64_t slot_of(TimePoint now) const;
  void advance(std::int64_t slot);

  Duration slot_length_;
  std::array<std::uint64_t, kSlots> bytes_{};
  std::int64_t newest_slot_ = 0;  // absolute slot number of the newest sample
  bool started_ = false;
  TimePoint first_{};
  std::uint64_t total_ = 0;
};

}  // namespace btnode::node
