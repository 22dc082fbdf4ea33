#include <gtest/gtest.h>

#include "peer_protocol_test_util.h"
#include "wire/peer_protocol.h"

namespace btnode::wire {
namespace {

using namespace testing;

TEST(PeerProtocolSend, FlagChangesAreSentOnce) {
  PeerProtocol p(options(false), geometry());
  p.choke();  // already choking: nothing to say
  p.unchoke();
  p.unchoke();
  p.interested();
  p.interested();
  p.not_interested();
  EXPECT_EQ(sent(p), msgs({Unchoke{}, Interested{}, NotInterested{}}));
  EXPECT_FALSE(p.am_choking());
  EXPECT_FALSE(p.am_interested());
}

TEST(PeerProtocolSend, ChokeWithFastRejectsQueueExceptAllowedFast) {
  PeerProtocol p(options(true), geometry());
  p.allow_fast(2);
  p.unchoke();
  for (std::uint32_t piece : {1u, 2u, 3u}) ASSERT_TRUE(p.on_message(Request{{piece, 0, 16384}}));
  p.take_output();
  p.choke();
  EXPECT_EQ(sent(p), msgs({Choke{}, Reject{{1, 0, 16384}}, Reject{{3, 0, 16384}}}));
  ASSERT_EQ(p.peer_requests().size(), 1u);
  EXPECT_EQ(p.peer_requests().front().piece, 2u);
}

TEST(PeerProtocolSend, ChokeWithoutFastForgetsTheQueue) {
  PeerProtocol p(options(false), geometry());
  p.unchoke();
  ASSERT_TRUE(p.on_message(Request{{1, 0, 16384}}));
  p.take_output();
  p.choke();
  EXPECT_EQ(sent(p), msgs({Choke{}}));
  EXPECT_TRUE(p.peer_requests().empty());
}

TEST(PeerProtocolSend, RequestsNeedAnUnchokeOrAllowedFast) {
  PeerProtocol p(options(true), geometry());
  EXPECT_FALSE(p.request({0, 0, 16384}));
  ASSERT_TRUE(p.on_message(AllowedFast{4}));
  EXPECT_TRUE(p.can_request(4));
  EXPECT_TRUE(p.request({4, 0, 16384}));
  EXPECT_TRUE(p.request({4, 0, 16384}));  // already in flight: not sent twice
  EXPECT_EQ(sent(p), msgs({Request{{4, 0, 16384}}}));
}

TEST(PeerProtocolSend, OutstandingRequestsFollowThePeersReqq) {
  PeerProtocol p(options(true), geometry());
  ASSERT_TRUE(p.on_message(Extended{0, "d4:reqqi2ee"}));
  ASSERT_TRUE(p.on_message(Unchoke{}));
  EXPECT_TRUE(p.request({0, 0, 1024}));
  EXPECT_TRUE(p.request({0, 1024, 1024}));
  EXPECT_FALSE(p.request({0, 2048, 1024}));
  EXPECT_EQ(p.outstanding().size(), 2u);
}

TEST(PeerProtocolSend, CancelKeepsTheRequestOnlyWithFast) {
  for (bool fast : {false, true}) {
    PeerProtocol p(options(fast), geometry());
    ASSERT_TRUE(p.on_message(Unchoke{}));
    const BlockRef b{0, 0, 16384};
    ASSERT_TRUE(p.request(b));
    p.take_output();
    p.cancel(b);
    EXPECT_EQ(sent(p), msgs({Cancel{b}}));
    EXPECT_EQ(p.outstanding().size(), fast ? 1u : 0u);
    p.cancel({5, 0, 1});  // never requested: nothing sent
    EXPECT_TRUE(sent(p).empty());
  }
}

TEST(PeerProtocolSend, AvailabilityPicksTheShortestForm) {
  Bitfield all(10, true), none(10), some(10);
  some.set(1);
  PeerProtocol fast(options(true), geometry());
  fast.send_availability(all);
  fast.send_availability(none);
  fast.send_availability(some);
  EXPECT_EQ(sent(fast), msgs({HaveAll{}, HaveNone{}, BitfieldMessage{some.wire()}}));
  PeerProtocol plain(options(false), geometry());
  plain.send_availability(all);
  plain.send_availability(none);  // BEP 3: may be skipped
  EXPECT_EQ(sent(plain), msgs({BitfieldMessage{all.wire()}}));
}

TEST(PeerProtocolSend, RejectRequestAnswersOnlyQueuedOnes) {
  PeerProtocol p(options(true), geometry());
  p.unchoke();
  const BlockRef b{1, 0, 16384};
  ASSERT_TRUE(p.on_message(Request{b}));
  p.take_output();
  p.reject_request(b);
  p.reject_request(b);
  EXPECT_EQ(sent(p), msgs({Reject{b}}));
}

TEST(PeerProtocolSend, ExtensionMessagesOnlyWhenNegotiated) {
  PeerProtocol off(options(true, false), geometry());
  off.send_extended_handshake({});
  off.send_extended(3, "x");
  EXPECT_TRUE(sent(off).empty());
  PeerProtocol on(options(true), geometry());
  ExtendedHandshake ours;
  ours.reqq = 500;
  on.send_extended_handshake(ours);
  on.send_extended(3, "x");
  EXPECT_EQ(sent(on), msgs({Extended{0, "d1:mde4:reqqi500ee"}, Extended{3, "x"}}));
}

TEST(PeerProtocolSend, FastOnlyMessagesNeedFast) {
  PeerProtocol plain(options(false), geometry());
  plain.allow_fast(1);
  plain.suggest(1);
  EXPECT_TRUE(sent(plain).empty());
  PeerProtocol fast(options(true), geometry());
  fast.allow_fast(1);
  fast.allow_fast(1);
  fast.suggest(2);
  fast.have(3);
  fast.send_port(6881);
  fast.keep_alive();
  EXPECT_EQ(sent(fast), msgs({AllowedFast{1}, Suggest{2}, Have{3}, Port{6881}, KeepAlive{}}));
}

}  // namespace
}  // namespace btnode::wire
