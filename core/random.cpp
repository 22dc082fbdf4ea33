#include "core/random.h"

#include <sodium.h>

#include <stdexcept>

namespace btnode {
namespace {

// sodium_init() must run before the first randombytes call; a function-local
// static makes that happen exactly once even when threads race to it.
void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) throw std::runtime_error("random: sodium_init failed");
    return true;
  }();
  (void)ready;
}

}  // namespace

void random_bytes(void* out, std::size_t n) {
  ensure_sodium();
  randombytes_buf(out, n);
}

std::uint32_t random_uniform(std::uint32_t upper_exclusive) {
  ensure_sodium();
  // libsodium rejects-and-retries, so there is no modulo bias; it returns 0
  // for an upper bound below 2.
  return randombytes_uniform(upper_exclusive);
}

std::uint64_t seed_or_random(const std::optional<std::uint64_t>& seed) {
  if (seed) return *seed;
  std::uint64_t value = 0;
  random_bytes(&value, sizeof value);
  return value;
}

}  // namespace btnode
