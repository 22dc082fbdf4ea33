// The accepting side (B) of an MSE/PE handshake, sans-I/O. It tells a plain
// BitTorrent handshake from an MSE one by the first bytes, resynchronises on
// HASH('req1', S) after A's random padding, and learns the torrent (SKEY)
// from HASH('req2', SKEY) through a lookup the caller supplies.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "wire/dh.h"
#include "wire/mse.h"

namespace btnode::wire {

struct MseReceiverOptions {
  MsePolicy policy = MsePolicy::prefer;
  // Given HASH('req2', SKEY), the info-hash we serve that produces it (keep a
  // map from mse_req2_hash(info_hash)), or nothing to refuse the peer.
  std::function<std::optional<MseSkey>(const Sha1Digest& req2_hash)> find_skey;
  // Fixed PadB / PadD lengths for tests; random (PadB) or 0 (PadD) otherwise.
  std::optional<std::size_t> pad_b_length;
  std::optional<std::size_t> pad_d_length;
};

class MseReceiver {
 public:
  explicit MseReceiver(MseReceiverOptions options);

  // Feed every byte read from the socket (any chunking). After a failure
  // every later call fails too.
  Result<MseStep> feed(std::string_view bytes);
  bool finished() const { return state_ == State::done; }

 private:
  enum class State {
    detect,
    await_ya,
    sync_req1,
    read_skey,
    read_vc,
    read_pad_c,
    read_ia,
    done,
    failed
  };

  // Each returns true when it moved to the next state, false when it needs
  // more bytes.
  Result<bool> step_once(MseStep& step);
  Result<bool> on_detect(MseStep& step);
  Result<bool> on_ya(MseStep& step);
  Result<bool> on_sync_req1();
  Result<bool> on_skey();
  Result<bool> on_vc();
  Result<bool> on_pad_c();
  Result<bool> on_ia(MseStep& step);
  Result<std::uint32_t> choose_crypto() const;
  MseOutcome make_outcome();
  std::string_view unread() const;

  MseReceiverOptions options_;
  std::optional<DhKeyPair> keys_;  // made when MSE is actually spoken
  State state_ = State::detect;
  bool plain_bittorrent_ = false;
  std::string in_;       // everything received; bounded by the states' limits
  std::size_t pos_ = 0;  // first unconsumed byte of in_
  std::optional<DhSecret> secret_;
  std::string req1_;  // HASH('req1', S), the pattern we resync on
  MseSkey skey_{};
  std::optional<MseCiphers> ciphers_;
  std::uint32_t provide_ = 0;
  std::uint32_t select_ = 0;
  std::size_t pad_c_ = 0;
  std::size_t ia_length_ = 0;
  std::string initial_payload_;
};

}  // namespace btnode::wire
