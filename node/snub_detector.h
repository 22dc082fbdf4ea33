// SnubDetector: notices a peer that unchoked us, holds our requests and
// sends nothing, sans-I/O.
//
// libtorrent and the original client call such a peer "snubbed": it is not
// counted as a good uploader for tit-for-tat (its rate is stale) and its
// requests go back to the picker for other peers. It stops being snubbed as
// soon as a block arrives.
#pragma once

#include "node/peer_key.h"

namespace btnode::node {

class SnubDetector {
 public:
  explicit SnubDetector(Duration timeout = std::chrono::seconds(60)) : timeout_(timeout) {}

  // The peer unchoked us, or we sent a request while none was outstanding:
  // the clock for "sent nothing" starts here, not at the last block (which
  // may be long ago if we had nothing to ask for).
  void on_waiting_started(TimePoint now) { last_progress_ = now; }
  void on_block(TimePoint now) {
    last_progress_ = now;
    snubbed_ = false;
  }

  // True exactly once, when the peer becomes snubbed: the owner returns its
  // requests to the picker (PiecePicker::release_peer).
  bool check(TimePoint now, bool peer_choking_us, bool requests_outstanding) {
    if (snubbed_ || peer_choking_us || !requests_outstanding) return false;
    if (now - last_progress_ < timeout_) return false;
    snubbed_ = true;
    return true;
  }
  bool snubbed() const { return snubbed_; }

 private:
  Duration timeout_;
  TimePoint last_progress_{};
  bool snubbed_ = false;
};

}  // namespace btnode::node
