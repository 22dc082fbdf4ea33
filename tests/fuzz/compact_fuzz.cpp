// libFuzzer target for the compact peer and node decoders (BEP 5/7/23/32).
//
// Every input is decoded as each kind of list and as a single record. A list
// that decodes must re-encode to exactly the input bytes; lengths that are not
// a multiple of the record size must be rejected.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/compact.h"

namespace {

using btnode::Endpoint;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "compact_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

void lists(std::string_view in, Endpoint::Family family) {
  auto peers = btnode::decode_compact_peers(in, family);
  check(peers.has_value() == (in.size() % btnode::compact_peer_size(family) == 0), "peer length");
  if (peers) check(btnode::encode_compact_peers(*peers, family) == in, "peers re-encode");
  auto nodes = btnode::decode_compact_nodes(in, family);
  check(nodes.has_value() == (in.size() % btnode::compact_node_size(family) == 0), "node length");
  if (nodes) check(btnode::encode_compact_nodes(*nodes, family) == in, "nodes re-encode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  lists(in, Endpoint::Family::v4);
  lists(in, Endpoint::Family::v6);
  if (auto peer = btnode::decode_compact_peer(in)) {
    std::string out;
    btnode::append_compact_peer(out, *peer);
    check(out == in, "peer re-encodes");
  }
  if (auto node = btnode::decode_compact_node(in)) {
    std::string out;
    btnode::append_compact_node(out, *node);
    check(out == in, "node re-encodes");
  }
  return 0;
}
