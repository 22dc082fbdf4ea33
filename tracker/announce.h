// What a tracker announce carries, independent of HTTP (BEP 3) or UDP
// (BEP 15): the request, the answer, and the bounds every decoder applies.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"

namespace btnode::tracker {

using Hash20 = std::array<std::uint8_t, 20>;

inline std::string_view view(const Hash20& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// BEP 3 `event`; UDP (BEP 15) numbers them 0 none, 1 completed, 2 started, 3 stopped.
enum class Event : std::uint8_t { none, completed, started, stopped };
std::string_view event_name(Event e);  // "" for none

struct AnnounceRequest {
  Hash20 info_hash{};
  PeerId peer_id;
  std::uint16_t port = 0;
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  std::uint64_t left = 0;
  Event event = Event::none;
  std::int32_t numwant = 50;  // BEP 3 optional; -1 lets a UDP tracker decide
  std::uint32_t key = 0;      // lets the tracker recognise us across IP changes
  bool compact = true;        // BEP 23
  // BEP 3 `ip` (the server side reads it; clients normally leave it unset).
  std::optional<Endpoint> ip;
};

// Decoders keep at most this many peers from one answer; the rest are
// ignored (a tracker answering 10,000 peers must not cost 10,000 dials).
inline constexpr std::size_t kDefaultMaxPeers = 500;

struct AnnounceResponse {
  std::uint32_t interval = 1800;               // seconds until the next regular announce
  std::optional<std::uint32_t> min_interval;   // never announce more often than this
  std::optional<std::uint32_t> complete;       // seeders
  std::optional<std::uint32_t> incomplete;     // leechers
  std::vector<Endpoint> peers;                 // v4 and v6 (BEP 7), at most max_peers
  std::size_t peers_dropped = 0;               // over the bound
  std::string warning;                         // BEP 3 `warning message`
  std::optional<Endpoint> external_ip;         // BEP 24 (port 0)
  std::string tracker_id;                      // BEP 3 `tracker id`, echoed back
};

struct ScrapeEntry {
  Hash20 info_hash{};
  std::uint32_t complete = 0;    // seeders
  std::uint32_t downloaded = 0;  // completed downloads ever
  std::uint32_t incomplete = 0;  // leechers
};

// Intervals from a tracker are clamped into [kMinInterval, kMaxInterval]:
// "interval 0" must not make us announce in a loop, and 10 years must not
// make a torrent forget its tracker.
inline constexpr std::uint32_t kMinInterval = 30;
inline constexpr std::uint32_t kMaxInterval = 4 * 3600;
std::uint32_t clamp_interval(std::int64_t seconds);

}  // namespace btnode::tracker
