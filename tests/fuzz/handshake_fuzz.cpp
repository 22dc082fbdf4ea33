// libFuzzer target for wire::HandshakeParser (BEP 3).
//
// The first input byte picks a chunk size. Parsing in chunks must agree with
// parsing at once; a complete handshake re-encodes to the bytes it consumed,
// and one that was accepted must satisfy the rules (accepted info-hash, not
// our peer id).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wire/handshake.h"

namespace {

using namespace btnode::wire;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "handshake_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

HandshakeRules rules() {
  btnode::PeerId own;
  own.bytes.fill('O');
  // Accept half of all info-hashes so both paths are explored.
  return HandshakeRules{own, [](const WireHash& h) { return (h[0] & 1) == 0; }, {}};
}

struct Outcome {
  std::size_t used = 0;
  bool failed = false;
  bool complete = false;
  Handshake handshake;
};

Outcome parse(std::string_view in, std::size_t chunk) {
  HandshakeParser parser(rules());
  Outcome out;
  for (std::size_t at = 0; at < in.size(); at += chunk) {
    auto used = parser.feed(in.substr(at, chunk));
    if (!used) {
      out.failed = true;
      break;
    }
    out.used += *used;
    if (*used < std::min(chunk, in.size() - at)) break;  // handshake done
  }
  out.complete = parser.complete();
  out.handshake = parser.handshake();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = std::size_t{data[0]} % 70 + 1;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const Outcome whole = parse(in, in.size() + 1);
  const Outcome pieces = parse(in, chunk);
  check(whole.failed == pieces.failed, "chunking changed failure");
  check(whole.complete == pieces.complete, "chunking changed completion");
  if (whole.complete) {
    check(whole.used == kHandshakeSize && pieces.used == kHandshakeSize, "consumed 68 bytes");
    check(whole.handshake == pieces.handshake, "same handshake");
    check(encode_handshake(whole.handshake) == in.substr(0, kHandshakeSize), "re-encodes");
    check((whole.handshake.info_hash[0] & 1) == 0, "accepted info-hash");
    check(whole.handshake.peer_id != rules().own_peer_id, "not ourselves");
  }
  return 0;
}
