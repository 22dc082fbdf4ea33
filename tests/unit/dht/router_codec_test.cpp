#include "dht/router_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace btnode::dht {
namespace {

std::optional<RouterPacket> parse(std::string_view s) {
  return parse_router_packet(
      {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

const std::string kId(20, 'I');
const std::string kTarget(20, 'T');

TEST(RouterCodec, ReadsAFindNodeQuery) {
  const std::string q = "d1:ad2:id20:" + kId + "6:target20:" + kTarget +
                        "4:wantl2:n42:n6ee1:q9:find_node2:roi1e1:t2:aa1:v4:LT011:y1:qe";
  const auto m = parse(q);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 'q');
  EXPECT_EQ(m->method, RouterMethod::find_node);
  EXPECT_EQ(m->id, kId);
  EXPECT_EQ(m->target, kTarget);
  EXPECT_EQ(m->transaction_id, "aa");
  EXPECT_TRUE(m->read_only);
  EXPECT_TRUE(m->has_want && m->want_n4 && m->want_n6);
}

TEST(RouterCodec, ReadsTheBootstrapHint) {
  // libtorrent's bootstrap lookup: get_peers for (nearly) its own id with bs=1.
  const auto m = parse("d1:ad2:bsi1e2:id20:" + kId + "9:info_hash20:" + kTarget +
                       "e1:q9:get_peers1:t2:aa1:y1:qe");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->bootstrap);
  const auto zero = parse("d1:ad2:bsi0e2:id20:" + kId + "e1:q4:ping1:t2:aa1:y1:qe");
  ASSERT_TRUE(zero);
  EXPECT_FALSE(zero->bootstrap);
  // Not an integer: skipped like any unknown key, never a reason to drop.
  const auto text = parse("d1:ad2:bs1:x2:id20:" + kId + "e1:q4:ping1:t2:aa1:y1:qe");
  ASSERT_TRUE(text);
  EXPECT_FALSE(text->bootstrap);
  const auto none = parse("d1:ad2:id20:" + kId + "e1:q4:ping1:t2:aa1:y1:qe");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->bootstrap);
}

TEST(RouterCodec, ReadsGetPeersPingAnnounceAndOtherMethods) {
  auto method = [](std::string name, std::string extra) {
    const auto m = parse("d1:ad2:id20:" + kId + extra + "e1:q" + std::to_string(name.size()) +
                         ":" + name + "1:t1:x1:y1:qe");
    return m ? m->method : static_cast<RouterMethod>(99);
  };
  EXPECT_EQ(method("get_peers", "9:info_hash20:" + kTarget), RouterMethod::get_peers);
  EXPECT_EQ(method("ping", ""), RouterMethod::ping);
  EXPECT_EQ(method("announce_peer", "4:porti1e5:token1:x"), RouterMethod::announce_peer);
  EXPECT_EQ(method("sample_infohashes", "6:target20:" + kTarget), RouterMethod::other);
}

TEST(RouterCodec, ReadsAReply) {
  // The message refers into the datagram: keep it alive while m is used.
  const std::string datagram = "d2:ip6:abcdef1:rd2:id20:" + kId + "5:nodes0:e1:t6:cookie1:y1:re";
  const auto m = parse(datagram);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 'r');
  EXPECT_EQ(m->id, kId);
  EXPECT_EQ(m->transaction_id, "cookie");
}

TEST(RouterCodec, RejectsMalformedDatagrams) {
  const std::string ok = "d1:ad2:id20:" + kId + "e1:q4:ping1:t1:x1:y1:qe";
  ASSERT_TRUE(parse(ok));
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("le"));
  EXPECT_FALSE(parse(ok.substr(0, ok.size() - 1)));  // truncated
  EXPECT_FALSE(parse(ok + "x"));                     // trailing bytes
  EXPECT_FALSE(parse("d1:ad2:id19:" + kId.substr(1) + "e1:q4:ping1:t1:x1:y1:qe"));  // short id
  EXPECT_FALSE(parse("d1:ad2:id20:" + kId + "e1:q4:ping1:y1:qe"));                  // no t
  EXPECT_FALSE(parse("d1:ad2:id20:" + kId + "e1:q4:ping1:t17:" + std::string(17, 't') +
                     "1:y1:qe"));                                                    // long t
  EXPECT_FALSE(parse("d1:ad2:id20:" + kId + "e1:q9:find_node1:t1:x1:y1:qe"));       // no target
  EXPECT_FALSE(parse("d1:ad2:id20:" + kId + "e1:q4:ping1:t1:x1:y1:ze"));            // bad y
  EXPECT_FALSE(parse("di1e1:ad2:id20:" + kId + "e1:q4:ping1:t1:x1:y1:qe"));         // int key
  EXPECT_FALSE(parse("d1:t1:x1:y1:q1:q4:pinge"));                                   // no a
  EXPECT_FALSE(parse("d1:ad2:id20:" + kId + "1:xi01ee1:q4:ping1:t1:x1:y1:qe"));     // i01e
  EXPECT_FALSE(parse("d1:ad2:id20:" + kId + "1:x99999999999:e1:q4:ping1:t1:x1:y1:qe"));
  std::string deep = "d1:ad2:id20:" + kId + "1:x" + std::string(40, 'l') + std::string(40, 'e') +
                     "e1:q4:ping1:t1:x1:y1:qe";
  EXPECT_FALSE(parse(deep));
}

}  // namespace
}  // namespace btnode::dht
