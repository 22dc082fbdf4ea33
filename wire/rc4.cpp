// RC4_set_key/RC4 are deprecated in OpenSSL 3 but still built (see rc4.h);
// this must precede every OpenSSL header.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "wire/rc4.h"

#include <utility>

#ifndef OPENSSL_NO_RC4
#include <openssl/rc4.h>
#endif

namespace btnode::wire {

#ifndef OPENSSL_NO_RC4

namespace {
RC4_KEY* native(void* state) { return static_cast<RC4_KEY*>(state); }
}  // namespace

Rc4::Rc4(std::span<const std::uint8_t> key) {
  static_assert(sizeof(RC4_INT) == sizeof(unsigned int) && sizeof(RC4_KEY) == sizeof(State) &&
                    alignof(RC4_KEY) == alignof(State),
                "RC4_KEY's layout differs from Rc4::State (rc4.h)");
  // An empty key is a programmer error; a one-zero-byte key rather than UB.
  static constexpr std::uint8_t kZero = 0;
  const std::uint8_t* bytes = key.empty() ? &kZero : key.data();
  const int length = key.empty() ? 1 : static_cast<int>(key.size() > 256 ? 256 : key.size());
  RC4_set_key(native(&key_), length, bytes);
}

void Rc4::apply(std::span<std::uint8_t> data) {
  if (data.empty()) return;
  RC4(native(&key_), data.size(), data.data(), data.data());
}

#else

Rc4::Rc4(std::span<const std::uint8_t> key) {
  for (std::size_t k = 0; k < s_.size(); ++k) s_[k] = static_cast<std::uint8_t>(k);
  if (key.empty()) return;  // programmer error; an identity-keyed stream rather than UB
  std::uint8_t j = 0;
  for (std::size_t k = 0; k < s_.size(); ++k) {
    j = static_cast<std::uint8_t>(j + s_[k] + key[k % key.size()]);
    std::swap(s_[k], s_[j]);
  }
}

void Rc4::apply(std::span<std::uint8_t> data) {
  // Locals let the compiler keep i/j in registers on the bulk-transfer path.
  std::uint8_t i = i_;
  std::uint8_t j = j_;
  for (auto& byte : data) {
    i = static_cast<std::uint8_t>(i + 1);
    j = static_cast<std::uint8_t>(j + s_[i]);
    std::swap(s_[i], s_[j]);
    byte ^= s_[static_cast<std::uint8_t>(s_[i] + s_[j])];
  }
  i_ = i;
  j_ = j;
}

#endif

void Rc4::apply(std::span<char> data) {
  apply(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(data.data()), data.size()));
}

void Rc4::discard(std::size_t n) {
  std::array<std::uint8_t, 256> scratch{};
  while (n > 0) {
    const std::size_t chunk = n < scratch.size() ? n : scratch.size();
    apply(std::span<std::uint8_t>(scratch.data(), chunk));
    n -= chunk;
  }
}

Rc4 make_mse_rc4(std::span<const std::uint8_t> key) {
  Rc4 rc4(key);
  rc4.discard(kMseRc4Discard);
  return rc4;
}

}  // namespace btnode::wire
