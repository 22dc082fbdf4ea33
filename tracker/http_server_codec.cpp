#include "tracker/http_server_codec.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/bencode.h"
#include "core/compact.h"
#include "core/percent.h"

namespace btnode::tracker {
namespace {

// Calls fn(key, decoded value) for each key=value of the query; stops at a
// malformed escape.
template <class Fn>
Result<void> for_each_param(std::string_view query, Fn fn) {
  while (!query.empty()) {
    auto amp = std::min(query.find('&'), query.size());
    auto pair = query.substr(0, amp);
    query.remove_prefix(std::min(amp + 1, query.size()));
    if (pair.empty()) continue;
    auto eq = std::min(pair.find('='), pair.size());
    auto key = pair.substr(0, eq);
    auto value = percent_decode(pair.substr(std::min(eq + 1, pair.size())));
    if (!value) return fail("bad percent-escape in " + std::string(key.substr(0, 40)));
    if (auto r = fn(key, *value); !r) return r;
  }
  return {};
}

template <class T>
std::optional<T> number(std::string_view text) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

Result<void> apply(AnnounceRequest& q, std::string_view key, const std::string& v, int& seen) {
  auto bad = [&] { return fail("invalid " + std::string(key)); };
  if (key == "info_hash") {
    if (v.size() != 20) return bad();
    std::copy(v.begin(), v.end(), q.info_hash.begin());
    seen |= 1;
  } else if (key == "peer_id") {
    auto id = PeerId::from_bytes(v);
    if (!id) return bad();
    q.peer_id = *id;
    seen |= 2;
  } else if (key == "port") {
    auto p = number<std::uint16_t>(v);
    if (!p || *p == 0) return bad();
    q.port = *p;
    seen |= 4;
  } else if (key == "uploaded" || key == "downloaded" || key == "left") {
    auto n = number<std::uint64_t>(v);
    if (!n) return bad();
    (key == "uploaded" ? q.uploaded : key == "downloaded" ? q.downloaded : q.left) = *n;
  } else if (key == "event") {
    q.event = v == "started"     ? Event::started
              : v == "completed" ? Event::completed
              : v == "stopped"   ? Event::stopped
                                 : Event::none;
  } else if (key == "compact") {
    q.compact = v != "0";
  } else if (key == "numwant") {
    q.numwant = number<std::int32_t>(v).value_or(50);
  } else if (key == "ip") {
    q.ip = Endpoint::from_address(v, 0);
  }
  return {};
}

bencode::Item::List dict_peers(const std::vector<Endpoint>& peers) {
  bencode::Item::List list;
  for (const auto& p : peers) {
    bencode::Item::Dict d;
    d["ip"] = p.address_string();
    d["port"] = p.port();
    list.emplace_back(std::move(d));
  }
  return list;
}

}  // namespace

Result<std::optional<HttpTarget>> parse_http_get(std::string_view head) {
  auto end = head.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::optional<HttpTarget>();
  auto line = head.substr(0, head.find("\r\n"));
  if (line.substr(0, 4) != "GET ") return fail("not a GET request");
  line.remove_prefix(4);
  auto space = line.find(' ');
  if (space == std::string_view::npos || line.substr(space + 1, 5) != "HTTP/")
    return fail("malformed request line");
  auto target = line.substr(0, space);
  if (target.empty() || target.front() != '/') return fail("malformed request target");
  HttpTarget out;
  auto q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  return std::optional<HttpTarget>(std::move(out));
}

std::string http_response(int status, std::string_view reason, std::string_view body) {
  std::string out = "HTTP/1.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n";
  out += body;
  return out;
}

Result<AnnounceRequest> parse_announce_query(std::string_view query) {
  AnnounceRequest q;
  q.numwant = 50;
  int seen = 0;
  auto r = for_each_param(query, [&](std::string_view k, const std::string& v) {
    return apply(q, k, v, seen);
  });
  if (!r) return fail(r.error());
  if (!(seen & 1)) return fail("missing info_hash");
  if (!(seen & 2)) return fail("missing peer_id");
  if (!(seen & 4)) return fail("missing port");
  return q;
}

Result<std::vector<Hash20>> parse_scrape_query(std::string_view query, std::size_t max) {
  std::vector<Hash20> out;
  auto r = for_each_param(query, [&](std::string_view k, const std::string& v) -> Result<void> {
    if (k != "info_hash") return {};
    if (v.size() != 20) return fail("invalid info_hash");
    if (out.size() >= max) return {};
    Hash20 h;
    std::copy(v.begin(), v.end(), h.begin());
    out.push_back(h);
    return {};
  });
  if (!r) return fail(r.error());
  return out;
}

std::string encode_announce_body(const AnnounceResponse& response, bool compact) {
  bencode::Item::Dict d;
  d["interval"] = response.interval;
  if (response.min_interval) d["min interval"] = *response.min_interval;
  d["complete"] = response.complete.value_or(0);
  d["incomplete"] = response.incomplete.value_or(0);
  if (!response.warning.empty()) d["warning message"] = response.warning;
  if (response.external_ip) d["external ip"] = response.external_ip->address_bytes();
  if (compact) {
    std::string v4, v6;
    for (const auto& p : response.peers) append_compact_peer(p.is_v4() ? v4 : v6, p);
    d["peers"] = std::move(v4);
    if (!v6.empty()) d["peers6"] = std::move(v6);
  } else {
    d["peers"] = dict_peers(response.peers);
  }
  return bencode::encode(d);
}

std::string encode_scrape_body(std::span<const ScrapeEntry> entries) {
  bencode::Item::Dict files;
  for (const auto& e : entries) {
    bencode::Item::Dict f;
    f["complete"] = e.complete;
    f["downloaded"] = e.downloaded;
    f["incomplete"] = e.incomplete;
    files[std::string(view(e.info_hash))] = std::move(f);
  }
  bencode::Item::Dict d;
  d["files"] = std::move(files);
  return bencode::encode(d);
}

std::string encode_failure_body(std::string_view reason) {
  bencode::Item::Dict d;
  d["failure reason"] = reason;
  return bencode::encode(d);
}

}  // namespace btnode::tracker
