#include "dht/sample_lookup.h"

#include <algorithm>

namespace btnode::dht {
namespace {

// BEP 51 bounds: interval 0..21600 s; `num` is a count, capped so that a
// liar cannot overflow the sum.
constexpr std::int64_t kMaxInterval = 21600;
constexpr std::int64_t kMaxNum = std::int64_t{1} << 32;

}  // namespace

void SampleLookup::on_answer(const NodeInfo&, const Response& response) {
  // decode() checked that `samples` is a whole number of 20-byte hashes.
  if (!response.samples) return;
  ++sampled_nodes_;
  if (response.num) total_num_ += std::clamp<std::int64_t>(*response.num, 0, kMaxNum);
  if (response.interval)
    max_interval_ = std::max(max_interval_, std::clamp<std::int64_t>(*response.interval, 0,
                                                                      kMaxInterval));
  const std::string_view s = *response.samples;
  for (std::size_t i = 0; i + NodeId::size <= s.size(); i += NodeId::size) {
    if (samples_.size() >= kMaxSamples) break;
    const auto h = NodeId::from_bytes(s.substr(i, NodeId::size));
    if (h && sample_set_.insert(*h).second) samples_.push_back(*h);
  }
}

}  // namespace btnode::dht
