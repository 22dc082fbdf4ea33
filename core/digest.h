// SHA-1 and SHA-256 through OpenSSL's EVP interface (SHA-NI/AVX paths).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace btnode {

using Sha1Digest = std::array<std::uint8_t, 20>;
using Sha256Digest = std::array<std::uint8_t, 32>;

Sha1Digest sha1(std::string_view data);
Sha256Digest sha256(std::string_view data);

// Incremental hashing; reset() makes the object reusable without reallocating.
class Sha1 {
 public:
  Sha1();
  ~Sha1();
  Sha1(Sha1&&) noexcept;
  Sha1& operator=(Sha1&&) noexcept;
  void update(std::string_view data);
  Sha1Digest finish();  // also resets for the next message
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(std::string_view data);
  Sha256Digest finish();  // also resets for the next message
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace btnode
