// ReadCache: spans of seeded data read ahead of the requests for them.
//
// A leech asks for 16 KiB blocks, one after another through a piece. Reading
// each block on its own costs a worker job, a pread, an allocation and two
// thread hand-offs per 16 KiB; instead the first request for a span (up to
// 1 MiB, aligned within its piece) reads the whole span once, the requests
// that arrive meanwhile wait for that read, and every block is then sent as
// a view into the shared buffer (no copy on the way to the socket).
//
// Sans-I/O bookkeeping only: Torrent starts the reads and sends the blocks.
// Least recently used spans are dropped beyond `capacity` spans; a buffer
// still referenced by a queued send lives on until that send is done.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace btnode::node {

class ReadCache {
 public:
  static constexpr std::uint32_t kSpanSize = 1024 * 1024;

  struct SpanKey {
    std::uint32_t piece = 0;
    std::uint32_t begin = 0;  // offset of the span within the piece
    auto operator<=>(const SpanKey&) const = default;
  };

  explicit ReadCache(std::size_t capacity = 8) : capacity_(capacity < 1 ? 1 : capacity) {}

  // The span holding [begin, begin + length) of a piece of `piece_size`
  // bytes and its length; nullopt when the range is empty, outside the
  // piece or crosses a span boundary (such a block is read on its own).
  static std::optional<std::pair<SpanKey, std::uint32_t>> span_of(std::uint32_t piece,
                                                                  std::uint32_t begin,
                                                                  std::uint32_t length,
                                                                  std::uint64_t piece_size);

  // The cached span, marked most recently used; null when absent.
  std::shared_ptr<const std::string> find(const SpanKey& key);
  // Caches a span just read (replacing an older copy), dropping the least
  // recently used beyond capacity.
  void insert(const SpanKey& key, std::shared_ptr<const std::string> data);
  std::size_t size() const { return spans_.size(); }

 private:
  using Lru = std::list<SpanKey>;  // front: most recently used
  struct Entry {
    std::shared_ptr<const std::string> data;
    Lru::iterator position;
  };
  std::size_t capacity_;
  Lru lru_;
  std::map<SpanKey, Entry> spans_;
};

}  // namespace btnode::node
