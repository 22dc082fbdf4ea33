#include "storage/bitfield.h"

#include <bit>

namespace btnode::storage {

std::optional<Bitfield> Bitfield::from_bytes(std::string_view bytes, std::int64_t size) {
  if (size < 0 || static_cast<std::int64_t>(bytes.size()) != (size + 7) / 8) return std::nullopt;
  Bitfield out;
  out.size_ = size;
  out.bytes_ = std::string(bytes);
  // Spare bits set would be a piece beyond the end: reject, never ignore.
  if (size % 8 != 0) {
    const unsigned spare = 0xffu >> (size % 8);
    if ((static_cast<unsigned char>(out.bytes_.back()) & spare) != 0) return std::nullopt;
  }
  return out;
}

void Bitfield::set(std::int64_t i, bool value) {
  auto& byte = bytes_[index(i)];
  const auto b = static_cast<unsigned char>(byte);
  byte = static_cast<char>(value ? (b | mask(i)) : (b & ~mask(i)));
}

std::int64_t Bitfield::count() const {
  std::int64_t n = 0;
  for (const char c : bytes_) n += std::popcount(static_cast<unsigned char>(c));
  return n;
}

}  // namespace btnode::storage
