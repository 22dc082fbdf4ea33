#include "tracker/announce_schedule.h"

#include <algorithm>

namespace btnode::tracker {

using std::chrono::seconds;

AnnounceSchedule::AnnounceSchedule(TimePoint now, bool complete_at_start)
    : complete_(complete_at_start), due_(now) {}

Event AnnounceSchedule::event() const {
  if (!started_sent_) return Event::started;
  if (completed_due_) return Event::completed;
  return Event::none;
}

TimePoint AnnounceSchedule::earliest(TimePoint now) const {
  if (!min_interval_) return now;
  return std::max(now, last_success_ + *min_interval_);
}

void AnnounceSchedule::on_success(TimePoint now, const AnnounceResponse& response) {
  if (!started_sent_) {
    started_sent_ = true;
  } else if (completed_due_) {
    completed_due_ = false;
  }
  failures_ = 0;
  last_success_ = now;
  min_interval_.reset();
  if (response.min_interval) min_interval_ = seconds(*response.min_interval);
  due_ = now + seconds(response.interval);
  // A `completed` that became due during this round goes out next.
  if (completed_due_) due_ = now;
}

void AnnounceSchedule::on_failure(TimePoint now) {
  auto backoff = seconds(15) * (1 << std::min(failures_, 7));
  ++failures_;
  due_ = std::max(now + std::min<Duration>(backoff, seconds(1800)), earliest(now));
}

void AnnounceSchedule::on_complete(TimePoint now) {
  if (complete_) return;
  complete_ = true;
  completed_due_ = true;
  // An event, not a re-announce: min interval does not hold it back (the
  // swarm's completed count and seed/leech split depend on it).
  if (failures_ == 0) due_ = std::min(due_, now);
}

void AnnounceSchedule::hurry(TimePoint now) {
  if (failures_ == 0) due_ = std::min(due_, earliest(now));  // keep a failure's back-off
}

}  // namespace btnode::tracker
