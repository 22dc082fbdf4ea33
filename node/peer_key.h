// Names shared by the Torrent's sans-I/O policies (picker, pipeline, choker,
// ban list): how they refer to a peer connection and to time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace btnode::node {

// The owner's name for one peer connection (e.g. a connection counter); the
// policies only compare it. A reconnecting peer gets a new key. The same type
// as storage::PeerKey, so block senders pass between them unchanged.
using PeerKey = std::uint64_t;

// Time is passed in by the owner; the policies never read a clock.
using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

// Whether `key` is in a small list of peers (the policies keep short vectors).
inline bool contains(const std::vector<PeerKey>& keys, PeerKey key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace btnode::node
