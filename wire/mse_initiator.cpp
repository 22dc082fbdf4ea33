#include "wire/mse_initiator.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace btnode::wire {

MseInitiator::MseInitiator(MseInitiatorOptions options) : options_(std::move(options)) {
  if (options_.initial_payload.size() > 0xFFFF) {
    throw std::length_error("MSE initial payload longer than len(IA) can express");
  }
}

MseStep MseInitiator::start() {
  MseStep step;
  if (state_ != State::not_started) return step;
  if (options_.policy == MsePolicy::disable) {
    state_ = State::done;
    step.send = options_.initial_payload;
    step.outcome = MseOutcome{};
    return step;
  }
  keys_ = DhKeyPair::generate();
  step.send.assign(mse_view(keys_->public_key()));
  step.send += mse_pad(options_.pad_a_length);
  state_ = State::await_yb;
  return step;
}

Result<MseStep> MseInitiator::feed(std::string_view bytes) {
  if (state_ == State::failed) return fail("MSE: handshake already failed");
  if (state_ == State::done) return fail("MSE: handshake already finished");
  if (state_ == State::not_started) return fail("MSE: feed() before start()");
  in_.append(bytes);
  MseStep step;
  // Each state is entered at most once, so five rounds always suffice.
  for (int round = 0; round < 5 && state_ != State::done; ++round) {
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

Result<bool> MseInitiator::step_once(MseStep& step) {
  switch (state_) {
    case State::await_yb:
      return on_yb(step);
    case State::sync_vc:
      return on_sync_vc();
    case State::read_select:
      return on_select();
    case State::read_pad_d:
      return on_pad_d();
    default:
      return false;
  }
}

Result<bool> MseInitiator::on_yb(MseStep& step) {
  if (unread().size() < kDhKeySize) return false;
  DhPublicKey yb{};
  std::copy_n(unread().begin(), kDhKeySize, yb.begin());
  pos_ += kDhKeySize;
  auto s = keys_->shared_secret(yb);
  if (!s) return fail(s.error());
  ciphers_ = mse_ciphers(*s, options_.info_hash);
  step.send += message3(*s);
  // B's first keystream bytes XOR eight zero bytes: the pattern we resync on.
  Rc4 probe = ciphers_->b_to_a;
  encrypted_vc_.assign(kMseVcSize, '\0');
  probe.apply(std::span<char>(encrypted_vc_));
  state_ = State::sync_vc;
  return true;
}

std::string MseInitiator::message3(const DhSecret& s) {
  std::string out;
  const Sha1Digest req1 = mse_hash("req1", mse_view(s));
  const Sha1Digest req2 = mse_req2_hash(options_.info_hash);
  const Sha1Digest req3 = mse_hash("req3", mse_view(s));
  out.append(mse_view(req1));
  for (std::size_t i = 0; i < req2.size(); ++i) out.push_back(static_cast<char>(req2[i] ^ req3[i]));

  std::string enc(kMseVcSize, '\0');
  mse_put_u32(enc, crypto_provide());
  const std::string pad_c = mse_pad(options_.pad_c_length.value_or(0));
  mse_put_u16(enc, static_cast<std::uint16_t>(pad_c.size()));
  enc += pad_c;
  mse_put_u16(enc, static_cast<std::uint16_t>(options_.initial_payload.size()));
  enc += options_.initial_payload;  // ENCRYPT(IA): RC4 whatever B selects
  ciphers_->a_to_b.apply(std::span<char>(enc));
  return out + enc;
}

std::uint32_t MseInitiator::crypto_provide() const {
  return options_.policy == MsePolicy::require ? kMseCryptoRc4
                                               : (kMseCryptoRc4 | kMseCryptoPlaintext);
}

Result<bool> MseInitiator::on_sync_vc() {
  // B may put up to 512 bytes of PadB between Yb and ENCRYPT(VC).
  const std::string_view region = unread();
  const std::size_t at = region.find(encrypted_vc_);
  if (at == std::string_view::npos || at > kMseMaxPad) {
    if (region.size() >= kMseMaxPad + kMseVcSize) {
      return fail("MSE: verification constant not found in the 520 bytes after Yb");
    }
    return false;
  }
  pos_ += at + kMseVcSize;
  ciphers_->b_to_a.discard(kMseVcSize);
  state_ = State::read_select;
  return true;
}

Result<bool> MseInitiator::on_select() {
  if (unread().size() < 6) return false;
  std::string fields(unread().substr(0, 6));
  pos_ += fields.size();
  ciphers_->b_to_a.apply(std::span<char>(fields));
  select_ = mse_get_u32(fields);
  pad_d_ = mse_get_u16(std::string_view(fields).substr(4));
  if (select_ != kMseCryptoRc4 && select_ != kMseCryptoPlaintext) {
    return fail("MSE: peer's crypto_select " + std::to_string(select_) +
                " is not exactly one method");
  }
  if ((select_ & crypto_provide()) == 0) {
    return fail("MSE: peer selected plaintext, which policy `require` did not offer");
  }
  if (pad_d_ > kMseMaxPad) {
    return fail("MSE: PadD length " + std::to_string(pad_d_) + " exceeds 512");
  }
  state_ = State::read_pad_d;
  return true;
}

Result<bool> MseInitiator::on_pad_d() {
  if (unread().size() < pad_d_) return false;
  pos_ += pad_d_;
  ciphers_->b_to_a.discard(pad_d_);
  state_ = State::done;
  return true;
}

MseOutcome MseInitiator::make_outcome() {
  MseOutcome out;
  out.negotiated = true;
  out.info_hash = options_.info_hash;
  out.remaining.assign(unread());
  in_.clear();
  pos_ = 0;
  if (select_ == kMseCryptoRc4) {
    out.crypto = MseCrypto::rc4;
    out.encrypt = ciphers_->a_to_b;
    out.decrypt = ciphers_->b_to_a;
    out.decrypt->apply(std::span<char>(out.remaining));
  }
  return out;
}

std::string_view MseInitiator::unread() const {
  return std::string_view(in_).substr(pos_);
}

}  // namespace btnode::wire
