// Randomness from libsodium (CSPRNG): ids, tokens, secrets, tie-breaks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace btnode {

void random_bytes(void* out, std::size_t n);
std::uint32_t random_uniform(std::uint32_t upper_exclusive);

}  // namespace btnode
