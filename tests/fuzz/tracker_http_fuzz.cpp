// libFuzzer target for HTTP tracker answers (announce and scrape bodies) and
// the tracker side's request head and query parsers.
//
// Anything may be rejected, nothing may crash; accepted answers respect the
// peer bound and the interval clamp, and an accepted answer re-encoded by our
// tracker decodes to the same peers.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tracker/http_codec.h"
#include "tracker/http_server_codec.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tracker_http_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace btnode::tracker;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kMax = 50;
  if (auto r = decode_announce_response(input, kMax)) {
    check(r->peers.size() <= kMax, "peer bound");
    check(r->interval >= kMinInterval && r->interval <= kMaxInterval, "interval clamp");
    auto again = decode_announce_response(encode_announce_body(*r, true), kMax);
    check(static_cast<bool>(again), "re-encoded answer decodes");
    check(again->peers.size() == r->peers.size(), "re-encoded answer keeps the peers");
  } else {
    check(!r.error().message.empty(), "error has a message");
  }
  if (auto s = decode_scrape_response(input, kMax)) check(s->size() <= kMax, "scrape bound");
  if (auto q = parse_announce_query(input)) check(q->port != 0, "port set");
  (void)parse_scrape_query(input);
  if (auto t = parse_http_get(input); t && t->has_value())
    check(!(*t)->path.empty() && (*t)->path.front() == '/', "target path starts with '/'");
  return 0;
}
