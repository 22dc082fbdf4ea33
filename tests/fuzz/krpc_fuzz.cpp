// Fuzzes the KRPC codec: decode must never crash or read out of bounds, and
// whatever it accepts must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dht/krpc.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace btnode::dht;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Decoded decoded = decode(input);
  std::string out;
  if (const auto* rejection = std::get_if<Rejection>(&decoded)) {
    if (rejection->answerable()) encode_rejection(*rejection, out);
    return 0;
  }
  const Message& message = std::get<Message>(decoded);
  encode(message, out);
  if (out.size() > kMaxDatagramSize) return 0;  // re-encoding can only shrink, but be safe
  const Decoded again = decode(out);
  const auto* back = std::get_if<Message>(&again);
  if (back == nullptr || !(*back == message)) std::abort();
  if (const auto* r = std::get_if<Response>(&message.body); r && r->values) {
    std::size_t n = 0;
    for (std::string_view peer : *r->values) n += peer.size() == 6 || peer.size() == 18;
    if (n != r->values->size()) std::abort();
  }
  return 0;
}
