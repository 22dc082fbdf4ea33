// The connecting side (A) of an MSE/PE handshake, sans-I/O: start() gives the
// first bytes to send, feed() takes whatever the socket read (any chunking)
// and answers with bytes to send and, at the end, the outcome.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "wire/dh.h"
#include "wire/mse.h"

namespace btnode::wire {

struct MseInitiatorOptions {
  MseSkey info_hash{};  // SKEY
  MsePolicy policy = MsePolicy::prefer;
  // Sent encrypted inside message 3, usually our BitTorrent handshake (68
  // bytes; see kMseInteropMaxInitialPayload). With `disable` it is sent as is.
  std::string initial_payload;
  // Fixed PadA / PadC lengths for tests; random (PadA) or 0 (PadC) otherwise.
  std::optional<std::size_t> pad_a_length;
  std::optional<std::size_t> pad_c_length;
};

class MseInitiator {
 public:
  explicit MseInitiator(MseInitiatorOptions options);

  // Ya + PadA; with policy `disable` the initial payload and a plaintext
  // outcome right away. Call once, before feed().
  MseStep start();
  // After a failure every later call fails too.
  Result<MseStep> feed(std::string_view bytes);
  bool finished() const { return state_ == State::done; }

 private:
  enum class State { not_started, await_yb, sync_vc, read_select, read_pad_d, done, failed };

  // Each returns true when it moved to the next state, false when it needs
  // more bytes.
  Result<bool> step_once(MseStep& step);
  Result<bool> on_yb(MseStep& step);
  Result<bool> on_sync_vc();
  Result<bool> on_select();
  Result<bool> on_pad_d();
  std::string message3(const DhSecret& s);
  std::uint32_t crypto_provide() const;
  MseOutcome make_outcome();
  std::string_view unread() const;

  MseInitiatorOptions options_;
  std::optional<DhKeyPair> keys_;  // made when MSE is actually spoken
  State state_ = State::not_started;
  std::string in_;       // everything received; bounded by the states' limits
  std::size_t pos_ = 0;  // first unconsumed byte of in_
  std::optional<MseCiphers> ciphers_;
  std::string encrypted_vc_;  // what VC looks like under B's keystream
  std::uint32_t select_ = 0;
  std::size_t pad_d_ = 0;
};

}  // namespace btnode::wire
