#include "dht/get_peers_lookup.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/unit/dht/lookup_test_nodes.h"

namespace btnode::dht {
namespace {

using testing::ep;
using testing::id_of;
using testing::kT0;
using testing::node;

Endpoint peer(std::uint8_t n) {
  return Endpoint::v4({25, 1, 1, n}, 5000);
}

// Keeps the token and encoded values alive beside the Response viewing them;
// heap-allocated so the views stay put.
struct Reply {
  std::string token;
  std::string values_buffer;
  Response response;
};

std::unique_ptr<Reply> reply(std::uint8_t n, std::string token, std::vector<Endpoint> peers) {
  auto r = std::make_unique<Reply>();
  r->response.id = id_of(n);
  r->token = std::move(token);
  if (!r->token.empty()) r->response.token = r->token;
  if (!peers.empty()) {
    PeerValuesBuilder values(r->values_buffer);
    for (const Endpoint& p : peers) {
      std::string compact;
      append_compact_peer(compact, p);
      values.add(compact);
    }
    r->response.values = values.finish();
  }
  return r;
}

class GetPeersLookupTest : public ::testing::Test {
 protected:
  static TraversalOptions options() {
    TraversalOptions o;
    o.alpha = 8;
    o.k = 3;
    return o;
  }
  GetPeersLookup lookup{NodeId{}, options()};
  std::vector<Traversal::Request> sent;

  void start(std::initializer_list<std::uint8_t> seeds) {
    for (std::uint8_t n : seeds) lookup.add_seed(node(n));
    lookup.pick(kT0, sent);
  }
};

TEST_F(GetPeersLookupTest, SendsGetPeersForTheInfoHash) {
  NodeId hash;
  hash.bytes.fill(7);
  GetPeersLookup l(hash, options());
  const QueryArgs query = l.query_args();
  const auto* args = std::get_if<GetPeersArgs>(&query);
  ASSERT_NE(args, nullptr);
  EXPECT_EQ(args->info_hash, hash);
}

TEST_F(GetPeersLookupTest, CollectsDistinctPeers) {
  start({1, 2});
  const auto a = reply(1, "", {peer(1), peer(2)});
  const auto b = reply(2, "", {peer(2), peer(3), Endpoint::v4({25, 1, 1, 9}, 0)});
  lookup.on_response(ep(1), a->response, {});
  EXPECT_EQ(lookup.progress().peers, 2u);
  lookup.on_response(ep(2), b->response, {});
  EXPECT_EQ(lookup.peers(), (std::vector<Endpoint>{peer(1), peer(2), peer(3)}))
      << "duplicates and port 0 are dropped";
  EXPECT_EQ(lookup.progress().peers, 3u);
}

TEST_F(GetPeersLookupTest, AnnouncesToTheClosestThatGaveATokenWithTheirToken) {
  start({1, 2, 3, 4, 5});
  const std::string tokens[] = {"t1", "", "t3", "t4", "t5"};
  for (std::uint8_t n = 5; n >= 1; --n) {
    const auto r = reply(n, tokens[n - 1], {});
    lookup.on_response(ep(n), r->response, {});
  }
  std::vector<GetPeersLookup::Writable> targets;
  lookup.announce_targets(targets, 3);
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0].node, node(1));
  EXPECT_EQ(targets[0].token, "t1");
  EXPECT_EQ(targets[1].node, node(3)) << "node 2 gave no token";
  EXPECT_EQ(targets[2].node, node(4));
  EXPECT_EQ(targets[2].token, "t4");
}

}  // namespace
}  // namespace btnode::dht
