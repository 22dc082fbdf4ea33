#include "dht/ip_rate_table.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "core/random.h"

namespace btnode::dht {

IpRateTable::IpRateTable(IpRateOptions options) : options_(options) {
  options_.table_bits = std::clamp(options_.table_bits, 4u, 24u);
  options_.burst = std::max(options_.burst, 1u);
  random_bytes(key_.data(), key_.size());
  slots_.resize(std::size_t{1} << options_.table_bits);
}

bool IpRateTable::allow(std::string_view address, TimePoint now) {
  std::array<std::uint8_t, crypto_shorthash_BYTES> h;
  crypto_shorthash(h.data(), reinterpret_cast<const unsigned char*>(address.data()),
                   address.size(), key_.data());
  std::uint64_t v;
  std::memcpy(&v, h.data(), sizeof v);
  const std::uint32_t tag = static_cast<std::uint32_t>(v >> 32) | 1u;
  const auto ms = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  const std::uint64_t full = std::uint64_t{options_.burst} * 1000;
  const auto refilled = [&](const Slot& s) {
    return std::min<std::uint64_t>(full, s.tokens_x1k + std::uint64_t{ms - s.last_ms} *
                                                            options_.per_second);
  };
  // Two-way: an address may sit in either slot of its pair. A newcomer
  // evicts the fuller (idler) bucket, so a flooder's near-empty bucket is
  // not reset by honest hosts that happen to hash next to it.
  Slot* pair = &slots_[v & (slots_.size() - 2)];
  Slot* s = pair[0].tag == tag ? &pair[0] : pair[1].tag == tag ? &pair[1] : nullptr;
  if (s == nullptr) {
    s = pair[0].tag == 0 || (pair[1].tag != 0 && refilled(pair[0]) >= refilled(pair[1]))
            ? &pair[0]
            : &pair[1];
    *s = Slot{tag, static_cast<std::uint32_t>(full), ms};
  } else {
    s->tokens_x1k = static_cast<std::uint32_t>(refilled(*s));
    s->last_ms = ms;
  }
  if (s->tokens_x1k < 1000) return false;
  s->tokens_x1k -= 1000;
  return true;
}

}  // namespace btnode::dht
