// Per-source-IP token buckets in a bounded, direct-mapped table: the router's
// first check on every datagram, before any parsing.
//
// Each address hashes (keyed SipHash, so senders cannot aim at one slot) to
// a pair of slots holding a tag and a bucket. A new address takes over the
// fuller bucket of the pair, starting full: the table never grows, a busy
// (near-empty) bucket survives newcomers, and an attacker cycling through
// many addresses only gets what as many honest hosts would get — the global
// outgoing budget bounds the total.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dht/time.h"

namespace btnode::dht {

struct IpRateOptions {
  std::uint32_t per_second = 20;  // sustained queries per source address
  std::uint32_t burst = 50;       // bucket depth
  unsigned table_bits = 16;       // 2^bits slots (8 bytes each)
};

class IpRateTable {
 public:
  explicit IpRateTable(IpRateOptions options = {});

  // Takes one token for `address` (4 or 16 network-order bytes); false when
  // its bucket is empty.
  bool allow(std::string_view address, TimePoint now);
  std::size_t slots() const { return slots_.size(); }

 private:
  struct Slot {
    std::uint32_t tag = 0;        // upper hash bits; 0 = empty
    std::uint32_t tokens_x1k = 0;  // tokens * 1000
    std::uint32_t last_ms = 0;    // wraps after 49 days: harmless, refills
  };

  IpRateOptions options_;
  std::array<std::uint8_t, 16> key_;
  std::vector<Slot> slots_;
};

}  // namespace btnode::dht
