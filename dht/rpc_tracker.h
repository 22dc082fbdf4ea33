// Queries we sent and are waiting on. A reply is matched on its transaction
// id AND its source endpoint: a reply with the right id from anywhere else is
// spoofed and must neither be believed nor cancel the real one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "dht/time.h"

namespace btnode::dht {

struct PendingQuery {
  Endpoint to;
  std::optional<NodeId> node;  // the id we expect to answer, when known
  TimePoint sent;
  // The lookup this query belongs to (0: none), which hears of its answer or
  // timeout.
  std::uint32_t lookup = 0;
};

class RpcTracker {
 public:
  // 2 bytes, as BEP 5 suggests: 65536 ids cover any number in flight.
  using TransactionId = std::array<char, 2>;

  explicit RpcTracker(std::size_t max_in_flight = 2048);

  // Registers a query; nullopt when max_in_flight are already waiting.
  std::optional<TransactionId> start(const PendingQuery& query);
  // The query `transaction_id` belongs to, if it was sent to `from`; the
  // query is then finished.
  std::optional<PendingQuery> finish(std::string_view transaction_id, const Endpoint& from);
  // Moves queries sent at or before now - timeout into `timed_out`.
  void expire(TimePoint now, Duration timeout, std::vector<PendingQuery>& timed_out);
  // When the oldest query in flight times out; TimePoint::max() when none.
  TimePoint next_timeout(Duration timeout) const;
  std::size_t in_flight() const { return pending_.size(); }

  static std::string_view view(const TransactionId& id) { return {id.data(), id.size()}; }

 private:
  std::size_t max_in_flight_;
  std::uint16_t next_id_;
  std::unordered_map<std::uint16_t, PendingQuery> pending_;
  // No query in flight was sent before this (a lower bound: finish() does
  // not raise it), so expire() can skip the scan until it matters. Nodes
  // call expire() after every datagram.
  TimePoint oldest_ = TimePoint::max();
};

}  // namespace btnode::dht
