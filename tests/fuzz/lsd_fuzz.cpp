// libFuzzer target for the BEP 14 LSD announce parser: a decoded announce
// must re-encode to a datagram that decodes to the same announce.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "pex/lsd.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace btnode::pex;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  LsdLimits limits;
  auto a = decode_lsd_announce(in, limits);
  if (!a) return 0;
  if (a->port == 0 || a->info_hashes.empty() || a->info_hashes.size() > limits.max_info_hashes) {
    std::fprintf(stderr, "lsd_fuzz: bounds\n");
    std::abort();
  }
  LsdLimits wide{.max_datagram = 1 << 16, .max_info_hashes = limits.max_info_hashes};
  auto back = decode_lsd_announce(encode_lsd_announce("239.192.152.143:6771", *a), wide);
  if (!back || *back != *a) {
    std::fprintf(stderr, "lsd_fuzz: round trip\n");
    std::abort();
  }
  return 0;
}
