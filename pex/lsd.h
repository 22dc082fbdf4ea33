// BEP 14 local service discovery: the BT-SEARCH announce multicast on the LAN
// (239.192.152.143:6771, [ff15::efc0:988f]:6771), and the policy for sending
// and taking them (sans-I/O).
//
//   BT-SEARCH * HTTP/1.1\r\n
//   Host: <group>:6771\r\n
//   Port: <tcp port>\r\n
//   Infohash: <40 hex>\r\n          (one or more)
//   cookie: <opaque>\r\n            (optional; lets a sender recognise its own)
//   \r\n\r\n
//
// Parsing is bounded: a datagram over 1400 bytes, a first line other than
// BT-SEARCH, a missing or zero Port or no valid Infohash is an error; at most
// `max_info_hashes` are kept; header names are case-insensitive.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace btnode::pex {

inline constexpr std::uint16_t kLsdPort = 6771;
inline constexpr std::string_view kLsdGroupV4 = "239.192.152.143";
inline constexpr std::string_view kLsdGroupV6 = "ff15::efc0:988f";

using LsdHash = std::array<std::uint8_t, 20>;

struct LsdAnnounce {
  std::uint16_t port = 0;
  std::vector<LsdHash> info_hashes;
  std::string cookie;
  bool operator==(const LsdAnnounce&) const = default;
};

struct LsdLimits {
  std::size_t max_datagram = 1400;
  std::size_t max_info_hashes = 16;
};

// `host` is the Host header value, e.g. "239.192.152.143:6771".
std::string encode_lsd_announce(std::string_view host, const LsdAnnounce& announce);
Result<LsdAnnounce> decode_lsd_announce(std::string_view datagram, const LsdLimits& limits = {});

using LsdTime = std::chrono::steady_clock::time_point;

// Rate limits: we announce a torrent at most once per `announce_interval`
// (BEP 14 suggests 5 minutes), and take at most `per_source_burst`
// announces from one source address per `source_window`.
class LsdPolicy {
 public:
  LsdPolicy(std::chrono::seconds announce_interval = std::chrono::minutes(5),
            std::size_t per_source_burst = 5,
            std::chrono::seconds source_window = std::chrono::minutes(1))
      : announce_interval_(announce_interval),
        per_source_burst_(per_source_burst),
        source_window_(source_window) {}

  // Whether to announce `hash` now (and if so, records it).
  bool should_announce(const LsdHash& hash, LsdTime now);
  // Whether to take an announce from `source` (an address text) now.
  bool accept_from(const std::string& source, LsdTime now);

 private:
  struct Window {
    LsdTime start{};
    std::size_t count = 0;
  };
  std::chrono::seconds announce_interval_;
  std::size_t per_source_burst_;
  std::chrono::seconds source_window_;
  std::map<LsdHash, LsdTime> last_announce_;
  std::map<std::string, Window> sources_;
};

}  // namespace btnode::pex
