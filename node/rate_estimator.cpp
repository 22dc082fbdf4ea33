#include "node/rate_estimator.h"

#include <algorithm>

namespace btnode::node {

namespace {

std::size_t ring_index(std::int64_t slot, std::size_t slots) {
  const auto n = static_cast<std::int64_t>(slots);
  return static_cast<std::size_t>(((slot % n) + n) % n);
}

}  // namespace

RateEstimator::RateEstimator(Duration window)
    : slot_length_(std::max(Duration(1), window / static_cast<int>(kSlots))) {}

std::int64_t RateEstimator::slot_of(TimePoint now) const {
  return now.time_since_epoch() / slot_length_;
}

// Clears the slots between the newest sample and `slot` (at most the whole
// ring), so a long silence reads as zero, not as the old bytes.
void RateEstimator::advance(std::int64_t slot) {
  const std::int64_t gap = std::min<std::int64_t>(slot - newest_slot_, kSlots);
  for (std::int64_t k = 1; k <= gap; ++k) bytes_[ring_index(newest_slot_ + k, kSlots)] = 0;
  newest_slot_ = slot;
}

void RateEstimator::add(std::uint64_t bytes, TimePoint now) {
  const std::int64_t slot = slot_of(now);
  if (!started_) {
    started_ = true;
    first_ = now;
    newest_slot_ = slot;
  } else if (slot > newest_slot_) {
    advance(slot);
  } else if (newest_slot_ - slot >= static_cast<std::int64_t>(kSlots)) {
    return;  // older than the window: the owner's clock went back; drop it
  }
  bytes_[ring_index(slot, kSlots)] += bytes;
  total_ += bytes;
}

double RateEstimator::rate(TimePoint now) const {
  if (!started_) return 0;
  const std::int64_t current = slot_of(now);
  std::uint64_t sum = 0;
  for (std::int64_t k = 0; k < static_cast<std::int64_t>(kSlots); ++k) {
    const std::int64_t slot = current - k;
    if (slot > newest_slot_) continue;
    if (slot <= newest_slot_ - static_cast<std::int64_t>(kSlots)) break;
    sum += bytes_[ring_index(slot, kSlots)];
  }
  // The window ends inside the current slot; a young estimator only counts
  // the time since its first sample (but at least one slot, so the first
  // block does not read as an enormous rate).
  Duration span = slot_length_ * static_cast<int>(kSlots - 1) +
                  (now.time_since_epoch() - slot_length_ * current);
  span = std::min(span, now - first_);
  span = std::max(span, slot_length_);
  return static_cast<double>(sum) / std::chrono::duration<double>(span).count();
}

}  // namespace btnode::node
