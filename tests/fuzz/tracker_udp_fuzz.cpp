// libFuzzer target for UDP tracker messages (BEP 15), both directions, and
// for the exchange state machine fed the input as the tracker's reply.
//
// Nothing may crash; accepted replies respect the peer bound; accepted
// requests re-encode to bytes that decode to the same request.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tracker/udp_codec.h"
#include "tracker/udp_exchange.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tracker_udp_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace btnode;
  using namespace btnode::tracker;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kMax = 40;
  for (auto family : {Endpoint::Family::v4, Endpoint::Family::v6}) {
    if (auto r = udp::decode_reply(input, family, kMax)) {
      if (auto* a = std::get_if<AnnounceResponse>(&r->body)) check(a->peers.size() <= kMax, "bound");
    }
  }
  if (auto q = udp::decode_request(input)) {
    if (auto* a = std::get_if<udp::AnnounceMessage>(&q->body)) {
      auto again = udp::decode_request(udp::encode_announce(a->connection, q->transaction, a->request));
      check(again && std::get<udp::AnnounceMessage>(again->body).request.port == a->request.port,
            "announce request round trip");
    }
  }
  // The exchange accepts the input only if it answers its own transaction;
  // patch the transaction id in so the fuzzer reaches every state.
  AnnounceRequest req;
  UdpExchange ex(req, Endpoint::Family::v4, {}, ConnectionId{1, TimePoint{}});
  auto sent = ex.take_datagram(TimePoint{});
  check(sent.has_value(), "first datagram");
  std::string reply(input);
  if (reply.size() >= 8) reply.replace(4, 4, sent->substr(12, 4));
  ex.on_datagram(reply, TimePoint{});
  if (ex.state() == UdpExchange::State::done) check(ex.announce_result().peers.size() <= kDefaultMaxPeers, "exchange bound");
  return 0;
}
