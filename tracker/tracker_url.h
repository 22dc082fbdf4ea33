// Which protocol a tracker URL speaks: http(s) (BEP 3) or udp (BEP 15,
// "udp://host:port[/path]"). Anything else (wss://, typos) is unsupported.
#pragma once

#include <string_view>

#include "core/endpoint.h"
#include "core/result.h"

namespace btnode::tracker {

enum class Scheme { http, udp };

struct TrackerUrl {
  Scheme scheme = Scheme::http;
  HostPort udp_host;  // for udp: the tracker's host and port
};

Result<TrackerUrl> parse_tracker_url(std::string_view url);

}  // namespace btnode::tracker
