// When to announce and with which event (BEP 3): `started` first (until a
// tracker took it), `completed` once when the download finishes (not for a
// torrent that was complete from the start), `stopped` on shutdown, and
// otherwise regular announces every `interval`. Early announces (hurry) wait
// for the tracker's `min interval`, `completed` does not; after a failed
// round, back off 15 s, 30 s, ... up to 30 min.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "tracker/announce.h"
#include "tracker/udp_exchange.h"

namespace btnode::tracker {

class AnnounceSchedule {
 public:
  AnnounceSchedule(TimePoint now, bool complete_at_start);

  Event event() const;
  bool completed_pending() const { return completed_due_; }
  TimePoint due() const { return due_; }

  void on_success(TimePoint now, const AnnounceResponse& response);
  void on_failure(TimePoint now);
  // The download finished: announce `completed` now (after a back-off if
  // the last round failed).
  void on_complete(TimePoint now);
  // More peers wanted (e.g. none connected): announce early, as allowed.
  void hurry(TimePoint now);

 private:
  TimePoint earliest(TimePoint now) const;

  bool started_sent_ = false;
  bool completed_due_ = false;
  bool complete_ = false;
  TimePoint due_;
  TimePoint last_success_{};
  std::optional<Duration> min_interval_;
  int failures_ = 0;
};

}  // namespace btnode::tracker
