#include "dht/node_ring.h"

#include <algorithm>
#include <cstring>

namespace btnode::dht {

template <std::size_t A>
NodeRing<A>::NodeRing(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {
  entries_.reserve(capacity_);
}

template <std::size_t A>
void NodeRing<A>::push(const Entry& entry) {
  if (entries_.size() < capacity_) {
    entries_.push_back(entry);
    return;
  }
  entries_[next_] = entry;
  next_ = next_ + 1 == capacity_ ? 0 : next_ + 1;
}

template <std::size_t A>
void NodeRing<A>::save(std::string& out) const {
  out.reserve(out.size() + entries_.size() * kEntrySize);
  const std::size_t n = entries_.size();
  const std::size_t oldest = n < capacity_ ? 0 : next_;
  for (std::size_t k = 0; k < n; ++k) {
    const Entry& e = entries_[(oldest + k) % n];
    out.append(reinterpret_cast<const char*>(e.data()), e.size());
  }
}

template <std::size_t A>
Result<void> NodeRing<A>::load(std::string_view bytes) {
  if (bytes.size() % kEntrySize != 0) return fail("node ring: size is not a whole number of entries");
  Entry e;
  for (std::size_t off = 0; off < bytes.size(); off += kEntrySize) {
    std::memcpy(e.data(), bytes.data() + off, kEntrySize);
    push(e);
  }
  return {};
}

template class NodeRing<4>;
template class NodeRing<16>;

}  // namespace btnode::dht
