#include "wire/allowed_fast.h"

#include <algorithm>
#include <string>

#include "core/digest.h"

namespace btnode::wire {

std::vector<std::uint32_t> allowed_fast_set(const Endpoint& peer, const WireHash& info_hash,
                                            std::uint32_t piece_count, std::uint32_t k) {
  std::vector<std::uint32_t> set;
  const Endpoint v4 = peer.unmapped();
  if (!v4.is_v4() || piece_count == 0) return set;
  // With k > piece_count the BEP's loop would never end: every index repeats.
  k = std::min(k, piece_count);
  std::string x(v4.address_bytes());
  x[3] = 0;  // BEP 6 step (1): ip & 0xFFFFFF00
  x.append(reinterpret_cast<const char*>(info_hash.data()), info_hash.size());
  // Each round yields 5 candidates; a duplicate is ever likelier as the set
  // fills, but k <= piece_count guarantees termination with probability 1.
  // The round cap only guards against a broken hash.
  for (int round = 0; set.size() < k && round < 1'000'000; ++round) {
    const Sha1Digest d = sha1(x);
    x.assign(reinterpret_cast<const char*>(d.data()), d.size());
    for (std::size_t i = 0; i < 5 && set.size() < k; ++i) {
      const std::uint32_t y = (std::uint32_t{d[4 * i]} << 24) |
                              (std::uint32_t{d[4 * i + 1]} << 16) |
                              (std::uint32_t{d[4 * i + 2]} << 8) | std::uint32_t{d[4 * i + 3]};
      const std::uint32_t index = y % piece_count;
      if (std::find(set.begin(), set.end(), index) == set.end()) set.push_back(index);
    }
  }
  return set;
}

}  // namespace btnode::wire
