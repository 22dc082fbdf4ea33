#include "tracker/http_codec.h"

#include <gtest/gtest.h>

#include "core/bencode.h"
#include "tests/unit/tracker/test_util.h"

namespace btnode::tracker {
namespace {

using test::ep;
using test::hash_of;

TEST(HttpCodec, AnnounceUrlEscapesBinaryFields) {
  auto q = test::sample_request();
  auto url = announce_url("http://t.example/announce", q);
  ASSERT_TRUE(url);
  EXPECT_EQ(*url,
            "http://t.example/announce?info_hash=%00%FF%20%12%12%12%12%12%12%12%12%12%12%12%12%12"
            "%12%12%12%12&peer_id=-BN0100-abcdefghijkl&port=6881&uploaded=10&downloaded=20&left=30"
            "&compact=1&event=started&numwant=40");
}

TEST(HttpCodec, AnnounceUrlKeepsAnExistingQueryAndTrackerId) {
  auto q = test::sample_request();
  q.event = Event::none;
  auto url = announce_url("https://t.example/a?passkey=x", q, "id 1");
  ASSERT_TRUE(url);
  EXPECT_NE(url->find("/a?passkey=x&info_hash="), std::string::npos);
  EXPECT_EQ(url->find("event="), std::string::npos);
  EXPECT_NE(url->find("&trackerid=id%201"), std::string::npos);
}

TEST(HttpCodec, AnnounceUrlRefusesOtherSchemes) {
  EXPECT_FALSE(announce_url("udp://t.example:80", test::sample_request()));
  EXPECT_FALSE(announce_url("", test::sample_request()));
}

TEST(HttpCodec, ScrapeUrlFollowsBep48) {
  EXPECT_EQ(scrape_url("http://e.com/announce"), "http://e.com/scrape");
  EXPECT_EQ(scrape_url("http://e.com/x/announce?k=1"), "http://e.com/x/scrape?k=1");
  EXPECT_EQ(scrape_url("http://e.com/announce.php"), "http://e.com/scrape.php");
  EXPECT_EQ(scrape_url("http://e.com/a"), std::nullopt);
  EXPECT_EQ(scrape_url("http://e.com/announce/x"), std::nullopt);
  std::vector<Hash20> hs{hash_of('a'), hash_of('b')};
  EXPECT_EQ(scrape_request_url("http://e.com/scrape", hs),
            "http://e.com/scrape?info_hash=aaaaaaaaaaaaaaaaaaaa&info_hash=bbbbbbbbbbbbbbbbbbbb");
}

TEST(HttpCodec, DecodesCompactPeersBothFamiliesAndExtras) {
  std::string v4("\x7f\x00\x00\x01\x1a\xe1\x0a\x00\x00\x02\x00\x50", 12);
  std::string v6(16, '\0');
  v6[15] = 1;
  v6 += std::string("\x1a\xe2", 2);
  std::string body = "d8:completei3e10:incompletei4e8:intervali900e12:min intervali60e5:peers12:" +
                     v4 + "6:peers618:" + v6 + "11:external ip4:\x01\x02\x03\x04" +
                     "15:warning message4:slow10:tracker id3:abce";
  auto r = decode_announce_response(body);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->interval, 900u);
  EXPECT_EQ(r->min_interval, 60u);
  EXPECT_EQ(r->complete, 3u);
  EXPECT_EQ(r->incomplete, 4u);
  EXPECT_EQ(r->peers, (std::vector<Endpoint>{ep("127.0.0.1:6881"), ep("10.0.0.2:80"),
                                             ep("[::1]:6882")}));
  EXPECT_EQ(r->warning, "slow");
  EXPECT_EQ(r->tracker_id, "abc");
  EXPECT_EQ(r->external_ip, ep("1.2.3.4:0"));
}

TEST(HttpCodec, DecodesDictionaryPeersAndSkipsBadOnes) {
  std::string body =
      "d8:intervali60e5:peersld2:ip9:127.0.0.27:peer id20:xxxxxxxxxxxxxxxxxxxx4:porti7000eed2:ip3:"
      "::14:porti7001eed2:ip11:example.com4:porti1eed2:ip8:10.0.0.14:porti0eed2:ip8:10.0.0.14:"
      "porti70000eeee";
  auto r = decode_announce_response(body);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->peers, (std::vector<Endpoint>{ep("127.0.0.2:7000"), ep("[::1]:7001")}));
}

TEST(HttpCodec, FailureReasonIsTheError) {
  auto r = decode_announce_response("d14:failure reason12:unregisterede");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "tracker: failure: unregistered");
}

TEST(HttpCodec, GarbageIsAnErrorNotACrash) {
  for (std::string body : {"", "<html>502</html>", "i5e", "d8:intervali5e5:peers5:abcdee",
                           "d5:peersi1ee", "d8:intervali60e5:peersi3ee", "d8:interval"}) {
    EXPECT_FALSE(decode_announce_response(body)) << body;
  }
  EXPECT_FALSE(decode_announce_response(std::string(kMaxHttpBody + 1, 'x')));
}

TEST(HttpCodec, PeerCountIsBounded) {
  std::string peers;
  for (int i = 0; i < 10'000; ++i) {
    char p[6] = {10, char(i >> 8), char(i & 0xff), 1, 0x1a, char(0xe1)};
    peers.append(p, 6);
  }
  std::string body = "d8:intervali60e5:peers" + std::to_string(peers.size()) + ":" + peers + "e";
  auto r = decode_announce_response(body, 200);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->peers.size(), 200u);
  EXPECT_EQ(r->peers_dropped, 9'800u);
}

TEST(HttpCodec, IntervalZeroIsClamped) {
  auto r = decode_announce_response("d8:intervali0e5:peers0:e");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->interval, kMinInterval);
}

TEST(HttpCodec, DecodesScrape) {
  std::string body = "d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei5e10:downloadedi50e10:incompletei10e"
                     "e3:bad0:ee";
  auto r = decode_scrape_response(body);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].info_hash, hash_of('a'));
  EXPECT_EQ((*r)[0].complete, 5u);
  EXPECT_EQ((*r)[0].downloaded, 50u);
  EXPECT_EQ((*r)[0].incomplete, 10u);
  EXPECT_FALSE(decode_scrape_response("de"));
  EXPECT_FALSE(decode_scrape_response("d14:failure reason1:xe"));
}

}  // namespace
}  // namespace btnode::tracker
