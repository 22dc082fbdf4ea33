#include "wire/mse_receiver.h"

#include <algorithm>
#include <utility>

namespace btnode::wire {
namespace {

// BEP 3: a plain handshake starts with pstrlen 19 and "BitTorrent protocol".
constexpr std::string_view kPlainPrefix =
    "\x13"
    "BitTorrent protocol";

}  // namespace

MseReceiver::MseReceiver(MseReceiverOptions options) : options_(std::move(options)) {}

Result<MseStep> MseReceiver::feed(std::string_view bytes) {
  if (state_ == State::failed) return fail("MSE: handshake already failed");
  if (state_ == State::done) return fail("MSE: handshake already finished");
  in_.append(bytes);
  MseStep step;
  // Each state is entered at most once, so eight rounds always suffice.
  for (int round = 0; round < 8 && state_ != State::done; ++round) {
    auto moved = step_once(step);
    if (!moved) {
      state_ = State::failed;
      return fail(moved.error());
    }
    if (!*moved) break;
  }
  if (state_ == State::done) step.outcome = make_outcome();
  return step;
}

Result<bool> MseReceiver::step_once(MseStep& step) {
  switch (state_) {
    case State::detect:
      return on_detect(step);
    case State::await_ya:
      return on_ya(step);
    case State::sync_req1:
      return on_sync_req1();
    case State::read_skey:
      return on_skey();
    case State::read_vc:
      return on_vc();
    case State::read_pad_c:
      return on_pad_c();
    case State::read_ia:
      return on_ia(step);
    default:
      return false;
  }
}

// A random Ya matches all 20 prefix bytes with probability 2^-160, so the
// first mismatching byte decides "MSE" and a full match decides "plain".
Result<bool> MseReceiver::on_detect(MseStep& step) {
  const std::string_view seen = unread().substr(0, kPlainPrefix.size());
  const bool plain_so_far = kPlainPrefix.starts_with(seen);
  if (plain_so_far && seen.size() < kPlainPrefix.size()) return false;
  if (plain_so_far) {
    if (options_.policy == MsePolicy::require) {
      return fail("MSE: peer sent a plain BitTorrent handshake but encryption is required");
    }
    plain_bittorrent_ = true;
    state_ = State::done;
    return true;
  }
  if (options_.policy == MsePolicy::disable) {
    return fail("MSE: peer did not send a BitTorrent handshake and encryption is disabled");
  }
  state_ = State::await_ya;
  return on_ya(step);
}

Result<bool> MseReceiver::on_ya(MseStep& step) {
  if (unread().size() < kDhKeySize) return false;
  DhPublicKey ya{};
  std::copy_n(unread().begin(), kDhKeySize, ya.begin());
  pos_ += kDhKeySize;
  keys_ = DhKeyPair::generate();
  auto s = keys_->shared_secret(ya);
  if (!s) return fail(s.error());
  secret_ = *s;
  const Sha1Digest req1 = mse_hash("req1", mse_view(*secret_));
  req1_.assign(mse_view(req1));
  step.send.assign(mse_view(keys_->public_key()));
  step.send += mse_pad(options_.pad_b_length);
  state_ = State::sync_req1;
  return true;
}

Result<bool> MseReceiver::on_sync_req1() {
  // A may put up to 512 bytes of PadA between Ya and HASH('req1', S).
  const std::string_view region = unread();
  const std::size_t at = region.find(req1_);
  if (at == std::string_view::npos || at > kMseMaxPad) {
    if (region.size() >= kMseMaxPad + req1_.size()) {
      return fail("MSE: req1 hash not found in the 532 bytes after Ya");
    }
    return false;
  }
  pos_ += at + req1_.size();
  state_ = State::read_skey;
  return true;
}

Result<bool> MseReceiver::on_skey() {
  if (unread().size() < 20) return false;
  const Sha1Digest req3 = mse_hash("req3", mse_view(*secret_));
  Sha1Digest req2{};
  for (std::size_t i = 0; i < req2.size(); ++i) {
    req2[i] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(unread()[i]) ^ req3[i]);
  }
  pos_ += 20;
  auto skey = options_.find_skey ? options_.find_skey(req2) : std::nullopt;
  if (!skey) return fail("MSE: peer asked for an info-hash we do not serve");
  skey_ = *skey;
  ciphers_ = mse_ciphers(*secret_, skey_);
  state_ = State::read_vc;
  return true;
}

Result<bool> MseReceiver::on_vc() {
  constexpr std::size_t kFields = kMseVcSize + 4 + 2;  // VC, crypto_provide, len(PadC)
  if (unread().size() < kFields) return false;
  std::string fields(unread().substr(0, kFields));
  pos_ += kFields;
  ciphers_->a_to_b.apply(std::span<char>(fields));
  if (fields.find_first_not_of('\0') < kMseVcSize) {
    return fail("MSE: bad verification constant (wrong info-hash or corrupted stream)");
  }
  provide_ = mse_get_u32(std::string_view(fields).substr(kMseVcSize));
  pad_c_ = mse_get_u16(std::string_view(fields).substr(kMseVcSize + 4));
  if (pad_c_ > kMseMaxPad) {
    return fail("MSE: PadC length " + std::to_string(pad_c_) + " exceeds 512");
  }
  auto chosen = choose_crypto();
  if (!chosen) return fail(chosen.error());
  select_ = *chosen;
  state_ = State::read_pad_c;
  return true;
}

// `require` selects RC4. `prefer` selects plaintext whenever the initiator
// offers it (as libtorrent does unless told prefer_rc4): the handshake is
// still obfuscated by DH and RC4, which is what defeats protocol matching,
// while the payload skips a cipher that halves the transfer rate. An
// initiator that wants RC4 for the payload offers only RC4.
Result<std::uint32_t> MseReceiver::choose_crypto() const {
  if (options_.policy == MsePolicy::require) {
    if (provide_ & kMseCryptoRc4) return kMseCryptoRc4;
    return fail("MSE: peer offers no RC4 (crypto_provide " + std::to_string(provide_) +
                ") and encryption is required");
  }
  if (provide_ & kMseCryptoPlaintext) return kMseCryptoPlaintext;
  if (provide_ & kMseCryptoRc4) return kMseCryptoRc4;
  return fail("MSE: peer offers no crypto method we know (crypto_provide " +
              std::to_string(provide_) + ")");
}

Result<bool> MseReceiver::on_pad_c() {
  if (unread().size() < pad_c_ + 2) return false;
  ciphers_->a_to_b.discard(pad_c_);
  pos_ += pad_c_;
  std::string len(unread().substr(0, 2));
  pos_ += 2;
  ciphers_->a_to_b.apply(std::span<char>(len));
  ia_length_ = mse_get_u16(len);
  state_ = State::read_ia;
  return true;
}

Result<bool> MseReceiver::on_ia(MseStep& step) {
  if (unread().size() < ia_length_) return false;
  initial_payload_.assign(unread().substr(0, ia_length_));
  pos_ += ia_length_;
  // IA is always RC4, even when plaintext is selected for what follows.
  ciphers_->a_to_b.apply(std::span<char>(initial_payload_));

  std::string enc(kMseVcSize, '\0');
  mse_put_u32(enc, select_);
  const std::string pad_d = mse_pad(options_.pad_d_length.value_or(0));
  mse_put_u16(enc, static_cast<std::uint16_t>(pad_d.size()));
  enc += pad_d;
  ciphers_->b_to_a.apply(std::span<char>(enc));
  step.send += enc;
  state_ = State::done;
  return true;
}

MseOutcome MseReceiver::make_outcome() {
  MseOutcome out;
  out.remaining.assign(unread());
  in_.clear();
  pos_ = 0;
  if (plain_bittorrent_) return out;
  out.negotiated = true;
  out.info_hash = skey_;
  out.initial_payload = std::move(initial_payload_);
  if (select_ == kMseCryptoRc4) {
    out.crypto = MseCrypto::rc4;
    out.encrypt = ciphers_->b_to_a;
    out.decrypt = ciphers_->a_to_b;
    out.decrypt->apply(std::span<char>(out.remaining));
  }
  return out;
}

std::string_view MseReceiver::unread() const {
  return std::string_view(in_).substr(pos_);
}

}  // namespace btnode::wire
