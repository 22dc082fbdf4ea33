#include "wire/bitfield.h"

#include <bit>
#include <cassert>

namespace btnode::wire {
namespace {

std::uint8_t mask(std::uint32_t index) {
  return static_cast<std::uint8_t>(0x80u >> (index % 8));
}

// The bits of the last byte that belong to no piece.
std::uint8_t spare_mask(std::uint32_t size) {
  const unsigned used = size % 8;
  return used == 0 ? 0 : static_cast<std::uint8_t>(0xFFu >> used);
}

}  // namespace

Bitfield::Bitfield(std::uint32_t size, bool value) : bytes_(wire_size(size)), size_(size) {
  if (value) set_all();
}

Result<Bitfield> Bitfield::from_wire(std::string_view bytes, std::uint32_t size) {
  if (bytes.size() != wire_size(size)) {
    return fail("bitfield of " + std::to_string(bytes.size()) + " bytes for " +
                std::to_string(size) + " pieces, expected " + std::to_string(wire_size(size)));
  }
  Bitfield out(size);
  std::uint32_t count = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out.bytes_[i] = static_cast<std::uint8_t>(bytes[i]);
    count += static_cast<std::uint32_t>(std::popcount(out.bytes_[i]));
  }
  if (!out.bytes_.empty() && (out.bytes_.back() & spare_mask(size)) != 0) {
    return fail("bitfield has spare bits set after piece " + std::to_string(size - 1));
  }
  out.count_ = count;
  return out;
}

bool Bitfield::test(std::uint32_t index) const {
  assert(index < size_);
  return (bytes_[index / 8] & mask(index)) != 0;
}

void Bitfield::set(std::uint32_t index) {
  assert(index < size_);
  auto& byte = bytes_[index / 8];
  if ((byte & mask(index)) == 0) {
    byte |= mask(index);
    ++count_;
  }
}

void Bitfield::reset(std::uint32_t index) {
  assert(index < size_);
  auto& byte = bytes_[index / 8];
  if ((byte & mask(index)) != 0) {
    byte = static_cast<std::uint8_t>(byte & ~mask(index));
    --count_;
  }
}

void Bitfield::set_all() {
  for (auto& b : bytes_) b = 0xFF;
  if (!bytes_.empty()) bytes_.back() = static_cast<std::uint8_t>(0xFF & ~spare_mask(size_));
  count_ = size_;
}

void Bitfield::reset_all() {
  for (auto& b : bytes_) b = 0;
  count_ = 0;
}

}  // namespace btnode::wire
