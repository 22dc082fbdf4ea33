// find_node lookup (BEP 5): the k nodes closest to a target. Also the
// lookup behind bootstrap (our own id) and bucket refresh (a random id in
// the bucket).
#pragma once

#include "dht/traversal.h"

namespace btnode::dht {

class FindNodeLookup final : public Traversal {
 public:
  using Traversal::Traversal;
  QueryArgs query_args() const override { return FindNodeArgs{target(), std::nullopt}; }

 private:
  // find_node answers carry nothing but contacts, which Traversal takes.
  void on_answer(const NodeInfo&, const Response&) override {}
};

}  // namespace btnode::dht
