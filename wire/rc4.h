// RC4 stream cipher, as MSE/PE needs it (Vuze wiki "Message Stream Encryption").
//
// Our own ~20-line implementation: OpenSSL 3 moved RC4 into the legacy
// provider, which distributions may not ship or load, and MSE needs nothing
// but the bare keystream. RC4 is weak; MSE uses it for obfuscation only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace btnode::wire {

class Rc4 {
 public:
  // key: 1..256 bytes (MSE uses 20-byte SHA-1 digests).
  explicit Rc4(std::span<const std::uint8_t> key);

  // XORs the keystream into data in place: encryption and decryption are
  // the same operation.
  void apply(std::span<std::uint8_t> data);
  void apply(std::span<char> data);
  // Advances the keystream by n bytes without output.
  void discard(std::size_t n);

 private:
  std::array<std::uint8_t, 256> s_{};
  std::uint8_t i_ = 0;
  std::uint8_t j_ = 0;
};

// MSE keys RC4 with a SHA-1 digest and drops the first 1024 bytes of
// keystream (the early bytes leak key material, Fluhrer-Mantin-Shamir).
inline constexpr std::size_t kMseRc4Discard = 1024;
Rc4 make_mse_rc4(std::span<const std::uint8_t> key);

}  // namespace btnode::wire
