#include "tracker/http_codec.h"

#include <algorithm>
#include <limits>

#include "core/bencode.h"
#include "core/compact.h"
#include "core/percent.h"

namespace btnode::tracker {
namespace {

bool has_http_scheme(std::string_view url) {
  auto lower_starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  return lower_starts("http://") || lower_starts("https://");
}

void param(std::string& url, std::string_view key, std::string_view value) {
  url += '&';
  url += key;
  url += '=';
  percent_encode(value, url, PercentSet::unreserved);
}

std::optional<std::uint32_t> find_u32(const bencode::Value& dict, std::string_view key) {
  auto v = dict.find_int(key);
  if (!v || *v < 0) return std::nullopt;
  return static_cast<std::uint32_t>(std::min<std::int64_t>(*v, std::numeric_limits<std::uint32_t>::max()));
}

// Adds peers while there is room; counts the rest.
void keep(AnnounceResponse& out, const Endpoint& peer, std::size_t max_peers) {
  if (peer.port() == 0) return;  // nobody listens on port 0
  if (out.peers.size() < max_peers) {
    out.peers.push_back(peer);
  } else {
    ++out.peers_dropped;
  }
}

Result<void> decode_compact(AnnounceResponse& out, std::string_view bytes, Endpoint::Family family,
                            std::size_t max_peers) {
  std::size_t size = compact_peer_size(family);
  if (bytes.size() % size != 0) return fail("tracker: compact peers of bad length in response");
  for (std::size_t at = 0; at < bytes.size(); at += size) {
    if (out.peers.size() >= max_peers) {
      out.peers_dropped += (bytes.size() - at) / size;
      break;
    }
    auto peer = decode_compact_peer(bytes.substr(at, size));
    if (peer) keep(out, *peer, max_peers);
  }
  return {};
}

// BEP 3 dictionary model: [{ip: "1.2.3.4" or "::1", port: N, peer id: ...}].
// Entries with a host name or a bad port are skipped, not fatal.
void decode_dict_peers(AnnounceResponse& out, const bencode::Value& list, std::size_t max_peers) {
  for (auto item : list.items()) {
    if (out.peers.size() >= max_peers) {
      ++out.peers_dropped;
      continue;
    }
    auto ip = item.find_string("ip");
    auto port = item.find_int("port");
    if (!ip || !port || *port <= 0 || *port > 65535) continue;
    auto peer = Endpoint::from_address(*ip, static_cast<std::uint16_t>(*port));
    if (peer) keep(out, *peer, max_peers);
  }
}

Result<void> decode_peers(AnnounceResponse& out, const bencode::Value& root, std::size_t max_peers) {
  if (auto peers = root.find("peers")) {
    if (peers->is_string()) {
      if (auto r = decode_compact(out, peers->as_string(), Endpoint::Family::v4, max_peers); !r)
        return r;
    } else if (peers->is_list()) {
      decode_dict_peers(out, *peers, max_peers);
    } else {
      return fail("tracker: peers of bad type in response");
    }
  }
  if (auto peers6 = root.find_string("peers6")) {
    if (auto r = decode_compact(out, *peers6, Endpoint::Family::v6, max_peers); !r) return r;
  }
  return {};
}

}  // namespace

Result<std::string> announce_url(std::string_view base, const AnnounceRequest& request,
                                 std::string_view tracker_id) {
  if (!has_http_scheme(base)) return fail("tracker: not an http(s) URL: " + std::string(base));
  std::string url(base);
  std::size_t mark = url.size();
  param(url, "info_hash", view(request.info_hash));
  param(url, "peer_id", request.peer_id.view());
  param(url, "port", std::to_string(request.port));
  param(url, "uploaded", std::to_string(request.uploaded));
  param(url, "downloaded", std::to_string(request.downloaded));
  param(url, "left", std::to_string(request.left));
  param(url, "compact", request.compact ? "1" : "0");
  if (request.event != Event::none) param(url, "event", event_name(request.event));
  if (request.numwant >= 0) param(url, "numwant", std::to_string(request.numwant));
  if (request.key != 0) param(url, "key", to_hex(std::string_view(
                                         reinterpret_cast<const char*>(&request.key), 4)));
  if (!tracker_id.empty()) param(url, "trackerid", tracker_id);
  if (request.ip) param(url, "ip", request.ip->address_string());
  // The first separator is '?' unless the base already has a query.
  url[mark] = base.find('?') == std::string_view::npos ? '?' : '&';
  if (base.back() == '?' || base.back() == '&') url.erase(mark, 1);
  return url;
}

std::optional<std::string> scrape_url(std::string_view announce) {
  std::size_t query = std::min(announce.find('?'), announce.size());
  std::size_t slash = announce.rfind('/', query);
  if (slash == std::string_view::npos) return std::nullopt;
  constexpr std::string_view kAnnounce = "announce";
  std::string_view segment = announce.substr(slash + 1, query - slash - 1);
  if (segment.substr(0, kAnnounce.size()) != kAnnounce) return std::nullopt;
  std::string out(announce.substr(0, slash + 1));
  out += "scrape";
  out += announce.substr(slash + 1 + kAnnounce.size());
  return out;
}

std::string scrape_request_url(std::string_view scrape, std::span<const Hash20> hashes) {
  std::string url(scrape);
  bool first = scrape.find('?') == std::string_view::npos;
  for (const auto& h : hashes) {
    url += first ? '?' : '&';
    first = false;
    url += "info_hash=";
    percent_encode(view(h), url, PercentSet::unreserved);
  }
  return url;
}

Result<AnnounceResponse> decode_announce_response(std::string_view body, std::size_t max_peers) {
  if (body.size() > kMaxHttpBody) return fail("tracker: response too large");
  bencode::DecodeOptions options;
  options.allow_trailing = true;  // some trackers append a newline
  options.max_tokens = 200'000;
  auto doc = bencode::decode(body, options);
  if (!doc) return fail("tracker: not bencoded: " + doc.error().message);
  auto root = doc->root();
  if (!root.is_dict()) return fail("tracker: response is not a dictionary");
  if (auto reason = root.find_string("failure reason"))
    return fail("tracker: failure: " + std::string(reason->substr(0, 200)));
  AnnounceResponse out;
  auto interval = root.find_int("interval");
  if (!interval) return fail("tracker: no interval in response");
  out.interval = clamp_interval(*interval);
  if (auto min = root.find_int("min interval")) out.min_interval = clamp_interval(*min);
  out.complete = find_u32(root, "complete");
  out.incomplete = find_u32(root, "incomplete");
  if (auto w = root.find_string("warning message")) out.warning = std::string(w->substr(0, 200));
  if (auto id = root.find_string("tracker id")) out.tracker_id = std::string(id->substr(0, 100));
  if (auto ip = root.find_string("external ip"))
    out.external_ip = Endpoint::from_address_bytes(*ip, 0);
  if (auto r = decode_peers(out, root, max_peers); !r) return fail(r.error());
  return out;
}

Result<std::vector<ScrapeEntry>> decode_scrape_response(std::string_view body,
                                                        std::size_t max_entries) {
  if (body.size() > kMaxHttpBody) return fail("tracker: response too large");
  bencode::DecodeOptions options;
  options.allow_trailing = true;
  options.max_tokens = 200'000;
  auto doc = bencode::decode(body, options);
  if (!doc) return fail("tracker: not bencoded: " + doc.error().message);
  auto root = doc->root();
  if (!root.is_dict()) return fail("tracker: response is not a dictionary");
  if (auto reason = root.find_string("failure reason"))
    return fail("tracker: failure: " + std::string(reason->substr(0, 200)));
  auto files = root.find_dict("files");
  if (!files) return fail("tracker: no files in scrape response");
  std::vector<ScrapeEntry> out;
  for (const auto& [key, value] : files->entries()) {
    if (key.size() != 20 || !value.is_dict()) continue;
    if (out.size() >= max_entries) break;
    ScrapeEntry e;
    std::copy(key.begin(), key.end(), e.info_hash.begin());
    e.complete = find_u32(value, "complete").value_or(0);
    e.downloaded = find_u32(value, "downloaded").value_or(0);
    e.incomplete = find_u32(value, "incomplete").value_or(0);
    out.push_back(e);
  }
  return out;
}

}  // namespace btnode::tracker
