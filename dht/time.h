// Time in dht/: always passed in by the caller, never read from a clock, so
// the simulator can run thousands of nodes in virtual time.
#pragma once

#include <chrono>

namespace btnode::dht {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;
// 15min, 5s ... inside btnode::dht only.
using namespace std::chrono_literals;

}  // namespace btnode::dht
