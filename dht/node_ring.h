// The router's memory of nodes: a fixed-capacity ring of recently verified
// nodes, each stored as its compact node info (BEP 5: 20-byte id, 4-byte
// address, 2-byte port = 26 bytes for IPv4; BEP 32: 38 bytes for IPv6), so
// answering copies entries straight into the reply. When full the oldest
// entry is overwritten: a node that stopped answering ages out on its own,
// with no pinging and no table upkeep.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace btnode::dht {

template <std::size_t AddressSize>
class NodeRing {
 public:
  static constexpr std::size_t kEntrySize = 20 + AddressSize + 2;
  using Entry = std::array<std::uint8_t, kEntrySize>;

  // Memory is reserved up front but only touched as entries arrive.
  explicit NodeRing(std::size_t capacity);

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Overwrites the oldest entry once full.
  void push(const Entry& entry);
  const Entry& at(std::size_t i) const { return entries_[i]; }

  // Oldest first, back to back; `load` accepts the same (oldest first, so a
  // reload keeps the age order); entries beyond capacity keep the newest.
  void save(std::string& out) const;
  Result<void> load(std::string_view bytes);

 private:
  std::size_t capacity_;
  std::size_t next_ = 0;  // where the next push goes once full
  std::vector<Entry> entries_;
};

using NodeRingV4 = NodeRing<4>;
using NodeRingV6 = NodeRing<16>;
static_assert(sizeof(NodeRingV4::Entry) == 26);  // the ≤ 32 bytes per IPv4 node budget

extern template class NodeRing<4>;
extern template class NodeRing<16>;

}  // namespace btnode::dht
