// Bitfield: which pieces a peer has, stored in the wire format of the BEP 3
// `bitfield` message (piece 0 is the high bit of byte 0), so sending and
// receiving one is a copy, not a conversion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace btnode::wire {

class Bitfield {
 public:
  Bitfield() = default;
  explicit Bitfield(std::uint32_t size, bool value = false);

  // BEP 3: exactly ceil(size / 8) bytes and every spare bit after the last
  // piece zero. A peer that sets spare bits is broken or probing us.
  static Result<Bitfield> from_wire(std::string_view bytes, std::uint32_t size);
  static std::size_t wire_size(std::uint32_t size) { return (std::size_t{size} + 7) / 8; }

  std::string_view wire() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  std::uint32_t size() const { return size_; }
  // Preconditions: index < size() (asserted).
  bool test(std::uint32_t index) const;
  void set(std::uint32_t index);
  void reset(std::uint32_t index);
  void set_all();
  void reset_all();

  // O(1): the count is maintained on every change.
  std::uint32_t count() const { return count_; }
  bool all() const { return count_ == size_; }
  bool none() const { return count_ == 0; }

  bool operator==(const Bitfield&) const = default;

 private:
  std::vector<std::uint8_t> bytes_;
  std::uint32_t size_ = 0;
  std::uint32_t count_ = 0;
};

}  // namespace btnode::wire
