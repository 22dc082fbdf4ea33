// Magnet URIs (BEP 9, BEP 53; btmh from BEP 52 / BEP 9 v2).
//
//   magnet:?xt=urn:btih:<40 hex | 32 base32>&xt=urn:btmh:1220<64 hex>
//          &dn=<name>&tr=<tracker>&ws=<web seed>&x.pe=<host:port>&so=0,2,4-6
//
// Values are percent-decoded ("%XX"; a malformed escape is an error). '+' is
// a literal plus: magnet values are not application/x-www-form-urlencoded.
// Keys may carry a numeric suffix ("tr.1", "xt.2") as many links in the wild
// do. Parameters this parser does not know are kept in `unknown`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "core/result.h"

namespace btnode {

// so= is attacker-controlled: "0-4000000000" must not allocate 16 GB.
inline constexpr std::size_t kMaxMagnetSelectOnly = 100'000;

struct Magnet {
  // xt=urn:btih (v1) and/or xt=urn:btmh (v2); both for a hybrid torrent.
  InfoHash info_hash;
  // dn; empty when absent. The first non-empty dn wins.
  std::string display_name;
  // tr, in link order; empty values are dropped.
  std::vector<std::string> trackers;
  // ws (BEP 19 web seeds), in link order; empty values are dropped.
  std::vector<std::string> web_seeds;
  // x.pe whose host is an address literal.
  std::vector<Endpoint> peers;
  // x.pe whose host is a name, for node/ to resolve. (Order relative to
  // `peers` is not kept.)
  std::vector<HostPort> peer_hosts;
  // so= (BEP 53) file indices, sorted and unique; empty selects every file.
  // All so= lists together may expand to at most kMaxMagnetSelectOnly indices.
  std::vector<std::uint32_t> select_only;
  // Other parameters (and xt of other URN types): raw key, decoded value.
  std::vector<std::pair<std::string, std::string>> unknown;

  // Errors read like "magnet: bad percent-escape at position 57".
  static Result<Magnet> parse(std::string_view uri);
  // magnet:?xt=urn:btih:<hex>&xt=urn:btmh:1220<hex>&dn=...&tr=...&ws=...&x.pe=...&so=...
  // Reserved characters in values are percent-encoded. A Magnet without any
  // info-hash formats to a link that parse() rejects.
  std::string to_string() const;
  bool operator==(const Magnet&) const = default;
};

}  // namespace btnode
