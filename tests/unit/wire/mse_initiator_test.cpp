#include "wire/mse_initiator.h"

#include <gtest/gtest.h>

#include <string>

#include "mse_test_peers.h"

namespace btnode::wire {
namespace {

using namespace std::string_literals;
using test::bt_handshake;
using test::skey_of;

const MseSkey kTorrent = skey_of('T');

MseInitiatorOptions options(MsePolicy policy) {
  MseInitiatorOptions o;
  o.info_hash = kTorrent;
  o.policy = policy;
  o.initial_payload = bt_handshake(kTorrent);
  return o;
}

TEST(MseInitiator, DisabledSendsThePlainHandshakeAtOnce) {
  MseInitiator a(options(MsePolicy::disable));
  auto step = a.start();
  EXPECT_EQ(step.send, bt_handshake(kTorrent));
  ASSERT_TRUE(step.outcome);
  EXPECT_FALSE(step.outcome->negotiated);
  EXPECT_EQ(step.outcome->crypto, MseCrypto::plaintext);
  EXPECT_TRUE(a.finished());
}

TEST(MseInitiator, FirstMessageIsYaPlusAtMost512BytesOfPadding) {
  for (int trial = 0; trial < 20; ++trial) {
    MseInitiator a(options(MsePolicy::prefer));
    auto step = a.start();
    EXPECT_GE(step.send.size(), kDhKeySize);
    EXPECT_LE(step.send.size(), kDhKeySize + kMseMaxPad);
    EXPECT_FALSE(step.outcome);
  }
}

TEST(MseInitiator, FeedBeforeStartFails) {
  MseInitiator a(options(MsePolicy::prefer));
  EXPECT_FALSE(a.feed("x").has_value());
}

// B selects `select`; returns A's outcome or error after one big feed that
// also carries `payload` encrypted as B would send it.
struct Exchange {
  Result<MseStep> step = fail("not run");
  test::ScriptedReceiver b;
};

void exchange(Exchange& ex, MsePolicy policy, std::uint32_t select, std::size_t pad_b,
              std::size_t pad_d, const std::string& payload, std::size_t chunk) {
  MseInitiator a(options(policy));
  const std::string hello = a.start().send;
  std::string to_a = ex.b.reply(hello, kTorrent, select, pad_b, pad_d);
  std::string tail = payload;
  if (select == kMseCryptoRc4) ex.b.ciphers->b_to_a.apply(std::span<char>(tail));
  to_a += tail;
  MseStep merged;
  std::size_t pos = 0;
  for (; pos < to_a.size() && !merged.outcome; pos += chunk) {
    auto step = a.feed(std::string_view(to_a).substr(pos, chunk));
    if (!step) {
      ex.step = std::move(step);
      return;
    }
    merged.send += step->send;
    if (step->outcome) merged.outcome = std::move(step->outcome);
  }
  std::string rest = to_a.substr(std::min(pos, to_a.size()));
  test::continue_stream(merged.outcome, rest);
  ex.step = std::move(merged);
}

TEST(MseInitiator, Rc4SelectedDecryptsPayloadThatFollowsMessage4) {
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{4096}}) {
    Exchange ex;
    exchange(ex, MsePolicy::prefer, kMseCryptoRc4, 17, 9,
             "\x13"
             "BitTorrent protocol...",
             chunk);
    ASSERT_TRUE(ex.step) << ex.step.error().message;
    ASSERT_TRUE(ex.step->outcome);
    EXPECT_EQ(ex.step->outcome->crypto, MseCrypto::rc4);
    EXPECT_EQ(ex.step->outcome->remaining,
              "\x13"
              "BitTorrent protocol...");
    // Message 3 decrypts under A's keystream to VC, crypto_provide 3, PadC 0, len(IA) 68.
    std::string m3 = ex.step->send.substr(40);
    test::ScriptedReceiver& b = ex.b;
    b.ciphers->a_to_b.apply(std::span<char>(m3));
    EXPECT_EQ(m3.substr(0, 16), std::string(8, '\0') + "\0\0\0\x03\0\0\0\x44"s);
    EXPECT_EQ(m3.substr(16), bt_handshake(kTorrent));
  }
}

TEST(MseInitiator, PlaintextSelectedLeavesPayloadAlone) {
  Exchange ex;
  exchange(ex, MsePolicy::prefer, kMseCryptoPlaintext, 0, 0, "plain bytes", 1);
  ASSERT_TRUE(ex.step && ex.step->outcome);
  EXPECT_EQ(ex.step->outcome->crypto, MseCrypto::plaintext);
  EXPECT_FALSE(ex.step->outcome->decrypt.has_value());
  EXPECT_EQ(ex.step->outcome->remaining, "plain bytes");
}

TEST(MseInitiator, RefusesBadCryptoSelectAndPadD) {
  struct Case {
    MsePolicy policy;
    std::uint32_t select;
    std::size_t pad_d;
    const char* error;
  };
  const Case cases[] = {
      {MsePolicy::require, kMseCryptoPlaintext, 0,
       "MSE: peer selected plaintext, which policy `require` did not offer"},
      {MsePolicy::prefer, 3, 0, "MSE: peer's crypto_select 3 is not exactly one method"},
      {MsePolicy::prefer, 0, 0, "MSE: peer's crypto_select 0 is not exactly one method"},
      {MsePolicy::prefer, kMseCryptoRc4, 600, "MSE: PadD length 600 exceeds 512"},
  };
  for (const auto& c : cases) {
    Exchange ex;
    exchange(ex, c.policy, c.select, 0, c.pad_d, "", 3);
    ASSERT_FALSE(ex.step);
    EXPECT_EQ(ex.step.error().message, c.error);
  }
}

TEST(MseInitiator, VerificationConstantNotFoundAfterMaximalPadB) {
  MseInitiator a(options(MsePolicy::prefer));
  test::ScriptedReceiver b;
  // A wrong SKEY on B's side: its VC never matches what A expects.
  std::string to_a = b.reply(a.start().send, skey_of('W'), kMseCryptoRc4, 512, 0);
  to_a.append(600, 'z');
  std::string error;
  std::size_t pos = 0;
  for (; pos < to_a.size() && error.empty(); pos += 11) {
    auto step = a.feed(std::string_view(to_a).substr(pos, 11));
    if (!step) error = step.error().message;
  }
  EXPECT_EQ(error, "MSE: verification constant not found in the 520 bytes after Yb");
  EXPECT_LE(pos, kDhKeySize + 520 + 11);
}

TEST(MseInitiator, DegenerateYbIsRefused) {
  MseInitiator a(options(MsePolicy::prefer));
  a.start();
  std::string yb(kDhKeySize, '\0');
  auto step = a.feed(yb);
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().message, "MSE: peer's DH public key is out of range");
  EXPECT_FALSE(a.feed("x").has_value());
}

}  // namespace
}  // namespace btnode::wire
