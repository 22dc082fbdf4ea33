// Percent-encoding (RFC 3986 section 2.1), shared by magnet links and tracker
// announce URLs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace btnode {

// Which bytes stay literal when encoding.
enum class PercentSet {
  // RFC 3986 unreserved plus ':', '/' and '@': query values that stay readable
  // (tracker URLs inside magnet links). '&', '=', '+', '#', '%' are escaped.
  query_value,
  // RFC 3986 unreserved only: binary values such as info_hash and peer_id in
  // an announce URL (BEP 3), where every other byte is escaped.
  unreserved,
};

void percent_encode(std::string_view value, std::string& out, PercentSet set);
std::string percent_encode(std::string_view value, PercentSet set);

// "%XX" escapes decoded; '+' stays a plus. Nothing on a malformed escape;
// `bad_at` (when given) receives the offset of the offending '%'.
std::optional<std::string> percent_decode(std::string_view raw, std::size_t* bad_at = nullptr);

}  // namespace btnode
