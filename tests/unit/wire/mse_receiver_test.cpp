#include "wire/mse_receiver.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "core/random.h"
#include "mse_test_peers.h"
#include "wire/mse_initiator.h"

namespace btnode::wire {
namespace {

using namespace std::string_literals;

using test::bt_handshake;
using test::run_pair;
using test::serving;
using test::skey_of;

const MseSkey kTorrent = skey_of('T');

MseInitiatorOptions initiator_options(MsePolicy policy) {
  MseInitiatorOptions o;
  o.info_hash = kTorrent;
  o.policy = policy;
  o.initial_payload = bt_handshake(kTorrent);
  return o;
}

MseReceiverOptions receiver_options(MsePolicy policy) {
  MseReceiverOptions o;
  o.policy = policy;
  o.find_skey = serving({skey_of('x'), kTorrent});
  return o;
}

const char* name(MsePolicy p) {
  switch (p) {
    case MsePolicy::prefer:
      return "prefer";
    case MsePolicy::require:
      return "require";
    case MsePolicy::disable:
      return "disable";
  }
  return "?";
}

// initiator policy, receiver policy, chunk size (1 = byte by byte).
class MsePolicyPair
    : public ::testing::TestWithParam<std::tuple<MsePolicy, MsePolicy, std::size_t>> {};

TEST_P(MsePolicyPair, NegotiatesOrFailsCleanly) {
  const auto [pa, pb, chunk] = GetParam();
  MseInitiator a(initiator_options(pa));
  MseReceiver b(receiver_options(pb));
  const auto r = run_pair(a, b, chunk);
  SCOPED_TRACE(std::string(name(pa)) + " -> " + name(pb));
  const std::string handshake = bt_handshake(kTorrent);

  if (pa == MsePolicy::disable && pb == MsePolicy::require) {
    EXPECT_EQ(r.b_error, "MSE: peer sent a plain BitTorrent handshake but encryption is required");
  } else if (pa == MsePolicy::disable) {
    // A plain handshake: the receiver hands every byte back for the BEP 3 parser.
    ASSERT_TRUE(r.a && r.b);
    EXPECT_FALSE(r.a->negotiated);
    EXPECT_FALSE(r.b->negotiated);
    EXPECT_EQ(r.b->crypto, MseCrypto::plaintext);
    EXPECT_EQ(r.b->remaining, handshake);
  } else if (pb == MsePolicy::disable) {
    EXPECT_EQ(r.b_error,
              "MSE: peer did not send a BitTorrent handshake and encryption is disabled");
  } else {
    ASSERT_TRUE(r.a && r.b) << r.a_error << r.b_error;
    EXPECT_TRUE(r.a->negotiated && r.b->negotiated);
    // Offered both, a `prefer` receiver selects plaintext; `require` on
    // either side means RC4.
    const MseCrypto expected = pa == MsePolicy::prefer && pb == MsePolicy::prefer
                                   ? MseCrypto::plaintext
                                   : MseCrypto::rc4;
    EXPECT_EQ(r.a->crypto, expected);
    EXPECT_EQ(r.b->crypto, expected);
    EXPECT_EQ(r.a->encrypt.has_value(), expected == MseCrypto::rc4);
    EXPECT_EQ(r.b->info_hash, kTorrent);
    EXPECT_EQ(r.b->initial_payload, handshake);
    EXPECT_TRUE(r.a->remaining.empty());
    EXPECT_TRUE(r.b->remaining.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllCombinations, MsePolicyPair,
    ::testing::Combine(::testing::Values(MsePolicy::prefer, MsePolicy::require, MsePolicy::disable),
                       ::testing::Values(MsePolicy::prefer, MsePolicy::require, MsePolicy::disable),
                       ::testing::Values(std::size_t{1}, std::size_t{7}, std::size_t{1} << 20)));

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) >> 3);
  return s;
}

// Sends `plain` through `enc` and back through `dec` in uneven chunks.
std::string roundtrip(Rc4& enc, Rc4& dec, const std::string& plain) {
  std::string wire = plain;
  enc.apply(std::span<char>(wire));
  std::size_t step = 1;
  for (std::size_t pos = 0; pos < wire.size(); pos += step, step = step * 3 % 4093 + 1) {
    step = std::min(step, wire.size() - pos);
    dec.apply(std::span<char>(wire.data() + pos, step));
  }
  return wire;
}

TEST(MseReceiver, StreamCiphersStayInStepBothWaysOverALongStream) {
  MseInitiator a(initiator_options(MsePolicy::require));
  MseReceiver b(receiver_options(MsePolicy::prefer));
  auto r = run_pair(a, b, 1 << 20);
  ASSERT_TRUE(r.a && r.b);
  ASSERT_TRUE(r.a->encrypt && r.a->decrypt && r.b->encrypt && r.b->decrypt);
  for (unsigned round = 0; round < 4; ++round) {
    const std::string up = pattern(64 * 1024 + round, round);
    const std::string down = pattern(48 * 1024 + 3 * round, round + 7);
    EXPECT_EQ(roundtrip(*r.a->encrypt, *r.b->decrypt, up), up);
    EXPECT_EQ(roundtrip(*r.b->encrypt, *r.a->decrypt, down), down);
  }
}

TEST(MseReceiver, MaximalPaddingEverywhereStillSynchronises) {
  for (std::size_t chunk : {std::size_t{1}, std::size_t{1} << 20}) {
    auto ao = initiator_options(MsePolicy::prefer);
    ao.pad_a_length = 512;
    ao.pad_c_length = 512;
    auto bo = receiver_options(MsePolicy::prefer);
    bo.pad_b_length = 512;
    bo.pad_d_length = 512;
    MseInitiator a(ao);
    MseReceiver b(bo);
    auto r = run_pair(a, b, chunk);
    ASSERT_TRUE(r.a && r.b) << r.a_error << r.b_error;
    EXPECT_EQ(r.b->initial_payload, bt_handshake(kTorrent));
  }
}

TEST(MseReceiver, EmptyInitialPayloadAndPayloadAfterTheHandshake) {
  test::ScriptedInitiator a;
  MseReceiver b(receiver_options(MsePolicy::prefer));
  auto s1 = b.feed(a.hello(3));
  ASSERT_TRUE(s1);
  std::string msg3 = a.message3(s1->send, kTorrent, kMseCryptoRc4, 5, "");
  // The rest of A's stream, encrypted with the same A->B keystream, coalesced.
  std::string more =
      "\x13"
      "BitTorrent protocol, after IA";
  std::string enc_more = more;
  a.ciphers->a_to_b.apply(std::span<char>(enc_more));
  auto s2 = b.feed(msg3 + enc_more);
  ASSERT_TRUE(s2 && s2->outcome);
  EXPECT_TRUE(s2->outcome->initial_payload.empty());
  EXPECT_EQ(s2->outcome->remaining, more);
}

TEST(MseReceiver, BothOfferedPreferSelectsPlaintextAndRequireSelectsRc4) {
  for (MsePolicy policy : {MsePolicy::prefer, MsePolicy::require}) {
    test::ScriptedInitiator a;
    MseReceiver b(receiver_options(policy));
    auto s1 = b.feed(a.hello(0));
    ASSERT_TRUE(s1);
    const std::string ia = bt_handshake(kTorrent);
    auto s2 = b.feed(a.message3(s1->send, kTorrent, kMseCryptoRc4 | kMseCryptoPlaintext, 0, ia));
    ASSERT_TRUE(s2 && s2->outcome);
    EXPECT_EQ(s2->outcome->initial_payload, ia);
    EXPECT_EQ(s2->outcome->crypto,
              policy == MsePolicy::prefer ? MseCrypto::plaintext : MseCrypto::rc4);
    EXPECT_EQ(s2->outcome->encrypt.has_value(), policy == MsePolicy::require);
  }
}

TEST(MseReceiver, PlaintextOnlyOfferIsSelectedUnlessRequired) {
  for (MsePolicy policy : {MsePolicy::prefer, MsePolicy::require}) {
    test::ScriptedInitiator a;
    MseReceiver b(receiver_options(policy));
    auto s1 = b.feed(a.hello(0));
    ASSERT_TRUE(s1);
    const std::string ia = bt_handshake(kTorrent);
    // After the handshake a plaintext stream goes unencrypted.
    auto s2 = b.feed(a.message3(s1->send, kTorrent, kMseCryptoPlaintext, 0, ia) + "plain!");
    if (policy == MsePolicy::require) {
      ASSERT_FALSE(s2);
      EXPECT_EQ(s2.error().message,
                "MSE: peer offers no RC4 (crypto_provide 1) and encryption is required");
      continue;
    }
    ASSERT_TRUE(s2 && s2->outcome);
    EXPECT_EQ(s2->outcome->crypto, MseCrypto::plaintext);
    EXPECT_FALSE(s2->outcome->encrypt.has_value());
    EXPECT_EQ(s2->outcome->initial_payload, ia);  // IA is RC4 even so
    EXPECT_EQ(s2->outcome->remaining, "plain!");
    // Message 4 carries crypto_select = plaintext under B's keystream.
    std::string m4 = s2->send;
    a.ciphers->b_to_a.apply(std::span<char>(m4));
    EXPECT_EQ(m4.substr(0, 14), std::string(8, '\0') + std::string("\0\0\0\x01\0\0", 6));
  }
}

TEST(MseReceiver, RefusesUnknownCryptoAndOversizedPadC) {
  struct Case {
    std::uint32_t provide;
    std::size_t pad_c;
    const char* error;
  };
  const Case cases[] = {
      {0, 0, "MSE: peer offers no crypto method we know (crypto_provide 0)"},
      {0x10, 0, "MSE: peer offers no crypto method we know (crypto_provide 16)"},
      {kMseCryptoRc4, 513, "MSE: PadC length 513 exceeds 512"},
  };
  for (const auto& c : cases) {
    test::ScriptedInitiator a;
    MseReceiver b(receiver_options(MsePolicy::prefer));
    auto s1 = b.feed(a.hello(0));
    ASSERT_TRUE(s1);
    auto s2 = b.feed(a.message3(s1->send, kTorrent, c.provide, c.pad_c, ""));
    ASSERT_FALSE(s2);
    EXPECT_EQ(s2.error().message, c.error);
  }
}

TEST(MseReceiver, UnknownInfoHashIsRefused) {
  auto ao = initiator_options(MsePolicy::prefer);
  ao.info_hash = skey_of('?');
  MseInitiator a(ao);
  MseReceiver b(receiver_options(MsePolicy::prefer));
  auto r = run_pair(a, b, 1);
  EXPECT_FALSE(r.b.has_value());
  EXPECT_EQ(r.b_error, "MSE: peer asked for an info-hash we do not serve");
}

TEST(MseReceiver, TamperedVerificationConstantIsRefused) {
  auto ao = initiator_options(MsePolicy::prefer);
  ao.pad_a_length = 0;
  MseInitiator a(ao);
  MseReceiver b(receiver_options(MsePolicy::prefer));
  auto s1 = b.feed(a.start().send);
  ASSERT_TRUE(s1);
  auto s2 = a.feed(s1->send);
  ASSERT_TRUE(s2);
  std::string msg3 = s2->send;
  msg3[40 + 3] ^= 0x01;  // req1 (20), req2^req3 (20), then ENCRYPT(VC)
  auto s3 = b.feed(msg3);
  ASSERT_FALSE(s3);
  EXPECT_EQ(s3.error().message,
            "MSE: bad verification constant (wrong info-hash or corrupted stream)");
  EXPECT_FALSE(b.feed("more").has_value());
}

TEST(MseReceiver, GivesUpWhenReq1IsNotWithin512BytesOfPadding) {
  auto ao = initiator_options(MsePolicy::prefer);
  ao.pad_a_length = 512;
  MseInitiator a(ao);
  MseReceiver b(receiver_options(MsePolicy::prefer));
  std::string hello = a.start().send + "!";  // one byte more than PadA may hold
  auto s1 = b.feed(hello);
  ASSERT_TRUE(s1);
  auto s2 = a.feed(s1->send);
  ASSERT_TRUE(s2);
  auto s3 = b.feed(s2->send);
  ASSERT_FALSE(s3);
  EXPECT_EQ(s3.error().message, "MSE: req1 hash not found in the 532 bytes after Ya");
}

TEST(MseReceiver, RandomGarbageFailsBoundedWithoutAnOutcome) {
  for (int trial = 0; trial < 4; ++trial) {
    MseReceiver b(receiver_options(MsePolicy::prefer));
    std::string garbage(2000, '\0');
    random_bytes(garbage.data(), garbage.size());
    garbage[0] = 'x';  // not a plain handshake
    std::string error;
    std::size_t fed = 0;
    for (; fed < garbage.size() && error.empty(); fed += 13) {
      auto step = b.feed(std::string_view(garbage).substr(fed, 13));
      if (!step)
        error = step.error().message;
      else
        EXPECT_FALSE(step->outcome.has_value());
    }
    // Ya (96) + the 532-byte window, give or take one chunk; an out-of-range
    // Ya could also be refused straight away.
    EXPECT_LE(fed, 96u + 532u + 13u);
    EXPECT_FALSE(error.empty());
  }
}

TEST(MseReceiver, PlainHandshakeIsRecognisedByteByByte) {
  MseReceiver b(receiver_options(MsePolicy::prefer));
  const std::string stream = bt_handshake(kTorrent) + "\0\0\0\x01\x02"s;
  std::optional<MseOutcome> outcome;
  std::size_t i = 0;
  for (; i < stream.size() && !outcome; ++i) {
    auto step = b.feed(stream.substr(i, 1));
    ASSERT_TRUE(step);
    EXPECT_TRUE(step->send.empty());
    outcome = std::move(step->outcome);
  }
  ASSERT_TRUE(outcome);
  EXPECT_EQ(i, 20u);  // decided as soon as the protocol string is complete
  EXPECT_FALSE(outcome->negotiated);
  EXPECT_EQ(outcome->remaining, stream.substr(0, 20));
}

TEST(MseReceiver, DegenerateYaIsRefused) {
  MseReceiver b(receiver_options(MsePolicy::prefer));
  std::string ya(kDhKeySize, '\0');
  ya.back() = 1;
  auto step = b.feed(ya);
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().message, "MSE: peer's DH public key is out of range");
}

}  // namespace
}  // namespace btnode::wire
