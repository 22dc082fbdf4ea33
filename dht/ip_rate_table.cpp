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
  Slot& s = slots_[v & (slots_.size() - 1)];
  const std::uint32_t tag = static_cast<std::uint32_t>(v >> 32) | 1u;
  const auto ms = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  const std::uint64_t full = std::uint64_t{options_.burst} * 1000;
  if (s.tag != tag) {
    s = Slot{tag, static_cast<std::uint32_t>(full), ms};
  } else {
    const std::uint64_t refill = std::uint64_t{ms - s.last_ms} * options_.per_second;
    s.tokens_x1k = static_cast<std::uint32_t>(std::min<std::uint64_t>(full, s.tokens_x1k + refill));
    s.last_ms = ms;
  }
  if (s.tokens_x1k < 1000) return false;
  s.tokens_x1k -= 1000;
  return true;
}

}  // namespace btnode::dht
