// libFuzzer target for wire::MessageReader (BEP 3/5/6/10 framing).
//
// The first input byte picks a chunk size; the rest is the byte stream. The
// stream is read twice, whole and in those chunks: both readings must give
// the same messages and the same error, and every message must respect the
// length rules (a piece block within the cap, fixed-size bodies).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "wire/message_reader.h"

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
};

Run read(std::string_view stream, std::size_t chunk, bool with_piece_count) {
  MessageReader reader;
  if (with_piece_count) reader.set_piece_count(77);
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
    const Run whole = read(stream, stream.size() + 1, with_count);
    const Run pieces = read(stream, chunk, with_count);
    check(whole.messages == pieces.messages, "chunking changed the messages");
    check(whole.error == pieces.error, "chunking changed the error");
  }
  return 0;
}
