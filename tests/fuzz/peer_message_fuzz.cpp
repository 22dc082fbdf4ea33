// libFuzzer target for wire::MessageReader (BEP 3/5/6/10 framing).
//
// The first input byte picks a chunk size; the rest is the byte stream. The
// stream is read twice, whole and in those chunks: both readings must give
// the same messages and the same error, and every message must respect the
// length rules (a piece block within the cap, fixed-size bodies). The
// messages also drive a PeerProtocol (fast extension on for odd chunk sizes),
// whose queues must stay bounded and whose output must be well-framed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/message_reader.h"
#include "wire/peer_protocol.h"

namespace {

using namespace btnode::wire;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "peer_message_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

std::string snapshot(const Message& m) {
  if (const auto* u = std::get_if<Unknown>(&m)) {
    return "unknown " + std::to_string(u->id) + "/" + std::to_string(u->length);
  }
  if (const auto* p = std::get_if<Piece>(&m)) {
    check(!p->data.empty() && p->data.size() <= ReaderLimits{}.max_block_size, "piece size");
  }
  return encode_message(m);
}

struct Run {
  std::vector<std::string> messages;
  std::string error;
  std::string protocol_error;
};

PeerProtocolOptions protocol_options(bool fast) {
  PeerProtocolOptions o;
  o.fast_extension = fast;
  o.extension_protocol = true;
  o.max_peer_requests = 16;
  o.we_have = [](std::uint32_t piece) { return piece % 2 == 0; };
  return o;
}

void check_protocol(PeerProtocol& p) {
  check(p.peer_requests().size() <= 16, "peer request queue bounded");
  check(p.allowed_fast_from_peer().size() <= PeerProtocolOptions{}.max_allowed_fast,
        "allowed fast bounded");
  MessageReader out;
  out.feed(p.take_output());
  for (int i = 0; i < 1000; ++i) {
    auto m = out.next();
    check(m.has_value(), "protocol output decodes");
    if (!*m) break;
  }
  check(out.buffered() == 0, "protocol output is whole messages");
  p.take_events();
}

void drive(PeerProtocol& p, const Message& m, Run& run) {
  if (!run.protocol_error.empty()) return;
  if (auto ok = p.on_message(m); !ok) run.protocol_error = ok.error().message;
  // Exercise our side too, so queue rules meet both directions.
  if (std::holds_alternative<Interested>(m)) p.unchoke();
  if (std::holds_alternative<NotInterested>(m)) p.choke();
  if (const auto* h = std::get_if<Have>(&m)) p.request({h->piece, 0, 16384});
  check_protocol(p);
}

Run read(std::string_view stream, std::size_t chunk, bool with_piece_count, bool fast) {
  MessageReader reader;
  std::optional<PieceGeometry> geometry;
  if (with_piece_count) {
    reader.set_piece_count(77);
    geometry = PieceGeometry{77, 32 * 1024, 76 * 32 * 1024 + 1000};
  }
  PeerProtocol protocol(protocol_options(fast), geometry);
  Run run;
  for (std::size_t at = 0; at < stream.size() && run.error.empty(); at += chunk) {
    reader.feed(stream.substr(at, chunk));
    // Each message consumes at least 4 bytes (or a skipped header), so the
    // drain ends; the bound only guards against a reader bug looping.
    for (std::size_t i = 0; i <= stream.size(); ++i) {
      auto next = reader.next();
      if (!next) {
        run.error = next.error().message;
        break;
      }
      if (!*next) break;
      run.messages.push_back(snapshot(**next));
      drive(protocol, **next, run);
    }
  }
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = std::size_t{data[0]} + 1;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  for (bool with_count : {false, true}) {
    const bool fast = chunk % 2 == 1;
    const Run whole = read(stream, stream.size() + 1, with_count, fast);
    const Run pieces = read(stream, chunk, with_count, fast);
    check(whole.messages == pieces.messages, "chunking changed the messages");
    check(whole.error == pieces.error, "chunking changed the error");
    check(whole.protocol_error == pieces.protocol_error, "chunking changed the protocol error");
  }
  return 0;
}
