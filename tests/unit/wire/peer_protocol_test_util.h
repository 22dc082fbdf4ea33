// Shared helpers for the PeerProtocol tests.
#pragma once

#include <string>
#include <vector>

#include "wire/message_reader.h"
#include "wire/peer_protocol.h"

namespace btnode::wire::testing {

// 10 pieces of 32 KiB, the last one 8 KiB: 303,104 bytes.
inline PieceGeometry geometry() {
  return PieceGeometry{10, 32 * 1024, 9 * 32 * 1024 + 8 * 1024};
}

inline PeerProtocolOptions options(bool fast, bool extensions = true) {
  PeerProtocolOptions o;
  o.fast_extension = fast;
  o.extension_protocol = extensions;
  o.we_have = [](std::uint32_t piece) { return piece < 5; };  // we have pieces 0..4
  return o;
}

// The protocol's output as re-encoded messages, for exact comparisons.
inline std::vector<std::string> sent(PeerProtocol& p) {
  MessageReader reader;
  reader.feed(p.take_output());
  std::vector<std::string> out;
  for (int i = 0; i < 10000; ++i) {
    auto m = reader.next();
    if (!m || !*m) break;
    out.push_back(encode_message(**m));
  }
  return out;
}

inline std::vector<std::string> msgs(std::initializer_list<Message> list) {
  std::vector<std::string> out;
  for (const auto& m : list) out.push_back(encode_message(m));
  return out;
}

}  // namespace btnode::wire::testing
