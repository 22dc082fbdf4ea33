// Fuzzes dht::Node::on_packet: arbitrary datagrams from a handful of sources,
// with time moving on, must never crash it or make it send oversized replies.
//
// The node runs lookups of every kind toward those sources, and a "1:t2:aa"
// in the input is rewritten to the transaction id of the last query the node
// sent to that source, so replies reach the lookups (find_node, get_peers +
// announce, BEP 44 get + put, BEP 51 sample) and not only the tracker's
// "unsolicited" check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dht/node.h"

namespace {

using namespace btnode;
using namespace btnode::dht;

Endpoint source(std::uint8_t selector) {
  const auto n = static_cast<std::uint8_t>(selector >> 4);
  return selector & 1 ? Endpoint::v4({25, 0, 0, n}, 6881)
                      : Endpoint::v6({0x2a, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, n}, 6881);
}

Node make_node(TimePoint now) {
  NodeOptions o;
  o.rate.max_packets = 1'000'000;  // the limiter would hide everything else
  o.outbound.packets_per_second = 0;
  Node node(o, now);
  // Every source is in the table, so lookups query the fuzzer's sources.
  for (int s = 0; s < 32; ++s) {
    const Endpoint e = source(static_cast<std::uint8_t>((s >> 1) << 4 | (s & 1)));
    NodeId id;
    id.bytes.fill(static_cast<std::uint8_t>(s * 8 + 1));
    node.table(e.family()).node_responded({id, e}, now);
  }
  return node;
}

void start_lookup(Node& node, std::uint8_t kind, std::string_view data, TimePoint now,
                  std::vector<Datagram>& out) {
  NodeId target;
  for (std::size_t i = 0; i < target.bytes.size() && i < data.size(); ++i)
    target.bytes[i] = static_cast<std::uint8_t>(data[i]);
  const auto family = kind & 1 ? Endpoint::Family::v4 : Endpoint::Family::v6;
  switch ((kind >> 1) % 6) {
    case 0: node.find_node(target, now, out, {}, family); break;
    case 1: node.get_peers(target, now, out, {}, family); break;
    case 2: node.announce(target, {.port = 7000}, now, out, {}, family); break;
    case 3: node.get_item(ItemKey::immutable(target), now, out, {}, family); break;
    case 4: {
      ItemToPut item;
      item.value = "3:abc";
      node.put_item(item, now, out, {}, family);
      break;
    }
    default: node.sample(target, now, out, {}, family); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const TimePoint start = TimePoint{} + std::chrono::hours(1);
  // One long-lived node, so state built by earlier inputs is exercised too.
  static Node node = make_node(start);
  static TimePoint now = start;
  static std::vector<Datagram> out;
  static std::map<Endpoint, std::string> last_tid;  // per destination
  if (size < 2) return 0;
  // The first byte picks the source and how far time moves; the second,
  // when a lookup starts and of which kind.
  const std::uint8_t selector = data[0];
  const std::uint8_t lookup = data[1];
  const Endpoint from = source(selector);
  std::string packet(reinterpret_cast<const char*>(data + 2), size - 2);
  now += std::chrono::milliseconds(((selector >> 1) & 7) * 300);
  out.clear();
  if ((lookup & 0x80) && node.lookups_running() < 4) start_lookup(node, lookup, packet, now, out);
  if (const auto it = last_tid.find(from); it != last_tid.end()) {
    const std::string placeholder = "1:t2:aa";
    if (const auto at = packet.find(placeholder); at != std::string::npos)
      packet.replace(at + 5, 2, it->second);
  }
  node.on_packet(packet, from, now, out);
  node.on_timer(now, out);
  for (const Datagram& d : out) {
    if (d.bytes.size() > kMaxDatagramSize) std::abort();
    const Decoded decoded = decode(d.bytes);
    const auto* m = std::get_if<Message>(&decoded);
    if (m && std::holds_alternative<Query>(m->body) && m->transaction_id.size() == 2)
      last_tid[d.to] = std::string(m->transaction_id);
  }
  return 0;
}
