// Randomness from libsodium (CSPRNG): ids, tokens, secrets, tie-breaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace btnode {

// Thread-safe; libsodium is initialised on first use.
void random_bytes(void* out, std::size_t n);
// Uniform in [0, upper_exclusive) without modulo bias; 0 when upper_exclusive < 2.
std::uint32_t random_uniform(std::uint32_t upper_exclusive);
// A PRNG seed: the given one (tests, simulations that must repeat) or a random one.
std::uint64_t seed_or_random(const std::optional<std::uint64_t>& seed);

}  // namespace btnode
