// Test helpers for the MSE state machines: an in-process pump between an
// MseInitiator and an MseReceiver, and hand-scripted peers for the messages
// our own implementation would never send.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "core/digest.h"
#include "wire/dh.h"
#include "wire/mse.h"
#include "wire/mse_initiator.h"
#include "wire/mse_receiver.h"

namespace btnode::wire::test {

inline MseSkey skey_of(char fill) {
  MseSkey k{};
  k.fill(static_cast<std::uint8_t>(fill));
  return k;
}

// A receiver lookup serving exactly the given info-hashes.
inline auto serving(std::vector<MseSkey> hashes) {
  return [hashes](const Sha1Digest& req2) -> std::optional<MseSkey> {
    for (const auto& h : hashes) {
      if (mse_req2_hash(h) == req2) return h;
    }
    return std::nullopt;
  };
}

// A 68-byte BitTorrent handshake (BEP 3) as the initial payload.
inline std::string bt_handshake(const MseSkey& info_hash) {
  std::string h =
      "\x13"
      "BitTorrent protocol";
  h.append(8, '\0');
  h.append(mse_view(info_hash));
  h.append("-BN0100-abcdefghijkl");
  return h;
}

struct PairResult {
  std::optional<MseOutcome> a;
  std::optional<MseOutcome> b;
  std::string a_error;
  std::string b_error;
};

// Feeds `pending` to `side` in pieces of at most `chunk` bytes; what the side
// answers is appended to `reply`. Stops at the outcome or the first error.
template <class Side>
void pump(Side& side, std::string& pending, std::size_t chunk, std::string& reply,
          std::optional<MseOutcome>& outcome, std::string& error) {
  while (!pending.empty() && !outcome && error.empty()) {
    const std::size_t n = std::min(chunk, pending.size());
    auto step = side.feed(std::string_view(pending).substr(0, n));
    pending.erase(0, n);
    if (!step) {
      error = step.error().message;
      return;
    }
    reply += step->send;
    if (step->outcome) outcome = std::move(step->outcome);
  }
}

// What a caller does with bytes that arrive after the outcome: decrypt them
// with the negotiated stream and continue the BitTorrent stream with them.
inline void continue_stream(std::optional<MseOutcome>& outcome, std::string& pending) {
  if (!outcome || pending.empty()) return;
  if (outcome->decrypt) outcome->decrypt->apply(std::span<char>(pending));
  outcome->remaining += pending;
  pending.clear();
}

// Runs both sides against each other until both finish or one fails.
inline PairResult run_pair(MseInitiator& a, MseReceiver& b, std::size_t chunk) {
  PairResult r;
  auto first = a.start();
  std::string to_b = first.send;
  std::string to_a;
  if (first.outcome) r.a = std::move(first.outcome);
  for (int round = 0; round < 16; ++round) {
    pump(b, to_b, chunk, to_a, r.b, r.b_error);
    if (!r.b_error.empty()) break;
    pump(a, to_a, chunk, to_b, r.a, r.a_error);
    if (!r.a_error.empty() || (to_a.empty() && to_b.empty())) break;
  }
  continue_stream(r.a, to_a);
  continue_stream(r.b, to_b);
  return r;
}

// Plays B by hand: answers Ya with Yb + PadB + ENCRYPT(VC, select, PadD) and
// then encrypts/decrypts with the agreed streams.
struct ScriptedReceiver {
  DhKeyPair keys = DhKeyPair::generate();
  std::optional<MseCiphers> ciphers;

  // `ya_and_more` starts with the initiator's 96-byte Ya.
  std::string reply(std::string_view ya_and_more, const MseSkey& skey, std::uint32_t select,
                    std::size_t pad_b, std::size_t pad_d) {
    DhPublicKey ya{};
    std::copy_n(ya_and_more.begin(), kDhKeySize, ya.begin());
    auto s = keys.shared_secret(ya);
    EXPECT_TRUE(s.has_value());
    ciphers = mse_ciphers(*s, skey);
    std::string out(mse_view(keys.public_key()));
    out.append(pad_b, 'p');
    std::string enc(kMseVcSize, '\0');
    mse_put_u32(enc, select);
    mse_put_u16(enc, static_cast<std::uint16_t>(pad_d));
    enc.append(pad_d, '\0');
    ciphers->b_to_a.apply(std::span<char>(enc));
    return out + enc;
  }
};

// Plays A by hand: Ya + PadA, then message 3 with any crypto_provide.
struct ScriptedInitiator {
  DhKeyPair keys = DhKeyPair::generate();
  std::optional<DhSecret> secret;
  std::optional<MseCiphers> ciphers;

  std::string hello(std::size_t pad_a) const {
    return std::string(mse_view(keys.public_key())) + std::string(pad_a, 'q');
  }

  // `yb_and_more` starts with the receiver's 96-byte Yb.
  std::string message3(std::string_view yb_and_more, const MseSkey& skey, std::uint32_t provide,
                       std::size_t pad_c, std::string_view ia) {
    DhPublicKey yb{};
    std::copy_n(yb_and_more.begin(), kDhKeySize, yb.begin());
    auto s = keys.shared_secret(yb);
    EXPECT_TRUE(s.has_value());
    secret = *s;
    ciphers = mse_ciphers(*s, skey);
    const Sha1Digest req1 = mse_hash("req1", mse_view(*s));
    const Sha1Digest req2 = mse_req2_hash(skey);
    const Sha1Digest req3 = mse_hash("req3", mse_view(*s));
    std::string out(mse_view(req1));
    for (std::size_t i = 0; i < 20; ++i) out.push_back(static_cast<char>(req2[i] ^ req3[i]));
    std::string enc(kMseVcSize, '\0');
    mse_put_u32(enc, provide);
    mse_put_u16(enc, static_cast<std::uint16_t>(pad_c));
    enc.append(pad_c, '\0');
    mse_put_u16(enc, static_cast<std::uint16_t>(ia.size()));
    enc += ia;
    ciphers->a_to_b.apply(std::span<char>(enc));
    return out + enc;
  }
};

}  // namespace btnode::wire::test
