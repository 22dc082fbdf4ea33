// RC4 stream cipher, as MSE/PE needs it (Vuze wiki "Message Stream Encryption").
//
// OpenSSL's low-level RC4 (RC4_set_key/RC4): its assembly is about 1.6x
// faster than a portable loop, and it needs no provider (the EVP "RC4"
// cipher lives in OpenSSL 3's legacy provider, which may not be loaded).
// The low-level calls are deprecated in OpenSSL 3 but still built unless
// OPENSSL_NO_RC4; then a portable loop is used. RC4 is weak; MSE uses it for
// obfuscation only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <openssl/opensslconf.h>

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
#ifndef OPENSSL_NO_RC4
  // OpenSSL's RC4_KEY layout (openssl/rc4.h: RC4_INT x, y, data[256]),
  // kept here so this header needs no deprecated declarations.
  struct State {
    unsigned int x, y, data[256];
  } key_{};
#else
  std::array<std::uint8_t, 256> s_{};
  std::uint8_t i_ = 0;
  std::uint8_t j_ = 0;
#endif
};

// MSE keys RC4 with a SHA-1 digest and drops the first 1024 bytes of
// keystream (the early bytes leak key material, Fluhrer-Mantin-Shamir).
inline constexpr std::size_t kMseRc4Discard = 1024;
Rc4 make_mse_rc4(std::span<const std::uint8_t> key);

}  // namespace btnode::wire
