// Fuzzes the router's packet handler (dht::Router::on_packet and its KRPC
// reader): it must never crash or read out of bounds; everything it sends
// must be well-formed KRPC (dht::decode accepts it) and at most 4x the
// datagram that caused it; the rings never exceed their capacity. When it
// sends a verification ping, the matching reply is fed back so the storing
// path is exercised too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "dht/krpc.h"
#include "dht/router.h"

namespace {

using namespace btnode;
using namespace btnode::dht;

Router& router() {
  static Router r([] {
    RouterOptions o;
    o.id = random_node_id();
    o.capacity_v4 = 16;
    o.capacity_v6 = 16;
    o.allow_local = true;
    o.require_bep42 = false;
    o.rate.per_second = 1'000'000;
    o.rate.burst = 1'000'000;
    return o;
  }());
  return r;
}

void check(const RouterDatagram& d) {
  const Decoded dec = decode(d.view());
  if (!std::holds_alternative<Message>(dec)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static TimePoint now = TimePoint{} + std::chrono::hours(1);
  now += std::chrono::milliseconds(1);
  Router& r = router();
  const std::uint8_t who = size ? data[0] : 0;
  const Endpoint from = who & 1 ? Endpoint::v6({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, who}, 6881)
                                : Endpoint::v4({10, 0, 0, who}, 6881);
  std::vector<RouterDatagram> out(Router::kMaxOutputs);
  const std::size_t n = r.on_packet({data, size}, from, now, out);
  std::size_t total = 0;
  for (std::size_t k = 0; k < n; ++k) {
    check(out[k]);
    total += out[k].size;
  }
  if (total > 4 * size) std::abort();
  if (n == 2) {
    // Answer the verification ping with the querier's id, as a live node would.
    const Decoded q = decode(out[0].view());
    const Decoded ping = decode(out[1].view());
    const auto* pm = std::get_if<Message>(&ping);
    if (pm == nullptr || !std::holds_alternative<Message>(q)) std::abort();
    const Decoded in = decode({reinterpret_cast<const char*>(data), size});
    if (const auto* im = std::get_if<Message>(&in)) {
      if (const auto* query = std::get_if<Query>(&im->body)) {
        Message reply;
        reply.transaction_id = pm->transaction_id;
        Response resp;
        resp.id = query->id;
        reply.body = resp;
        std::string bytes;
        encode(reply, bytes);
        r.on_packet({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, from,
                    now, out);
      }
    }
  }
  if (r.ring_v4().size() > 16 || r.ring_v6().size() > 16) std::abort();
  return 0;
}
