// Fuzzes dht::Node::on_packet: arbitrary datagrams from a handful of sources,
// with time moving on, must never crash it or make it send oversized replies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "dht/node.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace btnode;
  using namespace btnode::dht;
  static const TimePoint start = TimePoint{} + std::chrono::hours(1);
  // One long-lived node, so state built by earlier inputs is exercised too.
  static Node node(
      [] {
        NodeOptions o;
        o.rate.max_packets = 1'000'000;  // the limiter would hide everything else
        return o;
      }(),
      start);
  static TimePoint now = start;
  static std::vector<Datagram> out;
  if (size == 0) return 0;
  // The first byte picks the source and how far time moves.
  const std::uint8_t selector = data[0];
  const Endpoint from =
      selector & 1 ? Endpoint::v4({25, 0, 0, static_cast<std::uint8_t>(selector >> 4)}, 6881)
                   : Endpoint::v6({0x2a, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                   static_cast<std::uint8_t>(selector >> 4)},
                                  6881);
  now += std::chrono::seconds((selector >> 1) & 7);
  out.clear();
  node.on_packet({reinterpret_cast<const char*>(data + 1), size - 1}, from, now, out);
  node.on_timer(now, out);
  for (const Datagram& d : out) {
    if (d.bytes.size() > kMaxDatagramSize) std::abort();
  }
  return 0;
}
