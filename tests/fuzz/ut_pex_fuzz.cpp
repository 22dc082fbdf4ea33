// libFuzzer target for the BEP 11 ut_pex codec and the receiving policy.
//
// A decoded message must re-encode to bytes that decode to the same message,
// keep at most max_peers entries per list, and PexReceiver must take at most
// its bound of them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "pex/ut_pex.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "ut_pex_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace btnode::pex;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  PexLimits limits;
  limits.max_peers = 64;
  auto m = decode_pex(in, limits);
  if (!m) return 0;
  check(m->added.size() <= 2 * limits.max_peers, "added bounded");
  check(m->dropped.size() <= 2 * limits.max_peers, "dropped bounded");
  auto back = decode_pex(encode_pex(*m), limits);
  check(back.has_value(), "re-encoded message decodes");
  check(*back == *m, "round trip");
  PexReceiver receiver(std::chrono::seconds(45), 50);
  auto taken = receiver.accept(*m, TimePoint{});
  check(taken.has_value() && taken->size() <= 50, "receiver bound");
  return 0;
}
