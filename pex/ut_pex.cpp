#include "pex/ut_pex.h"

#include <algorithm>

#include "core/bencode.h"
#include "core/compact.h"

namespace btnode::pex {
namespace {

Result<std::vector<Endpoint>> peers_of(const bencode::Value& root, std::string_view key,
                                       Endpoint::Family family, std::size_t max) {
  std::vector<Endpoint> out;
  auto raw = root.find_string(key);
  if (!raw) return out;  // absent or not a string: nothing of that kind
  const std::size_t size = compact_peer_size(family);
  if (raw->size() % size != 0) {
    return fail("ut_pex: '" + std::string(key) + "' is " + std::to_string(raw->size()) +
                " bytes, not a multiple of " + std::to_string(size));
  }
  const std::size_t n = std::min(raw->size() / size, max);
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto peer = decode_compact_peer(raw->substr(i * size, size));
    if (!peer) return fail("ut_pex: " + peer.error().message);
    if (peer->port() == 0 || peer->is_unspecified()) continue;  // nobody to dial
    out.push_back(*peer);
  }
  return out;
}

void added_of(const bencode::Value& root, const std::vector<Endpoint>& peers,
              std::string_view flags_key, std::vector<PexPeer>& into) {
  auto flags = root.find_string(flags_key).value_or("");
  for (std::size_t i = 0; i < peers.size(); ++i) {
    std::uint8_t f = i < flags.size() ? static_cast<std::uint8_t>(flags[i]) : 0;
    into.push_back({peers[i], f});
  }
}

}  // namespace

Result<PexMessage> decode_pex(std::string_view payload, const PexLimits& limits) {
  if (payload.size() > limits.max_payload) {
    return fail("ut_pex: message of " + std::to_string(payload.size()) + " bytes, limit " +
                std::to_string(limits.max_payload));
  }
  bencode::DecodeOptions options;
  options.max_depth = 4;
  options.max_tokens = 1024;
  auto doc = bencode::decode(payload, options);
  if (!doc) return fail("ut_pex: " + doc.error().message);
  const auto root = doc->root();
  if (!root.is_dict()) return fail("ut_pex message is not a bencoded dictionary");
  PexMessage m;
  auto added4 = peers_of(root, "added", Endpoint::Family::v4, limits.max_peers);
  if (!added4) return fail(added4.error());
  auto added6 = peers_of(root, "added6", Endpoint::Family::v6, limits.max_peers);
  if (!added6) return fail(added6.error());
  auto dropped4 = peers_of(root, "dropped", Endpoint::Family::v4, limits.max_peers);
  if (!dropped4) return fail(dropped4.error());
  auto dropped6 = peers_of(root, "dropped6", Endpoint::Family::v6, limits.max_peers);
  if (!dropped6) return fail(dropped6.error());
  added_of(root, *added4, "added.f", m.added);
  added_of(root, *added6, "added6.f", m.added);
  m.dropped = std::move(*dropped4);
  m.dropped.insert(m.dropped.end(), dropped6->begin(), dropped6->end());
  return m;
}

std::string encode_pex(const PexMessage& message) {
  std::string out;
  bencode::Writer w(out);
  w.begin_dict();
  // Sorted keys: added, added.f, added6, added6.f, dropped, dropped6.
  std::string a4, f4, a6, f6, d4, d6;
  for (const auto& p : message.added) {
    bool v4 = p.endpoint.is_v4();
    append_compact_peer(v4 ? a4 : a6, p.endpoint);
    (v4 ? f4 : f6).push_back(static_cast<char>(p.flags));
  }
  for (const auto& e : message.dropped) append_compact_peer(e.is_v4() ? d4 : d6, e);
  w.string("added").string(a4).string("added.f").string(f4);
  w.string("added6").string(a6).string("added6.f").string(f6);
  w.string("dropped").string(d4).string("dropped6").string(d6);
  w.end();
  return out;
}

std::optional<PexMessage> PexSender::update(const std::vector<PexPeer>& connected, TimePoint now) {
  if (last_ && now - *last_ < interval_) return std::nullopt;
  PexMessage m;
  std::map<Endpoint, std::uint8_t> current;
  for (const auto& p : connected) current.emplace(p.endpoint, p.flags);
  for (const auto& [endpoint, flags] : current) {
    if (m.added.size() >= kMaxPexPeersPerMessage) break;
    auto it = told_.find(endpoint);
    if (it == told_.end() || it->second != flags) m.added.push_back({endpoint, flags});
  }
  for (const auto& [endpoint, flags] : told_) {
    if (m.dropped.size() >= kMaxPexPeersPerMessage) break;
    if (!current.contains(endpoint)) m.dropped.push_back(endpoint);
  }
  if (m.added.empty() && m.dropped.empty()) return std::nullopt;
  for (const auto& p : m.added) told_[p.endpoint] = p.flags;
  for (const auto& e : m.dropped) told_.erase(e);
  last_ = now;
  return m;
}

Result<std::vector<PexPeer>> PexReceiver::accept(const PexMessage& message, TimePoint now) {
  if (last_ && now - *last_ < min_interval_) return fail("ut_pex: messages too frequent");
  last_ = now;
  std::vector<PexPeer> out(message.added.begin(),
                           message.added.begin() +
                               static_cast<std::ptrdiff_t>(
                                   std::min(message.added.size(), max_added_)));
  return out;
}

}  // namespace btnode::pex
