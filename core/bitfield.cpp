#include "core/bitfield.h"

#include <bit>
#include <cassert>

namespace btnode {
namespace {

std::uint8_t mask(std::int64_t index) {
  return static_cast<std::uint8_t>(0x80u >> (index % 8));
}

std::size_t byte_index(std::int64_t index) {
  return static_cast<std::size_t>(index / 8);
}

// The bits of the last byte that belong to no piece.
std::uint8_t spare_mask(std::int64_t size) {
  const auto used = static_cast<unsigned>(size % 8);
  return used == 0 ? 0 : static_cast<std::uint8_t>(0xFFu >> used);
}

}  // namespace

Bitfield::Bitfield(std::int64_t size, bool value) : size_(size) {
  assert(size >= 0);
  bytes_.resize(wire_size(size));
  if (value) set_all();
}

Result<Bitfield> Bitfield::from_wire(std::string_view bytes, std::int64_t size) {
  if (size < 0) return fail("bitfield for " + std::to_string(size) + " pieces");
  if (bytes.size() != wire_size(size)) {
    return fail("bitfield of " + std::to_string(bytes.size()) + " bytes for " +
                std::to_string(size) + " pieces, expected " + std::to_string(wire_size(size)));
  }
  Bitfield out(size);
  std::int64_t count = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out.bytes_[i] = static_cast<std::uint8_t>(bytes[i]);
    count += std::popcount(out.bytes_[i]);
  }
  // A spare bit set would be a piece beyond the end: reject, never ignore.
  if (!out.bytes_.empty() && (out.bytes_.back() & spare_mask(size)) != 0) {
    return fail("bitfield has spare bits set after piece " + std::to_string(size - 1));
  }
  out.count_ = count;
  return out;
}

bool Bitfield::test(std::int64_t index) const {
  assert(index >= 0 && index < size_);
  return (bytes_[byte_index(index)] & mask(index)) != 0;
}

void Bitfield::set(std::int64_t index) {
  assert(index >= 0 && index < size_);
  auto& byte = bytes_[byte_index(index)];
  if ((byte & mask(index)) == 0) {
    byte |= mask(index);
    ++count_;
  }
}

void Bitfield::reset(std::int64_t index) {
  assert(index >= 0 && index < size_);
  auto& byte = bytes_[byte_index(index)];
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

}  // namespace btnode
