#include "core/compact.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace btnode {
namespace {

Endpoint ep(std::string_view text) {
  return *Endpoint::parse(text);
}

NodeId node_id(char fill) {
  NodeId id;
  id.bytes.fill(static_cast<std::uint8_t>(fill));
  return id;
}

TEST(CompactPeer, EncodesBigEndian) {
  std::string out;
  append_compact_peer(out, ep("1.2.3.4:6881"));
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04\x1a\xe1", 6));
  out.clear();
  append_compact_peer(out, ep("[::1]:258"));
  EXPECT_EQ(out, std::string(15, '\0') + "\x01\x01\x02");
}

TEST(CompactPeer, DecodesSingleRecordOfEitherSize) {
  auto v4 = decode_compact_peer(std::string("\xc0\xa8\x00\x01\xff\xff", 6));
  ASSERT_TRUE(v4);
  EXPECT_EQ(*v4, ep("192.168.0.1:65535"));
  auto v6 = decode_compact_peer(std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') +
                                std::string("\x01\x00\x50", 3));
  ASSERT_TRUE(v6);
  EXPECT_EQ(*v6, ep("[2001:db8::1]:80"));
  for (std::size_t n : {0u, 5u, 7u, 17u, 19u, 26u}) {
    auto bad = decode_compact_peer(std::string(n, 'x'));
    ASSERT_FALSE(bad) << n;
    EXPECT_EQ(bad.error().message, "compact: a peer is 6 or 18 bytes, got " + std::to_string(n));
  }
}

TEST(CompactPeer, ListRoundTripBothFamilies) {
  const std::vector<Endpoint> peers{ep("1.2.3.4:1"), ep("[::1]:2"), ep("5.6.7.8:65535"),
                                    ep("[2001:db8::9]:0")};
  std::string v4 = encode_compact_peers(peers, Endpoint::Family::v4);
  std::string v6 = encode_compact_peers(peers, Endpoint::Family::v6);
  EXPECT_EQ(v4.size(), 2 * kCompactPeerV4Size);
  EXPECT_EQ(v6.size(), 2 * kCompactPeerV6Size);
  auto d4 = decode_compact_peers(v4, Endpoint::Family::v4);
  auto d6 = decode_compact_peers(v6, Endpoint::Family::v6);
  ASSERT_TRUE(d4 && d6);
  EXPECT_EQ(*d4, (std::vector<Endpoint>{peers[0], peers[2]}));
  EXPECT_EQ(*d6, (std::vector<Endpoint>{peers[1], peers[3]}));
  auto empty = decode_compact_peers("", Endpoint::Family::v4);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(CompactPeer, RejectsRaggedLists) {
  auto bad4 = decode_compact_peers(std::string(13, 'x'), Endpoint::Family::v4);
  ASSERT_FALSE(bad4);
  EXPECT_EQ(bad4.error().message, "compact: IPv4 peer list length 13 is not a multiple of 6");
  auto bad6 = decode_compact_peers(std::string(12, 'x'), Endpoint::Family::v6);
  ASSERT_FALSE(bad6);
  EXPECT_EQ(bad6.error().message, "compact: IPv6 peer list length 12 is not a multiple of 18");
  // 18 bytes are three IPv4 peers, not one IPv6 peer, when the key says IPv4.
  auto three = decode_compact_peers(std::string(18, '\x01'), Endpoint::Family::v4);
  ASSERT_TRUE(three);
  EXPECT_EQ(three->size(), 3u);
}

TEST(CompactNode, EncodesIdThenPeer) {
  std::string out;
  append_compact_node(out, NodeInfo{node_id('A'), ep("1.2.3.4:6881")});
  EXPECT_EQ(out, std::string(20, 'A') + std::string("\x01\x02\x03\x04\x1a\xe1", 6));
  EXPECT_EQ(out.size(), kCompactNodeV4Size);
  auto back = decode_compact_node(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, node_id('A'));
  EXPECT_EQ(back->endpoint, ep("1.2.3.4:6881"));
}

TEST(CompactNode, ListRoundTripBothFamilies) {
  const std::vector<NodeInfo> nodes{{node_id('a'), ep("1.2.3.4:1")},
                                    {node_id('b'), ep("[2001:db8::1]:2")},
                                    {node_id('c'), ep("9.9.9.9:3")},
                                    {node_id('d'), ep("[::ffff:1.2.3.4]:4")}};
  std::string v4 = encode_compact_nodes(nodes, Endpoint::Family::v4);
  std::string v6 = encode_compact_nodes(nodes, Endpoint::Family::v6);
  EXPECT_EQ(v4.size(), 2 * kCompactNodeV4Size);
  EXPECT_EQ(v6.size(), 2 * kCompactNodeV6Size);
  auto d4 = decode_compact_nodes(v4, Endpoint::Family::v4);
  auto d6 = decode_compact_nodes(v6, Endpoint::Family::v6);
  ASSERT_TRUE(d4 && d6);
  EXPECT_EQ(*d4, (std::vector<NodeInfo>{nodes[0], nodes[2]}));
  EXPECT_EQ(*d6, (std::vector<NodeInfo>{nodes[1], nodes[3]}));
  EXPECT_EQ(compact_node_size(Endpoint::Family::v6), 38u);
  EXPECT_EQ(compact_peer_size(Endpoint::Family::v4), 6u);
}

TEST(CompactNode, RejectsBadSizes) {
  for (std::size_t n : {0u, 6u, 25u, 27u, 37u, 39u}) {
    auto bad = decode_compact_node(std::string(n, 'x'));
    ASSERT_FALSE(bad) << n;
    EXPECT_EQ(bad.error().message, "compact: a node is 26 or 38 bytes, got " + std::to_string(n));
  }
  auto ragged = decode_compact_nodes(std::string(27, 'x'), Endpoint::Family::v4);
  ASSERT_FALSE(ragged);
  EXPECT_EQ(ragged.error().message, "compact: IPv4 node list length 27 is not a multiple of 26");
  auto ragged6 = decode_compact_nodes(std::string(26 * 3, 'x'), Endpoint::Family::v6);
  ASSERT_FALSE(ragged6);
  EXPECT_EQ(ragged6.error().message, "compact: IPv6 node list length 78 is not a multiple of 38");
}

}  // namespace
}  // namespace btnode
