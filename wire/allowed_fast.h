// The BEP 6 allowed-fast set: the pieces a choked peer may still request.
//
// The set is a pure function of the peer's IPv4 /24, the info-hash and the
// piece count, so both ends compute the same pieces and the first k of a
// larger set equal the set of size k. Masking to /24 keeps one user with
// several addresses in a subnet from collecting several sets.
#pragma once

#include <cstdint>
#include <vector>

#include "core/endpoint.h"
#include "wire/handshake.h"

namespace btnode::wire {

// BEP 6: "We currently set k to 10".
inline constexpr std::uint32_t kAllowedFastCount = 10;

// The first min(k, piece_count) pieces of the set for `peer`, in generation
// order. BEP 6 has no provision for IPv6, so a (non v4-mapped) IPv6 peer gets
// an empty set: we simply send it no allowed_fast messages.
std::vector<std::uint32_t> allowed_fast_set(const Endpoint& peer, const WireHash& info_hash,
                                            std::uint32_t piece_count,
                                            std::uint32_t k = kAllowedFastCount);

}  // namespace btnode::wire
