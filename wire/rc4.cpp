#include "wire/rc4.h"

#include <utility>

namespace btnode::wire {

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
