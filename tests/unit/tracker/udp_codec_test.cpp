#include "tracker/udp_codec.h"

#include <gtest/gtest.h>

#include "tests/unit/tracker/test_util.h"

namespace btnode::tracker::udp {
namespace {

using test::ep;

TEST(UdpCodec, ConnectRequestLayout) {
  auto d = encode_connect(0x01020304);
  EXPECT_EQ(d, std::string("\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\x01\x02\x03\x04", 16));
  auto back = decode_request(d);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->transaction, 0x01020304u);
  EXPECT_TRUE(std::holds_alternative<ConnectRequest>(back->body));
}

TEST(UdpCodec, AnnounceRequestIs98BytesAndRoundTrips) {
  auto q = test::sample_request();
  q.key = 0xdeadbeef;
  q.ip = ep("1.2.3.4:0");
  auto d = encode_announce(0x1122334455667788, 7, q);
  ASSERT_EQ(d.size(), 98u);
  EXPECT_EQ(d.substr(80, 4), std::string("\x00\x00\x00\x02", 4));  // started = 2
  auto back = decode_request(d);
  ASSERT_TRUE(back) << back.error().message;
  auto& m = std::get<AnnounceMessage>(back->body);
  EXPECT_EQ(m.connection, 0x1122334455667788u);
  EXPECT_EQ(m.request.info_hash, q.info_hash);
  EXPECT_EQ(m.request.peer_id, q.peer_id);
  EXPECT_EQ(m.request.downloaded, 20u);
  EXPECT_EQ(m.request.left, 30u);
  EXPECT_EQ(m.request.uploaded, 10u);
  EXPECT_EQ(m.request.event, Event::started);
  EXPECT_EQ(m.request.ip, ep("1.2.3.4:0"));
  EXPECT_EQ(m.request.key, 0xdeadbeefu);
  EXPECT_EQ(m.request.numwant, 40);
  EXPECT_EQ(m.request.port, 6881);
}

TEST(UdpCodec, ScrapeRequestCarriesAtMost74Hashes) {
  std::vector<Hash20> hs(80, test::hash_of('q'));
  auto d = encode_scrape(9, 3, hs);
  EXPECT_EQ(d.size(), 16u + 74 * 20);
  auto back = decode_request(d);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<ScrapeMessage>(back->body).hashes.size(), 74u);
}

TEST(UdpCodec, RepliesRoundTrip) {
  auto c = decode_reply(encode_connect_reply(5, 0xabcdef), Endpoint::Family::v4);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->transaction, 5u);
  EXPECT_EQ(std::get<ConnectReply>(c->body).connection, 0xabcdefu);

  AnnounceResponse r;
  r.interval = 600;
  r.complete = 2;
  r.incomplete = 3;
  r.peers = {ep("127.0.2.1:1000"), ep("[::1]:2000"), ep("127.0.2.2:3000")};
  auto v4 = decode_reply(encode_announce_reply(6, r, Endpoint::Family::v4), Endpoint::Family::v4);
  ASSERT_TRUE(v4);
  auto& a = std::get<AnnounceResponse>(v4->body);
  EXPECT_EQ(a.interval, 600u);
  EXPECT_EQ(a.complete, 2u);
  EXPECT_EQ(a.incomplete, 3u);
  EXPECT_EQ(a.peers, (std::vector<Endpoint>{ep("127.0.2.1:1000"), ep("127.0.2.2:3000")}));
  auto v6 = decode_reply(encode_announce_reply(6, r, Endpoint::Family::v6), Endpoint::Family::v6);
  ASSERT_TRUE(v6);
  EXPECT_EQ(std::get<AnnounceResponse>(v6->body).peers, (std::vector<Endpoint>{ep("[::1]:2000")}));

  std::vector<ScrapeEntry> es{{test::hash_of('a'), 1, 2, 3}};
  auto s = decode_reply(encode_scrape_reply(7, es), Endpoint::Family::v4);
  ASSERT_TRUE(s);
  auto& got = std::get<std::vector<ScrapeEntry>>(s->body);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].complete, 1u);
  EXPECT_EQ(got[0].downloaded, 2u);
  EXPECT_EQ(got[0].incomplete, 3u);

  auto e = decode_reply(encode_error(8, "go away"), Endpoint::Family::v4);
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<ErrorReply>(e->body).message, "go away");
}

TEST(UdpCodec, ShortOrUnknownMessagesAreErrors) {
  EXPECT_FALSE(decode_reply("", Endpoint::Family::v4));
  EXPECT_FALSE(decode_reply(std::string("\0\0\0\0\0\0\0\1", 8), Endpoint::Family::v4));
  EXPECT_FALSE(decode_reply(std::string("\0\0\0\1\0\0\0\1\0\0", 10), Endpoint::Family::v4));
  EXPECT_FALSE(decode_reply(std::string("\0\0\0\x09\0\0\0\1", 8), Endpoint::Family::v4));
  EXPECT_FALSE(decode_request(std::string(15, '\0')));
  auto bad_magic = encode_connect(1);
  bad_magic[0] = 1;
  EXPECT_FALSE(decode_request(bad_magic));
  EXPECT_FALSE(decode_request(encode_announce(1, 1, test::sample_request()).substr(0, 97)));
  EXPECT_FALSE(decode_request(encode_scrape(1, 1, {})));
}

TEST(UdpCodec, AnnounceReplyPeerCountIsBounded) {
  AnnounceResponse r;
  for (int i = 0; i < 10'000; ++i)
    r.peers.push_back(Endpoint::v4({10, std::uint8_t(i >> 8), std::uint8_t(i), 1}, 6881));
  auto back = decode_reply(encode_announce_reply(1, r, Endpoint::Family::v4), Endpoint::Family::v4, 100);
  ASSERT_TRUE(back);
  auto& a = std::get<AnnounceResponse>(back->body);
  EXPECT_EQ(a.peers.size(), 100u);
  EXPECT_EQ(a.peers_dropped, 9'900u);
}

}  // namespace
}  // namespace btnode::tracker::udp
