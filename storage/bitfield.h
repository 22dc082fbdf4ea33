// A set of piece indices, stored as BEP 3's `bitfield` bytes: piece 0 is the
// high bit of byte 0, spare bits at the end are zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace btnode::storage {

class Bitfield {
 public:
  Bitfield() = default;
  explicit Bitfield(std::int64_t size)
      : size_(size), bytes_(static_cast<std::size_t>((size + 7) / 8), '\0') {}

  // nullopt unless `bytes` has exactly ceil(size/8) bytes and zero spare bits.
  static std::optional<Bitfield> from_bytes(std::string_view bytes, std::int64_t size);

  std::int64_t size() const { return size_; }
  bool test(std::int64_t i) const {
    return (static_cast<unsigned char>(bytes_[index(i)]) & mask(i)) != 0;
  }
  void set(std::int64_t i, bool value = true);
  std::int64_t count() const;
  bool all() const { return count() == size_; }
  const std::string& bytes() const { return bytes_; }
  bool operator==(const Bitfield&) const = default;

 private:
  static std::size_t index(std::int64_t i) { return static_cast<std::size_t>(i / 8); }
  static unsigned mask(std::int64_t i) { return 0x80u >> (i % 8); }

  std::int64_t size_ = 0;
  std::string bytes_;
};

}  // namespace btnode::storage
