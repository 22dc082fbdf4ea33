// What a DHT node keeps across restarts: its id and some good nodes
// (issue 5, "Persistence"). Reusing the id keeps our place in other nodes'
// tables; the saved nodes let a restart skip the public routers.
//
// On disk: one bencoded dictionary {"id": 20 bytes, "nodes": compact IPv4
// nodes, "nodes6": compact IPv6 nodes} (BEP 5 / BEP 32 formats), written
// atomically (see atomic_file.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/compact.h"
#include "core/result.h"
#include "dht/node.h"

namespace btnode::node {

struct DhtState {
  NodeId id;
  std::vector<NodeInfo> nodes;  // both families
};

inline constexpr std::string_view kDhtStateFile = "dht-state.bencode";
// Enough to re-enter the network even if most have left meanwhile.
inline constexpr std::size_t kMaxSavedNodes = 400;

std::string encode_dht_state(const DhtState& state);
Result<DhtState> decode_dht_state(std::string_view bytes);

// The node's id and up to `max_nodes` good live nodes of both tables.
DhtState capture_dht_state(dht::Node& node, dht::TimePoint now,
                           std::size_t max_nodes = kMaxSavedNodes);

Result<void> save_dht_state(const std::filesystem::path& dir, const DhtState& state);
// nullopt when there is no state file yet; an error when it is unreadable or
// corrupt (the caller starts fresh and says so).
Result<std::optional<DhtState>> load_dht_state(const std::filesystem::path& dir);

}  // namespace btnode::node
