#include "tracker/tracker_url.h"

#include <algorithm>
#include <string>

namespace btnode::tracker {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
  return out;
}

}  // namespace

Result<TrackerUrl> parse_tracker_url(std::string_view url) {
  auto colon = url.find("://");
  if (colon == std::string_view::npos) return fail("tracker URL without scheme: " + std::string(url));
  auto scheme = lower(url.substr(0, colon));
  TrackerUrl out;
  if (scheme == "http" || scheme == "https") return out;
  if (scheme != "udp") return fail("unsupported tracker scheme: " + std::string(url));
  auto rest = url.substr(colon + 3);
  rest = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
  auto hp = HostPort::parse(rest);
  if (!hp || hp->port == 0) return fail("bad udp tracker address: " + std::string(url));
  out.scheme = Scheme::udp;
  out.udp_host = *hp;
  return out;
}

}  // namespace btnode::tracker
