#include "dht/bloom_filter.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/digest.h"

namespace btnode::dht {

std::optional<BloomFilter> BloomFilter::from_bytes(std::string_view raw) {
  if (raw.size() != kBytes) return std::nullopt;
  BloomFilter f;
  std::copy(raw.begin(), raw.end(), f.bits_.begin());
  return f;
}

void BloomFilter::insert_address(std::string_view address) {
  const Sha1Digest h = sha1(address);
  // BEP 33: little-endian 16-bit indices from hash bytes 0-1 and 2-3, mod m.
  const std::size_t index1 = (h[0] | static_cast<std::size_t>(h[1]) << 8) % kBits;
  const std::size_t index2 = (h[2] | static_cast<std::size_t>(h[3]) << 8) % kBits;
  set_bit(index1);
  set_bit(index2);
}

BloomFilter& BloomFilter::operator|=(const BloomFilter& other) {
  for (std::size_t i = 0; i < kBytes; ++i) bits_[i] |= other.bits_[i];
  return *this;
}

double BloomFilter::estimate_size() const {
  std::size_t zeros = 0;
  for (const std::uint8_t b : bits_) zeros += 8 - static_cast<std::size_t>(std::popcount(b));
  // BEP 33: c = min(m - 1, zero bits), so an empty filter estimates 0.5.
  // The floor of 1 is ours: a full filter then reads ~7800 (the BEP's
  // breakdown point) instead of infinity, which would poison sums.
  const double c = static_cast<double>(std::clamp<std::size_t>(zeros, 1, kBits - 1));
  const double m = static_cast<double>(kBits);
  return std::log(c / m) / (kHashes * std::log(1.0 - 1.0 / m));
}

bool BloomFilter::empty() const {
  return std::all_of(bits_.begin(), bits_.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace btnode::dht
