// BEP 33 scrape bloom filter: 256 bytes (m = 2048 bits), k = 2, indices from
// SHA-1 of the raw IP address. Every node must build bit-identical filters or
// unions (OR) of filters from different nodes would count garbage, so the
// derivation follows the BEP's pseudocode exactly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/endpoint.h"

namespace btnode::dht {

class BloomFilter {
 public:
  static constexpr std::size_t kBytes = 256;        // BEP 33
  static constexpr std::size_t kBits = kBytes * 8;  // BEP 33: m
  static constexpr int kHashes = 2;                 // BEP 33: k

  BloomFilter() = default;
  // The 256 raw bytes of a BFsd/BFpe field; nothing if the size is wrong.
  static std::optional<BloomFilter> from_bytes(std::string_view raw);

  // `address` is 4 or 16 network-order bytes; ports never go in (BEP 33).
  void insert_address(std::string_view address);
  void insert(const Endpoint& peer) { insert_address(peer.address_bytes()); }
  // Union: the filter of both sets (BEP 33 adds up nodes' filters this way).
  BloomFilter& operator|=(const BloomFilter& other);

  // BEP 33 estimate of how many distinct addresses went in; it breaks down
  // near 8000 (the filter is then nearly full). Empty reads 0.5.
  double estimate_size() const;
  bool empty() const;

  std::string_view view() const {
    return {reinterpret_cast<const char*>(bits_.data()), bits_.size()};
  }
  bool operator==(const BloomFilter&) const = default;

 private:
  void set_bit(std::size_t index) {
    bits_[index / 8] |= static_cast<std::uint8_t>(1u << index % 8);
  }
  std::array<std::uint8_t, kBytes> bits_{};
};

}  // namespace btnode::dht
