// dht-node-serve: one btnode DHT node (dht::Node behind node::DhtService,
// the code `btnode` runs) for the load benchmark, with the abuse limits
// lifted as the libtorrent anchor's are (per-IP rate limit, outbound
// budget), and `fake_nodes` entries in its table so find_node/get_peers
// replies carry nodes like the anchor's. Not a test and not a user command:
// tools/bench/dht_node_bench.sh starts it.
//
// usage: dht-node-serve IP PORT SECONDS [FAKE_NODES]
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/endpoint.h"
#include "node/dht_service.h"

int main(int argc, char** argv) {
  using namespace btnode;
  if (argc < 4) {
    std::fprintf(stderr, "usage: dht-node-serve IP PORT SECONDS [FAKE_NODES]\n");
    return 2;
  }
  const auto ip = Endpoint::parse(std::string(argv[1]) + ":0");
  if (!ip) {
    std::fprintf(stderr, "dht-node-serve: bad IP %s\n", argv[1]);
    return 2;
  }
  const int fake = argc > 4 ? std::atoi(argv[4]) : 32;
  node::DhtServiceOptions o;
  o.bind = {*ip};
  o.port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  o.save_state = false;
  o.use_saved_id = false;
  o.node.allow_local = true;
  o.node.rate.max_packets = 1'000'000'000;
  o.node.outbound.packets_per_second = 0;
  asio::io_context io;
  node::DhtService dht(io, o);
  if (auto started = dht.start(); !started) {
    std::fprintf(stderr, "dht-node-serve: %s\n", started.error().message.c_str());
    return 1;
  }
  dht.with_node([fake](dht::Node& node, dht::TimePoint now, auto&) {
    for (int i = 0; i < fake; ++i) {
      const Endpoint e = Endpoint::v4({127, 0, static_cast<std::uint8_t>(100 + i), 1}, 7000);
      node.table(Endpoint::Family::v4).node_responded({random_node_id(), e}, now);
    }
  });
  asio::steady_timer stop(io, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(std::atof(argv[3]))));
  stop.async_wait([&](const std::error_code&) { dht.stop(); });
  io.run();
  return 0;
}
