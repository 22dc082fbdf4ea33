#include "wire/handshake.h"

#include <gtest/gtest.h>

#include <string>

namespace btnode::wire {
namespace {

WireHash hash_of(char fill) {
  WireHash h;
  h.fill(static_cast<std::uint8_t>(fill));
  return h;
}

PeerId peer(char fill) {
  PeerId id;
  id.bytes.fill(static_cast<std::uint8_t>(fill));
  return id;
}

HandshakeRules rules_for(WireHash accepted, PeerId own = peer('O')) {
  return HandshakeRules{own, [accepted](const WireHash& h) { return h == accepted; }, {}};
}

Handshake sample() {
  Handshake h;
  h.reserved.set_dht(true);
  h.reserved.set_fast_extension(true);
  h.reserved.set_extension_protocol(true);
  h.info_hash = hash_of('I');
  h.peer_id = peer('P');
  return h;
}

TEST(Handshake, EncodesTheBep3LayoutWithReservedBits) {
  const std::string bytes = encode_handshake(sample());
  ASSERT_EQ(bytes.size(), kHandshakeSize);
  EXPECT_EQ(bytes.substr(0, 20), std::string("\x13") + "BitTorrent protocol");
  EXPECT_EQ(bytes.substr(20, 8), std::string("\0\0\0\0\0\x10\0\x05", 8));
  EXPECT_EQ(bytes.substr(28, 20), std::string(20, 'I'));
  EXPECT_EQ(bytes.substr(48, 20), std::string(20, 'P'));
}

TEST(Handshake, ReservedBitsReadBack) {
  Reserved r;
  EXPECT_FALSE(r.dht() || r.fast_extension() || r.extension_protocol());
  r.set_fast_extension(true);
  EXPECT_TRUE(r.fast_extension());
  EXPECT_FALSE(r.dht());
  r.set_fast_extension(false);
  EXPECT_EQ(r, Reserved{});
}

TEST(Handshake, NegotiatedNeedsBothEnds) {
  Reserved ours, theirs;
  ours.set_fast_extension(true);
  ours.set_extension_protocol(true);
  theirs.set_extension_protocol(true);
  theirs.set_dht(true);
  const Reserved both = negotiated(ours, theirs);
  EXPECT_TRUE(both.extension_protocol());
  EXPECT_FALSE(both.fast_extension());
  EXPECT_FALSE(both.dht());
}

TEST(Handshake, ParsesWholeAndLeavesTrailingMessageBytes) {
  HandshakeParser parser(rules_for(hash_of('I')));
  const std::string stream = encode_handshake(sample()) + "\0\0\0\x01\x02";
  auto used = parser.feed(stream);
  ASSERT_TRUE(used) << used.error().message;
  EXPECT_EQ(*used, kHandshakeSize);
  ASSERT_TRUE(parser.complete());
  EXPECT_EQ(parser.handshake(), sample());
}

TEST(Handshake, ParsesOneByteAtATimeAndKnowsTheInfoHashEarly) {
  HandshakeParser parser(rules_for(hash_of('I')));
  const std::string bytes = encode_handshake(sample());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    EXPECT_EQ(parser.has_info_hash(), i >= kHandshakeInfoHashEnd) << i;
    auto used = parser.feed(bytes.substr(i, 1));
    ASSERT_TRUE(used) << used.error().message;
    EXPECT_EQ(*used, 1u);
  }
  EXPECT_TRUE(parser.complete());
  EXPECT_EQ(parser.handshake(), sample());
  EXPECT_EQ(*parser.feed("more"), 0u);
}

TEST(Handshake, RejectsAnotherProtocolAfterTwentyBytes) {
  HandshakeParser parser(rules_for(hash_of('I')));
  auto r = parser.feed("GET / HTTP/1.1\r\nHost: x\r\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("did not send the BitTorrent protocol handshake"),
            std::string::npos);
  EXPECT_FALSE(parser.feed(encode_handshake(sample())));  // stays failed
}

TEST(Handshake, RejectsUnknownInfoHashBeforeThePeerId) {
  HandshakeParser parser(rules_for(hash_of('X')));
  auto r = parser.feed(encode_handshake(sample()).substr(0, kHandshakeInfoHashEnd));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "peer asked for info-hash " + to_hex(std::string(20, 'I')) + ", which we do not serve");
}

TEST(Handshake, RejectsOurOwnPeerId) {
  HandshakeParser parser(rules_for(hash_of('I'), peer('P')));
  auto r = parser.feed(encode_handshake(sample()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "connected to ourselves (the peer sent our own peer id)");
}

TEST(Handshake, RejectsUnexpectedPeerId) {
  auto rules = rules_for(hash_of('I'));
  rules.expected_peer_id = peer('E');
  HandshakeParser parser(std::move(rules));
  auto r = parser.feed(encode_handshake(sample()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("is not the one we expected"), std::string::npos);
}

TEST(Handshake, MissingAcceptCallbackAcceptsNothing) {
  HandshakeParser parser(HandshakeRules{peer('O'), {}, {}});
  EXPECT_FALSE(parser.feed(encode_handshake(sample())));
}

}  // namespace
}  // namespace btnode::wire
