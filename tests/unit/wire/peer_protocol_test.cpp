#include "wire/peer_protocol.h"

#include <gtest/gtest.h>

#include "peer_protocol_test_util.h"

namespace btnode::wire {
namespace {

using namespace testing;

template <class E>
int count_events(const std::vector<PeerEvent>& events) {
  return static_cast<int>(std::count_if(events.begin(), events.end(), [](const PeerEvent& e) {
    return std::holds_alternative<E>(e);
  }));
}

TEST(PieceGeometry, LastPieceIsShorter) {
  EXPECT_EQ(geometry().size_of(0), 32u * 1024);
  EXPECT_EQ(geometry().size_of(9), 8u * 1024);
  EXPECT_EQ(geometry().size_of(10), 0u);
}

TEST(PeerProtocol, StartsChokedAndNotInterestedBothWays) {
  PeerProtocol p(options(true), geometry());
  EXPECT_TRUE(p.am_choking());
  EXPECT_TRUE(p.peer_choking());
  EXPECT_FALSE(p.am_interested());
  EXPECT_FALSE(p.peer_interested());
}

TEST(PeerProtocol, TracksPeerFlags) {
  PeerProtocol p(options(false), geometry());
  ASSERT_TRUE(p.on_message(Unchoke{}));
  ASSERT_TRUE(p.on_message(Interested{}));
  EXPECT_FALSE(p.peer_choking());
  EXPECT_TRUE(p.peer_interested());
  ASSERT_TRUE(p.on_message(NotInterested{}));
  EXPECT_FALSE(p.peer_interested());
  const auto events = p.take_events();
  EXPECT_EQ(events.size(), 3u);
  EXPECT_EQ(count_events<event::Unchoked>(events), 1);
}

TEST(PeerProtocol, BitfieldThenHaves) {
  PeerProtocol p(options(false), geometry());
  ASSERT_TRUE(p.on_message(BitfieldMessage{std::string("\x80\x40", 2)}));
  EXPECT_TRUE(p.peer_pieces().test(0));
  EXPECT_TRUE(p.peer_pieces().test(9));
  ASSERT_TRUE(p.on_message(Have{3}));
  ASSERT_TRUE(p.on_message(Have{3}));  // repeated: no second event
  EXPECT_EQ(p.peer_pieces().count(), 3u);
  const auto events = p.take_events();
  EXPECT_EQ(count_events<event::Availability>(events), 1);
  EXPECT_EQ(count_events<event::Have>(events), 1);
}

TEST(PeerProtocol, RejectsBadAvailability) {
  {
    PeerProtocol p(options(false), geometry());
    auto r = p.on_message(Have{10});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "peer sent a have for piece 10 of a torrent with 10 pieces");
  }
  {
    PeerProtocol p(options(false), geometry());
    auto r = p.on_message(BitfieldMessage{std::string("\x80\x60", 2)});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "peer sent a bitfield has spare bits set after piece 9");
  }
  {
    PeerProtocol p(options(true), geometry());
    ASSERT_TRUE(p.on_message(Have{1}));
    auto r = p.on_message(HaveAll{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "peer sent a have all after it had already sent availability");
  }
}

// aria2 repeats its bitfield later in a connection: its new pieces arrive as
// haves; a malformed repeat is still an error.
TEST(PeerProtocol, ALaterBitfieldAddsItsNewPiecesAsHaves) {
  PeerProtocol p(options(true), geometry());
  ASSERT_TRUE(p.on_message(HaveNone{}));
  ASSERT_TRUE(p.on_message(Have{2}));
  p.take_events();
  ASSERT_TRUE(p.on_message(BitfieldMessage{std::string("\x20\x40", 2)}));  // pieces 2 and 9
  EXPECT_EQ(p.peer_pieces().count(), 2u);
  const auto events = p.take_events();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<event::Have>(events[0]));
  EXPECT_EQ(std::get<event::Have>(events[0]).piece, 9u);
  auto r = p.on_message(BitfieldMessage{std::string("\x80\x60", 2)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "peer sent a bitfield has spare bits set after piece 9");
}

TEST(PeerProtocol, FastMessagesNeedTheFastExtension) {
  for (const Message& m : std::vector<Message>{HaveAll{}, HaveNone{}, Suggest{1},
                                               Reject{{1, 0, 16384}}, AllowedFast{1}}) {
    PeerProtocol p(options(false), geometry());
    auto r = p.on_message(m);
    ASSERT_FALSE(r) << message_name(m);
    EXPECT_NE(r.error().message.find("without the fast extension"), std::string::npos);
  }
}

TEST(PeerProtocol, HaveAllMakesASeed) {
  PeerProtocol p(options(true), geometry());
  ASSERT_TRUE(p.on_message(HaveAll{}));
  EXPECT_TRUE(p.peer_is_seed());
}

TEST(PeerProtocol, AvailabilityBeforeGeometryIsCheckedLater) {
  PeerProtocol p(options(false));
  ASSERT_TRUE(p.on_message(BitfieldMessage{std::string("\x80\x00", 2)}));
  ASSERT_TRUE(p.on_message(Have{4}));
  EXPECT_EQ(p.peer_pieces().size(), 0u);
  ASSERT_TRUE(p.set_geometry(geometry()));
  EXPECT_TRUE(p.peer_pieces().test(0));
  EXPECT_TRUE(p.peer_pieces().test(4));
  EXPECT_EQ(p.peer_pieces().count(), 2u);

  PeerProtocol liar(options(false));
  ASSERT_TRUE(liar.on_message(Have{99}));
  EXPECT_FALSE(liar.set_geometry(geometry()));
}

TEST(PeerProtocol, QueuesServableRequestsWhenUnchoked) {
  PeerProtocol p(options(false), geometry());
  p.unchoke();
  p.take_output();
  const BlockRef b{2, 16384, 16384};
  ASSERT_TRUE(p.on_message(Request{b}));
  ASSERT_TRUE(p.on_message(Request{b}));  // duplicate ignored
  ASSERT_EQ(p.peer_requests().size(), 1u);
  const auto events = p.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<event::Request>(events[0]).block, b);
  EXPECT_TRUE(p.take_request(b));
  EXPECT_FALSE(p.take_request(b));
}

TEST(PeerProtocol, HostileRequestsAreErrors) {
  PeerProtocol p(options(true), geometry());
  auto past_end = p.on_message(Request{{9, 4096, 8192}});
  ASSERT_FALSE(past_end);
  EXPECT_EQ(past_end.error().message,
            "peer requested piece 9, offset 4096, 8192 bytes, past the end of the piece (8192 "
            "bytes)");
  EXPECT_FALSE(p.on_message(Request{{0, 0, 128 * 1024 + 1}}));
  EXPECT_FALSE(p.on_message(Request{{0, 0, 0}}));
  EXPECT_FALSE(p.on_message(Request{{10, 0, 16384}}));
}

TEST(PeerProtocol, FastRejectsWhatItWillNotServe) {
  PeerProtocol p(options(true), geometry());
  ASSERT_TRUE(p.on_message(Request{{1, 0, 16384}}));  // we are choking
  p.unchoke();
  ASSERT_TRUE(p.on_message(Request{{7, 0, 16384}}));  // we lack piece 7
  EXPECT_EQ(sent(p), msgs({Reject{{1, 0, 16384}}, Unchoke{}, Reject{{7, 0, 16384}}}));
  EXPECT_TRUE(p.peer_requests().empty());
}

TEST(PeerProtocol, WithoutFastUnservableRequestsAreDroppedSilently) {
  PeerProtocol p(options(false), geometry());
  ASSERT_TRUE(p.on_message(Request{{1, 0, 16384}}));
  EXPECT_TRUE(sent(p).empty());
  EXPECT_TRUE(p.peer_requests().empty());
}

TEST(PeerProtocol, AllowedFastPiecesAreServedWhileChoking) {
  PeerProtocol p(options(true), geometry());
  p.allow_fast(3);
  ASSERT_TRUE(p.on_message(Request{{3, 0, 16384}}));
  EXPECT_EQ(p.peer_requests().size(), 1u);
  EXPECT_EQ(sent(p), msgs({AllowedFast{3}}));
}

TEST(PeerProtocol, RequestQueueIsBoundedByOurReqq) {
  auto o = options(true);
  o.max_peer_requests = 2;
  PeerProtocol p(o, geometry());
  p.unchoke();
  p.take_output();
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(p.on_message(Request{{0, i * 1024, 1024}}));
  EXPECT_EQ(p.peer_requests().size(), 2u);
  EXPECT_EQ(sent(p), msgs({Reject{{0, 2048, 1024}}}));
}

TEST(PeerProtocol, CancelWithFastStillAnswersOnce) {
  PeerProtocol p(options(true), geometry());
  p.unchoke();
  p.take_output();
  const BlockRef b{0, 0, 16384};
  ASSERT_TRUE(p.on_message(Request{b}));
  ASSERT_TRUE(p.on_message(Cancel{b}));
  ASSERT_TRUE(p.on_message(Cancel{b}));  // second cancel: nothing left to answer
  EXPECT_EQ(sent(p), msgs({Reject{b}}));
  EXPECT_EQ(count_events<event::Cancelled>(p.take_events()), 1);
}

TEST(PeerProtocol, BlocksMatchOutstandingRequests) {
  PeerProtocol p(options(true), geometry());
  ASSERT_TRUE(p.on_message(Unchoke{}));
  ASSERT_TRUE(p.request({0, 0, 3}));
  p.take_events();
  ASSERT_TRUE(p.on_message(Piece{0, 0, "abc"}));
  const auto events = p.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<event::Block>(events[0]).piece.data, "abc");
  EXPECT_TRUE(p.outstanding().empty());
  auto unrequested = p.on_message(Piece{0, 0, "abc"});
  ASSERT_FALSE(unrequested);
  EXPECT_EQ(unrequested.error().message,
            "peer sent a block we did not request: piece 0, offset 0, 3 bytes");
}

TEST(PeerProtocol, WithoutFastUnrequestedBlocksAreDropped) {
  PeerProtocol p(options(false), geometry());
  ASSERT_TRUE(p.on_message(Piece{0, 0, "abc"}));
  EXPECT_TRUE(p.take_events().empty());
}

TEST(PeerProtocol, ChokeWithoutFastDropsOurRequests) {
  PeerProtocol p(options(false), geometry());
  ASSERT_TRUE(p.on_message(Unchoke{}));
  ASSERT_TRUE(p.request({0, 0, 16384}));
  ASSERT_TRUE(p.request({0, 16384, 16384}));
  p.take_events();
  ASSERT_TRUE(p.on_message(Choke{}));
  EXPECT_TRUE(p.outstanding().empty());
  const auto events = p.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<event::Choked>(events[0]).dropped.size(), 2u);
}

TEST(PeerProtocol, ChokeWithFastKeepsRequestsUntilRejected) {
  PeerProtocol p(options(true), geometry());
  ASSERT_TRUE(p.on_message(Unchoke{}));
  const BlockRef b{0, 0, 16384};
  ASSERT_TRUE(p.request(b));
  ASSERT_TRUE(p.on_message(Choke{}));
  EXPECT_EQ(p.outstanding().size(), 1u);
  ASSERT_TRUE(p.on_message(Reject{b}));
  EXPECT_TRUE(p.outstanding().empty());
  auto again = p.on_message(Reject{b});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message,
            "peer rejected a request we never sent: piece 0, offset 0, 16384 bytes");
}

TEST(PeerProtocol, AllowedFastFromPeerIsBoundedAndChecked) {
  auto o = options(true);
  o.max_allowed_fast = 2;
  PeerProtocol p(o, geometry());
  for (std::uint32_t i : {1u, 2u, 2u, 3u}) ASSERT_TRUE(p.on_message(AllowedFast{i}));
  EXPECT_EQ(p.allowed_fast_from_peer(), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_FALSE(p.on_message(AllowedFast{10}));
}

TEST(PeerProtocol, ExtendedHandshakeMergesAndSetsReqq) {
  PeerProtocol p(options(true), geometry());
  EXPECT_EQ(p.peer_reqq(), 250u);
  const std::string payload = "d1:md11:ut_metadatai3ee4:reqqi8ee";
  ASSERT_TRUE(p.on_message(Extended{0, payload}));
  EXPECT_EQ(p.peer_reqq(), 8u);
  EXPECT_EQ(p.peer_extensions().id_of(kUtMetadata), 3);
  ASSERT_TRUE(p.on_message(Extended{3, "x"}));
  const auto events = p.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<event::ExtendedMessage>(events[1]).id, 3);
  EXPECT_FALSE(p.on_message(Extended{0, "not bencode"}));
}

TEST(PeerProtocol, ExtendedNeedsTheExtensionProtocol) {
  PeerProtocol p(options(true, false), geometry());
  EXPECT_FALSE(p.on_message(Extended{0, "de"}));
}

TEST(PeerProtocol, PortAndSuggestBecomeEvents) {
  PeerProtocol p(options(true), geometry());
  ASSERT_TRUE(p.on_message(Port{6881}));
  ASSERT_TRUE(p.on_message(Suggest{2}));
  ASSERT_TRUE(p.on_message(KeepAlive{}));
  const auto events = p.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<event::DhtPort>(events[0]).port, 6881);
  EXPECT_EQ(std::get<event::Suggest>(events[1]).piece, 2u);
}

}  // namespace
}  // namespace btnode::wire
