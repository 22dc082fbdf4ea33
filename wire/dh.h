// Diffie-Hellman over the 768-bit MSE prime (Vuze wiki "Message Stream
// Encryption": P below, G = 2, keys and secret sent as 96-byte big-endian).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.h"

namespace btnode::wire {

inline constexpr std::size_t kDhKeySize = 96;      // 768 bits
inline constexpr std::size_t kDhPrivateSize = 20;  // the spec recommends 160 bits

// Ya / Yb and S are always exactly 96 bytes, left-padded with zeros: both
// sides hash S, so a short encoding would give different RC4 keys.
using DhPublicKey = std::array<std::uint8_t, kDhKeySize>;
using DhSecret = std::array<std::uint8_t, kDhKeySize>;
using DhPrivateKey = std::array<std::uint8_t, kDhPrivateSize>;

class DhKeyPair {
 public:
  // A fresh random private key from libsodium.
  static DhKeyPair generate();
  // A chosen private key (tests and known-answer checks). Zero is refused.
  static Result<DhKeyPair> from_private(const DhPrivateKey& x);

  const DhPublicKey& public_key() const { return public_; }
  // S = peer^x mod P. Refuses peer keys outside [2, P-2]: 0, 1 and P-1 would
  // force a secret an eavesdropper can guess, and no honest peer sends them.
  Result<DhSecret> shared_secret(const DhPublicKey& peer) const;

 private:
  DhKeyPair(const DhPrivateKey& x, const DhPublicKey& y) : private_(x), public_(y) {}

  DhPrivateKey private_{};
  DhPublicKey public_{};
};

// The MSE prime as 96 big-endian bytes.
const std::array<std::uint8_t, kDhKeySize>& mse_dh_prime();

}  // namespace btnode::wire
