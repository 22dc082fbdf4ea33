// libFuzzer target for magnet URI parsing and formatting.
//
// Any input may be rejected, but nothing may crash; whatever parses must
// format to a link that parses back to the same Magnet, and formatting that
// again must give the same text (the formatter is a fixed point).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/magnet.h"

namespace {

void check(bool ok, const char* what, std::string_view text) {
  if (!ok) {
    std::fprintf(stderr, "magnet_fuzz: invariant failed: %s\nformatted: %.*s\n", what,
                 static_cast<int>(text.size()), text.data());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto magnet = btnode::Magnet::parse(input);
  if (!magnet) {
    check(!magnet.error().message.empty(), "error has a message", input);
    return 0;
  }
  check(magnet->info_hash.v1 || magnet->info_hash.v2, "parsed magnet has an info-hash", input);
  check(magnet->select_only.size() <= btnode::kMaxMagnetSelectOnly, "so= bounded", input);
  const std::string text = magnet->to_string();
  auto again = btnode::Magnet::parse(text);
  check(static_cast<bool>(again), "formatted link parses", text);
  check(*again == *magnet, "re-parsed magnet equals the original", text);
  check(again->to_string() == text, "formatting is a fixed point", text);
  return 0;
}
