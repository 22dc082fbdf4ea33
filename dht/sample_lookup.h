// BEP 51 sample_infohashes walk: an iterative lookup toward a target (a
// random one spreads walks over the keyspace) that asks every node on the
// way for a sample of the info-hashes it stores, and keeps the distinct ones.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "dht/traversal.h"

namespace btnode::dht {

class SampleLookup final : public Traversal {
 public:
  // At most this many distinct info-hashes are kept (replies are
  // attacker-controlled; a crawler walks again for more).
  static constexpr std::size_t kMaxSamples = 10000;

  using Traversal::Traversal;

  QueryArgs query_args() const override { return SampleInfohashesArgs{target(), std::nullopt}; }

  // Distinct info-hashes, in the order they arrived.
  const std::vector<NodeId>& samples() const { return samples_; }
  // Nodes that answered with a `samples` key.
  std::size_t sampled_nodes() const { return sampled_nodes_; }
  // Sum of the `num` (info-hashes stored) the answering nodes reported.
  std::int64_t total_num() const { return total_num_; }
  // The longest `interval` asked for: when to come back to these nodes.
  std::int64_t max_interval() const { return max_interval_; }

 private:
  void on_answer(const NodeInfo& from, const Response& response) override;

  std::vector<NodeId> samples_;
  std::set<NodeId> sample_set_;
  std::size_t sampled_nodes_ = 0;
  std::int64_t total_num_ = 0;
  std::int64_t max_interval_ = 0;
};

}  // namespace btnode::dht
