// Bitfield: a set of piece indices, stored in the wire format of the BEP 3
// `bitfield` message (piece 0 is the high bit of byte 0, spare bits at the end
// are zero), so sending, receiving, saving and loading one is a copy, not a
// conversion. The peer wire (a peer's pieces) and storage (our pieces, resume
// data, recheck plans) share this one type.
//
// Sizes and indices are std::int64_t like FileLayout's piece counts; the wire's
// std::uint32_t piece indices widen to it without a cast.
// https://www.bittorrent.org/beps/bep_0003.html
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace btnode {

class Bitfield {
 public:
  Bitfield() = default;
  // Precondition: size >= 0 (asserted).
  explicit Bitfield(std::int64_t size, bool value = false);

  // BEP 3: exactly ceil(size / 8) bytes and every spare bit after the last
  // piece zero. A peer that sets spare bits is broken or probing us; a resume
  // file with them is damaged. A negative size is an error, not a precondition,
  // because resume files carry the size.
  static Result<Bitfield> from_wire(std::string_view bytes, std::int64_t size);
  // Precondition: size >= 0.
  static std::size_t wire_size(std::int64_t size) {
    // Written so that size + 7 cannot overflow.
    return static_cast<std::size_t>(size / 8 + (size % 8 != 0 ? 1 : 0));
  }

  std::string_view wire() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  std::int64_t size() const { return size_; }
  // Preconditions: 0 <= index < size() (asserted).
  bool test(std::int64_t index) const;
  void set(std::int64_t index);
  void reset(std::int64_t index);
  void set_all();
  void reset_all();

  // O(1): the count is maintained on every change.
  std::int64_t count() const { return count_; }
  bool all() const { return count_ == size_; }
  bool none() const { return count_ == 0; }

  bool operator==(const Bitfield&) const = default;

 private:
  std::vector<std::uint8_t> bytes_;
  std::int64_t size_ = 0;
  std::int64_t count_ = 0;
};

}  // namespace btnode
