// BEP 11 ut_pex messages and the per-peer policies around them (sans-I/O).
//
// A message is a bencoded dict: `added` (compact IPv4 peers, 6 bytes each)
// with `added.f` (one flag byte per peer), `dropped`, and the same for IPv6
// (`added6`, `added6.f`, `dropped6`). Decoding is tolerant of what real
// clients send (a missing or short `.f` means flags 0, unknown keys are
// ignored) but bounded: a payload over `max_payload` or a compact list whose
// length is not a multiple of the entry size is an error, and at most
// `max_peers` entries of each list are kept.
//
// PexSender decides what one peer is told: the difference between the peers
// we are connected to now and what we told it before, at most once per
// interval (a minute) and at most 50 added and 50 dropped per message; the
// rest waits for the next message. PexReceiver takes a peer's message only if
// it comes after the minimum interval and keeps at most `max_added` peers of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/endpoint.h"
#include "core/result.h"

namespace btnode::pex {

// BEP 11 `added.f` bits.
inline constexpr std::uint8_t kFlagEncryption = 0x01;  // prefers encryption
inline constexpr std::uint8_t kFlagSeed = 0x02;        // seed / upload only
inline constexpr std::uint8_t kFlagUtp = 0x04;         // supports uTP
inline constexpr std::uint8_t kFlagHolepunch = 0x08;   // supports ut_holepunch
inline constexpr std::uint8_t kFlagReachable = 0x10;   // outgoing connection: reachable

inline constexpr std::size_t kMaxPexPeersPerMessage = 50;  // BEP 11

struct PexPeer {
  Endpoint endpoint;
  std::uint8_t flags = 0;
  bool operator==(const PexPeer&) const = default;
};

struct PexMessage {
  std::vector<PexPeer> added;     // IPv4 and IPv6
  std::vector<Endpoint> dropped;  // IPv4 and IPv6
  bool operator==(const PexMessage&) const = default;
};

struct PexLimits {
  std::size_t max_payload = 64 * 1024;
  std::size_t max_peers = 200;  // entries kept per list (added, added6, dropped, dropped6)
};

Result<PexMessage> decode_pex(std::string_view payload, const PexLimits& limits = {});
// Keys in sorted order; empty lists are written (some clients expect them).
std::string encode_pex(const PexMessage& message);

using TimePoint = std::chrono::steady_clock::time_point;

class PexSender {
 public:
  explicit PexSender(std::chrono::seconds interval = std::chrono::seconds(60))
      : interval_(interval) {}
  // `connected`: the peers we are connected to now (their listen endpoints),
  // without the receiving peer itself. Returns the message to send if one is
  // due and non-empty (the first one is due at once).
  std::optional<PexMessage> update(const std::vector<PexPeer>& connected, TimePoint now);

 private:
  std::chrono::seconds interval_;
  std::optional<TimePoint> last_;
  std::map<Endpoint, std::uint8_t> told_;  // what the peer has heard from us
};

class PexReceiver {
 public:
  explicit PexReceiver(std::chrono::seconds min_interval = std::chrono::seconds(45),
                       std::size_t max_added = kMaxPexPeersPerMessage)
      : min_interval_(min_interval), max_added_(max_added) {}
  // The peers of `message` we take (an error: it came too soon after the last).
  Result<std::vector<PexPeer>> accept(const PexMessage& message, TimePoint now);

 private:
  std::chrono::seconds min_interval_;
  std::size_t max_added_;
  std::optional<TimePoint> last_;
};

}  // namespace btnode::pex
