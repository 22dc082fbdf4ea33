// get_peers lookup (BEP 5): walks toward an info-hash collecting the peers
// (`values`) nodes return and the write token each node hands out, so that
// an announce can follow to the k closest nodes that gave one.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "dht/traversal.h"

namespace btnode::dht {

class GetPeersLookup final : public Traversal {
 public:
  // A node that answered with a write token, for announce_peer.
  struct Writable {
    NodeInfo node;
    std::string token;
  };

  GetPeersLookup(const NodeId& info_hash, TraversalOptions options, bool noseed = false);

  QueryArgs query_args() const override;

  // Distinct peers found so far, in the order they arrived.
  const std::vector<Endpoint>& peers() const { return peers_; }
  // The `count` closest nodes that answered with a token, nearest first.
  void announce_targets(std::vector<Writable>& out, std::size_t count) const;

 private:
  void on_answer(const NodeInfo& from, const Response& response) override;

  bool noseed_;
  std::vector<Endpoint> peers_;
  std::unordered_set<Endpoint> peer_set_;
  std::vector<Writable> tokens_;  // every node that gave one
};

}  // namespace btnode::dht
