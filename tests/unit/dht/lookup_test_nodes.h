// Small, predictable nodes for the lookup tests: with a zero target a node's
// distance is its id, so id_of(1) is the closest.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/compact.h"
#include "core/endpoint.h"
#include "core/ids.h"
#include "dht/time.h"

namespace btnode::dht::testing {

inline constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

inline NodeId id_of(std::uint8_t n) {
  NodeId id;
  id.bytes[19] = n;
  return id;
}
inline Endpoint ep(std::uint8_t n) {
  return Endpoint::v4({10, 0, 0, n}, 6881);
}
inline NodeInfo node(std::uint8_t n) {
  return {id_of(n), ep(n)};
}

}  // namespace btnode::dht::testing
