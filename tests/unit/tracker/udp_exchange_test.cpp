#include "tracker/udp_exchange.h"

#include <gtest/gtest.h>

#include "tests/unit/tracker/test_util.h"

namespace btnode::tracker {
namespace {

using namespace std::chrono_literals;
using test::ep;

const TimePoint kT0{std::chrono::hours(1)};

std::uint32_t transaction_of(const std::string& d) {
  auto r = udp::decode_request(d);
  EXPECT_TRUE(r);
  return r ? r->transaction : 0;
}

TEST(UdpExchange, ConnectsThenAnnounces) {
  UdpExchange ex(test::sample_request(), Endpoint::Family::v4);
  auto connect = ex.take_datagram(kT0);
  ASSERT_TRUE(connect);
  EXPECT_EQ(connect->size(), 16u);
  EXPECT_FALSE(ex.take_datagram(kT0));
  EXPECT_EQ(ex.deadline(), kT0 + 15s);
  // A reply to another transaction and garbage change nothing.
  ex.on_datagram(udp::encode_connect_reply(transaction_of(*connect) + 1, 42), kT0);
  ex.on_datagram("garbage", kT0);
  EXPECT_EQ(ex.state(), UdpExchange::State::connecting);
  ex.on_datagram(udp::encode_connect_reply(transaction_of(*connect), 42), kT0 + 1s);
  auto announce = ex.take_datagram(kT0 + 1s);
  ASSERT_TRUE(announce);
  auto req = udp::decode_request(*announce);
  ASSERT_TRUE(req);
  EXPECT_EQ(std::get<udp::AnnounceMessage>(req->body).connection, 42u);
  AnnounceResponse r;
  r.interval = 100;
  r.peers = {ep("127.0.2.3:5000")};
  ex.on_datagram(udp::encode_announce_reply(req->transaction, r, Endpoint::Family::v4), kT0 + 2s);
  ASSERT_EQ(ex.state(), UdpExchange::State::done);
  EXPECT_EQ(ex.announce_result().peers, r.peers);
  EXPECT_EQ(ex.connection()->id, 42u);
}

TEST(UdpExchange, RetransmitsAfter15Times2PowNThenFails) {
  UdpExchangeOptions o;
  o.max_retries = 3;
  UdpExchange ex(test::sample_request(), Endpoint::Family::v4, o);
  TimePoint now = kT0;
  std::vector<Duration> waits;
  for (int i = 0; i < 10 && !ex.finished(); ++i) {
    auto d = ex.take_datagram(now);
    ASSERT_TRUE(d);
    waits.push_back(ex.deadline() - now);
    ex.on_timeout(now + 1s);  // too early: nothing happens
    EXPECT_FALSE(ex.take_datagram(now + 1s));
    now = ex.deadline();
    ex.on_timeout(now);
  }
  EXPECT_EQ(waits, (std::vector<Duration>{15s, 30s, 60s, 120s}));
  EXPECT_EQ(ex.state(), UdpExchange::State::failed);
  EXPECT_EQ(ex.error(), "udp tracker: no answer after 4 tries");
}

TEST(UdpExchange, DefaultScheduleIsBep15UpToNEquals8) {
  // Virtual time: 9 tries, waits 15 * 2^n s for n = 0..8, then failure.
  UdpExchange ex(test::sample_request(), Endpoint::Family::v4);
  TimePoint now = kT0;
  std::vector<Duration> waits;
  for (int i = 0; i < 20 && !ex.finished(); ++i) {
    auto d = ex.take_datagram(now);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->size(), 16u);  // no answer: always connecting
    waits.push_back(ex.deadline() - now);
    now = ex.deadline();
    ex.on_timeout(now);
  }
  std::vector<Duration> expected;
  for (int n = 0; n <= 8; ++n) expected.push_back(15s * (1 << n));
  EXPECT_EQ(waits, expected);
  EXPECT_EQ(waits.back(), 3840s);
  EXPECT_EQ(now - kT0, 7665s);
  EXPECT_EQ(ex.state(), UdpExchange::State::failed);
  EXPECT_EQ(ex.error(), "udp tracker: no answer after 9 tries");
}

TEST(UdpExchange, ConnectionIdIsReusedAcrossExchangesAndRenewedAfterAMinute) {
  // The first exchange connects; the id it got serves the next exchanges for
  // one minute after it was received, then a new connect is sent.
  UdpExchange first(test::sample_request(), Endpoint::Family::v4);
  auto c = first.take_datagram(kT0);
  ASSERT_TRUE(c);
  first.on_datagram(udp::encode_connect_reply(transaction_of(*c), 99), kT0 + 1s);
  auto a = first.take_datagram(kT0 + 1s);
  ASSERT_TRUE(a);
  AnnounceResponse r;
  r.interval = 100;
  first.on_datagram(udp::encode_announce_reply(transaction_of(*a), r, Endpoint::Family::v4), kT0 + 2s);
  ASSERT_EQ(first.state(), UdpExchange::State::done);
  ASSERT_TRUE(first.connection());
  UdpExchange second(test::sample_request(), Endpoint::Family::v4, {}, first.connection());
  auto d = second.take_datagram(kT0 + 60s);
  ASSERT_TRUE(d);
  auto req = udp::decode_request(*d);
  ASSERT_TRUE(req);
  EXPECT_EQ(std::get<udp::AnnounceMessage>(req->body).connection, 99u);
  UdpExchange third(test::sample_request(), Endpoint::Family::v4, {}, first.connection());
  auto d3 = third.take_datagram(kT0 + 61s);
  ASSERT_TRUE(d3);
  EXPECT_EQ(d3->size(), 16u);
}

TEST(UdpExchange, ReusesAConnectionIdForOneMinute) {
  ConnectionId cached{7, kT0};
  UdpExchange fresh(test::sample_request(), Endpoint::Family::v4, {}, cached);
  auto d = fresh.take_datagram(kT0 + 59s);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size(), 98u);  // straight to announce
  UdpExchange stale(test::sample_request(), Endpoint::Family::v4, {}, cached);
  auto d2 = stale.take_datagram(kT0 + 60s);
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->size(), 16u);  // connect again
}

TEST(UdpExchange, AnIdThatExpiresDuringRetriesIsRenewed) {
  UdpExchange ex(test::sample_request(), Endpoint::Family::v4, {}, ConnectionId{7, kT0});
  ASSERT_EQ(ex.take_datagram(kT0 + 50s)->size(), 98u);
  ex.on_timeout(ex.deadline());
  EXPECT_EQ(ex.take_datagram(kT0 + 65s)->size(), 16u);
  EXPECT_EQ(ex.state(), UdpExchange::State::connecting);
}

TEST(UdpExchange, ErrorReplyFails) {
  UdpExchange ex(test::sample_request(), Endpoint::Family::v4);
  auto d = ex.take_datagram(kT0);
  ex.on_datagram(udp::encode_error(transaction_of(*d), "unregistered torrent"), kT0);
  EXPECT_EQ(ex.state(), UdpExchange::State::failed);
  EXPECT_EQ(ex.error(), "udp tracker: failure: unregistered torrent");
}

TEST(UdpExchange, ScrapeMatchesEntriesToHashes) {
  std::vector<Hash20> hs{test::hash_of('a'), test::hash_of('b')};
  UdpExchange ex(hs, Endpoint::Family::v4, {}, ConnectionId{1, kT0});
  auto d = ex.take_datagram(kT0);
  std::vector<ScrapeEntry> es{{{}, 1, 2, 3}, {{}, 4, 5, 6}, {{}, 7, 8, 9}};
  ex.on_datagram(udp::encode_scrape_reply(transaction_of(*d), es), kT0);
  ASSERT_EQ(ex.state(), UdpExchange::State::done);
  ASSERT_EQ(ex.scrape_result().size(), 2u);
  EXPECT_EQ(ex.scrape_result()[1].info_hash, test::hash_of('b'));
  EXPECT_EQ(ex.scrape_result()[1].downloaded, 5u);
}

}  // namespace
}  // namespace btnode::tracker
