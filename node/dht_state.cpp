#include "node/dht_state.h"

#include "core/bencode.h"
#include "storage/atomic_file.h"

namespace btnode::node {
namespace {

constexpr std::size_t kMaxStateFileBytes = 1024 * 1024;

Result<void> append_nodes(std::string_view compact, Endpoint::Family family,
                          std::vector<NodeInfo>& out) {
  auto nodes = decode_compact_nodes(compact, family);
  if (!nodes) return fail(nodes.error());
  for (const NodeInfo& n : *nodes) {
    // A saved node with port 0 could only have come from a bug or an edit.
    if (n.endpoint.port() != 0) out.push_back(n);
  }
  return {};
}

void capture_table(const dht::RoutingTable& table, dht::TimePoint now, std::size_t max,
                   const dht::BucketPolicy& policy, std::vector<NodeInfo>& out) {
  // Deepest buckets first: they hold our closest neighbours, the ones most
  // worth keeping when the list is cut.
  for (std::size_t i = table.bucket_count(); i-- > 0;) {
    for (const dht::NodeEntry& e : table.bucket(i).live) {
      if (out.size() >= max) return;
      if (e.state(now, policy) == dht::NodeState::good) out.push_back(e.info);
    }
  }
}

}  // namespace

std::string encode_dht_state(const DhtState& state) {
  std::string out;
  bencode::Writer w(out);
  w.begin_dict();
  w.string("id").string(state.id.view());
  w.string("nodes").string(encode_compact_nodes(state.nodes, Endpoint::Family::v4));
  w.string("nodes6").string(encode_compact_nodes(state.nodes, Endpoint::Family::v6));
  w.end();
  return out;
}

Result<DhtState> decode_dht_state(std::string_view bytes) {
  auto doc = bencode::decode(bytes);
  if (!doc) return fail("not bencode: " + doc.error().message);
  const bencode::Value root = doc->root();
  if (!root.is_dict()) return fail("not a dictionary");
  const auto id = root.find_string("id");
  const auto parsed_id = id ? NodeId::from_bytes(*id) : std::nullopt;
  if (!parsed_id) return fail("missing or malformed node id");
  DhtState state{*parsed_id, {}};
  if (auto v4 = root.find_string("nodes")) {
    if (auto r = append_nodes(*v4, Endpoint::Family::v4, state.nodes); !r) return fail(r.error());
  }
  if (auto v6 = root.find_string("nodes6")) {
    if (auto r = append_nodes(*v6, Endpoint::Family::v6, state.nodes); !r) return fail(r.error());
  }
  return state;
}

DhtState capture_dht_state(dht::Node& node, dht::TimePoint now, std::size_t max_nodes) {
  DhtState state{node.id(), {}};
  const dht::BucketPolicy policy;  // the default notion of "good" (BEP 5)
  capture_table(node.table(Endpoint::Family::v4), now, max_nodes, policy, state.nodes);
  capture_table(node.table(Endpoint::Family::v6), now, max_nodes, policy, state.nodes);
  return state;
}

Result<void> save_dht_state(const std::filesystem::path& dir, const DhtState& state) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("cannot create state dir " + dir.string() + ": " + ec.message());
  return storage::write_file_atomically(dir / kDhtStateFile, encode_dht_state(state));
}

Result<std::optional<DhtState>> load_dht_state(const std::filesystem::path& dir) {
  const auto path = dir / kDhtStateFile;
  auto bytes = storage::read_small_file(path, kMaxStateFileBytes);
  if (!bytes) return fail(bytes.error());
  if (!bytes->has_value()) return std::optional<DhtState>{};
  auto state = decode_dht_state(**bytes);
  if (!state) return fail(path.string() + ": " + state.error().message);
  return std::optional<DhtState>{std::move(*state)};
}

}  // namespace btnode::node
