#include "dht/get_peers_lookup.h"

#include <algorithm>

namespace btnode::dht {
namespace {

// A bound on what one lookup keeps: an info-hash with more peers gives us
// more than any download can use, and replies are attacker-controlled.
constexpr std::size_t kMaxPeers = 2000;

}  // namespace

GetPeersLookup::GetPeersLookup(const NodeId& info_hash, TraversalOptions options, bool noseed)
    : Traversal(info_hash, options), noseed_(noseed) {}

QueryArgs GetPeersLookup::query_args() const {
  GetPeersArgs args;
  args.info_hash = target();
  args.noseed = noseed_;  // BEP 33
  return args;
}

void GetPeersLookup::on_answer(const NodeInfo& from, const Response& response) {
  if (response.token && !response.token->empty())
    tokens_.push_back({from, std::string(*response.token)});
  if (!response.values) return;
  for (std::string_view compact : *response.values) {
    if (peers_.size() >= kMaxPeers) break;
    auto peer = decode_compact_peer(compact);
    if (!peer || peer->port() == 0) continue;
    if (peer_set_.insert(*peer).second) peers_.push_back(*peer);
  }
  mutable_progress().peers = peers_.size();
}

void GetPeersLookup::announce_targets(std::vector<Writable>& out, std::size_t count) const {
  out = tokens_;
  const auto by_distance = [&](const Writable& a, const Writable& b) {
    return closer_to(target(), a.node.id, b.node.id);
  };
  const std::size_t n = std::min(count, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                    by_distance);
  out.resize(n);
}

}  // namespace btnode::dht
