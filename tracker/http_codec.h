// HTTP tracker protocol, client side: the announce URL (BEP 3), the scrape
// URL (BEP 48), and decoding of the bencoded answers: compact peers (BEP 23),
// dictionary peers, `peers6` (BEP 7), `external ip` (BEP 24), failure reason,
// warning message, interval / min interval.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "tracker/announce.h"

namespace btnode::tracker {

// Tracker answers are small; anything larger is refused before decoding.
inline constexpr std::size_t kMaxHttpBody = 2 * 1024 * 1024;

// base + "?info_hash=...&peer_id=...&port=...". A base that already holds a
// query gets "&" instead. `tracker_id` (from an earlier answer) is sent when
// not empty. Fails unless base is an http:// or https:// URL.
Result<std::string> announce_url(std::string_view base, const AnnounceRequest& request,
                                 std::string_view tracker_id = {});

// BEP 48: the announce URL with its last path segment "announce" (followed by
// nothing or a query) replaced by "scrape"; nothing when the URL has no such
// segment (the tracker does not support scrape).
std::optional<std::string> scrape_url(std::string_view announce);
// The scrape URL with one info_hash parameter per hash.
std::string scrape_request_url(std::string_view scrape, std::span<const Hash20> hashes);

// Errors read "tracker: failure: <reason>" for a tracker's refusal and
// "tracker: <what> in response" for malformed answers.
Result<AnnounceResponse> decode_announce_response(std::string_view body,
                                                  std::size_t max_peers = kDefaultMaxPeers);
Result<std::vector<ScrapeEntry>> decode_scrape_response(std::string_view body,
                                                        std::size_t max_entries = 1000);

}  // namespace btnode::tracker
