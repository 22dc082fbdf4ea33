#include "node/read_cache.h"

#include <algorithm>

namespace btnode::node {

std::optional<std::pair<ReadCache::SpanKey, std::uint32_t>> ReadCache::span_of(
    std::uint32_t piece, std::uint32_t begin, std::uint32_t length, std::uint64_t piece_size) {
  if (length == 0 || std::uint64_t{begin} + length > piece_size) return std::nullopt;
  const std::uint32_t first = begin / kSpanSize * kSpanSize;
  const auto span_length = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(kSpanSize, piece_size - first));
  if (std::uint64_t{begin} + length > std::uint64_t{first} + span_length) return std::nullopt;
  return std::make_pair(SpanKey{piece, first}, span_length);
}

std::shared_ptr<const std::string> ReadCache::find(const SpanKey& key) {
  auto it = spans_.find(key);
  if (it == spans_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.position);
  return it->second.data;
}

void ReadCache::insert(const SpanKey& key, std::shared_ptr<const std::string> data) {
  auto it = spans_.find(key);
  if (it != spans_.end()) {
    it->second.data = std::move(data);
    lru_.splice(lru_.begin(), lru_, it->second.position);
    return;
  }
  lru_.push_front(key);
  spans_.emplace(key, Entry{std::move(data), lru_.begin()});
  while (spans_.size() > capacity_) {
    spans_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace btnode::node
