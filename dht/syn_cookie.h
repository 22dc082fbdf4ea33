// SYN-cookie transaction ids for the router's verification pings.
//
// A node that queries the router is pinged back before it is remembered; the
// ping's transaction id is a keyed hash (SipHash, libsodium) of the node's
// address, port and id under a secret, so a reply proves the node owns that
// address and answered under that id — and the router keeps no per-ping
// state at all. The secret of each epoch (10 minutes by default) is derived
// from one master key, so several responders sharing a port (one per thread)
// accept each other's cookies; the previous epoch's is still accepted, so a
// cookie lives between one and two epochs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dht/time.h"

namespace btnode::dht {

class SynCookie {
 public:
  static constexpr std::size_t kSize = 6;  // 2^-48 per forged guess
  using Key = std::array<std::uint8_t, 16>;
  using Cookie = std::array<std::uint8_t, kSize>;

  SynCookie(const Key& master, Duration epoch_length = std::chrono::minutes(10));

  // `address` is the 4 or 16 network-order address bytes; `id` the 20-byte node id.
  Cookie make(std::string_view address, std::uint16_t port, std::string_view id, TimePoint now);
  bool check(std::string_view cookie, std::string_view address, std::uint16_t port,
             std::string_view id, TimePoint now);

  static std::string_view view(const Cookie& c) {
    return {reinterpret_cast<const char*>(c.data()), c.size()};
  }

 private:
  void advance(TimePoint now);
  Key derive(std::int64_t epoch) const;
  static Cookie compute(const Key& key, std::string_view address, std::uint16_t port,
                        std::string_view id);

  Key master_;
  Duration epoch_length_;
  std::int64_t epoch_ = -1;
  Key current_{};
  Key previous_{};
};

}  // namespace btnode::dht
