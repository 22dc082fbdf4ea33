// HTTP tracker protocol, tracker side: the announce and scrape query strings
// (BEP 3, BEP 48) and the bencoded answers, compact (BEP 23, BEP 7 peers6)
// or the dictionary model.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "tracker/announce.h"

namespace btnode::tracker {

// The target of an HTTP GET request head ("GET /announce?x=1 HTTP/1.1\r\n...").
struct HttpTarget {
  std::string path;   // percent-escapes kept
  std::string query;  // after '?', without it; may be empty
};
// Nothing until the head is complete ("\r\n\r\n" seen); an error for a
// method other than GET or a malformed request line.
Result<std::optional<HttpTarget>> parse_http_get(std::string_view head);

std::string http_response(int status, std::string_view reason, std::string_view body);

// `query` is the part after '?'. Errors are one line for the failure reason.
// compact defaults to true when absent (as most trackers do).
Result<AnnounceRequest> parse_announce_query(std::string_view query);
// Every info_hash parameter (at most `max` of them); none means "all".
Result<std::vector<Hash20>> parse_scrape_query(std::string_view query, std::size_t max = 100);

std::string encode_announce_body(const AnnounceResponse& response, bool compact);
std::string encode_scrape_body(std::span<const ScrapeEntry> entries);
std::string encode_failure_body(std::string_view reason);

}  // namespace btnode::tracker
