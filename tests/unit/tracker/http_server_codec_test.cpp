#include "tracker/http_server_codec.h"

#include <gtest/gtest.h>

#include "tests/unit/tracker/test_util.h"
#include "tracker/http_codec.h"

namespace btnode::tracker {
namespace {

using test::ep;

TEST(HttpServerCodec, ParsesWhatTheClientBuilds) {
  auto q = test::sample_request();
  q.event = Event::completed;
  auto url = announce_url("http://t/announce", q);
  ASSERT_TRUE(url);
  auto parsed = parse_announce_query(url->substr(url->find('?') + 1));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->info_hash, q.info_hash);
  EXPECT_EQ(parsed->peer_id, q.peer_id);
  EXPECT_EQ(parsed->port, 6881);
  EXPECT_EQ(parsed->uploaded, 10u);
  EXPECT_EQ(parsed->downloaded, 20u);
  EXPECT_EQ(parsed->left, 30u);
  EXPECT_EQ(parsed->event, Event::completed);
  EXPECT_EQ(parsed->numwant, 40);
  EXPECT_TRUE(parsed->compact);
}

TEST(HttpServerCodec, RejectsMissingOrBadFields) {
  std::string ok_hash = "info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=bbbbbbbbbbbbbbbbbbbb";
  EXPECT_EQ(parse_announce_query(ok_hash).error().message, "missing port");
  EXPECT_EQ(parse_announce_query(ok_hash + "&port=0").error().message, "invalid port");
  EXPECT_EQ(parse_announce_query(ok_hash + "&port=99999").error().message, "invalid port");
  EXPECT_EQ(parse_announce_query("peer_id=bbbbbbbbbbbbbbbbbbbb&port=1").error().message,
            "missing info_hash");
  EXPECT_EQ(parse_announce_query("info_hash=short&port=1").error().message, "invalid info_hash");
  EXPECT_FALSE(parse_announce_query(ok_hash + "&port=1&left=%zz"));
  EXPECT_FALSE(parse_announce_query(ok_hash + "&port=1&left=-1"));
  auto compact_off = parse_announce_query(ok_hash + "&port=1&compact=0");
  ASSERT_TRUE(compact_off);
  EXPECT_FALSE(compact_off->compact);
}

TEST(HttpServerCodec, ScrapeQueryTakesEveryHashUpToTheBound) {
  auto hs = parse_scrape_query("info_hash=aaaaaaaaaaaaaaaaaaaa&x=1&info_hash=bbbbbbbbbbbbbbbbbbbb", 1);
  ASSERT_TRUE(hs);
  ASSERT_EQ(hs->size(), 1u);
  EXPECT_EQ((*hs)[0], test::hash_of('a'));
  EXPECT_FALSE(parse_scrape_query("info_hash=abc"));
}

TEST(HttpServerCodec, AnnounceBodiesRoundTripCompactAndDictionary) {
  AnnounceResponse r;
  r.interval = 120;
  r.min_interval = 60;
  r.complete = 1;
  r.incomplete = 2;
  r.peers = {ep("127.0.2.1:6881"), ep("[::1]:7000"), ep("127.0.2.2:6882")};
  r.external_ip = ep("127.0.2.9:0");
  for (bool compact : {true, false}) {
    auto back = decode_announce_response(encode_announce_body(r, compact));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->interval, 120u);
    EXPECT_EQ(back->min_interval, 60u);
    EXPECT_EQ(back->complete, 1u);
    EXPECT_EQ(back->incomplete, 2u);
    auto peers = back->peers;
    std::sort(peers.begin(), peers.end());
    auto want = r.peers;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(peers, want);
    EXPECT_EQ(back->external_ip, r.external_ip);
  }
}

TEST(HttpServerCodec, ScrapeAndFailureBodiesDecode) {
  ScrapeEntry e{test::hash_of('z'), 3, 4, 5};
  auto back = decode_scrape_response(encode_scrape_body(std::span(&e, 1)));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].info_hash, e.info_hash);
  EXPECT_EQ((*back)[0].complete, 3u);
  EXPECT_EQ((*back)[0].downloaded, 4u);
  EXPECT_EQ((*back)[0].incomplete, 5u);
  EXPECT_EQ(decode_announce_response(encode_failure_body("nope")).error().message,
            "tracker: failure: nope");
}

}  // namespace
}  // namespace btnode::tracker

namespace btnode::tracker {
namespace {

TEST(HttpServerCodec, ParsesGetRequestHeads) {
  auto partial = parse_http_get("GET /announce?a=1 HTTP/1.1\r\nHost: x\r\n");
  ASSERT_TRUE(partial);
  EXPECT_FALSE(partial->has_value());
  auto full = parse_http_get("GET /announce?a=1&b=2 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(full);
  ASSERT_TRUE(full->has_value());
  EXPECT_EQ((*full)->path, "/announce");
  EXPECT_EQ((*full)->query, "a=1&b=2");
  auto bare = parse_http_get("GET /scrape HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(bare && bare->has_value());
  EXPECT_EQ((*bare)->query, "");
  EXPECT_FALSE(parse_http_get("POST /announce HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(parse_http_get("GET /announce\r\n\r\n"));
  EXPECT_FALSE(parse_http_get("GET announce HTTP/1.1\r\n\r\n"));
}

TEST(HttpServerCodec, ResponseHasLengthAndBody) {
  EXPECT_EQ(http_response(200, "OK", "d1:ai1ee"),
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\nConnection: "
            "close\r\n\r\nd1:ai1ee");
}

}  // namespace
}  // namespace btnode::tracker
