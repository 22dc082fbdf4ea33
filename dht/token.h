// Write tokens for get_peers/announce_peer (BEP 5) and get/put (BEP 44).
//
// A token is SHA-1(secret | querier IP | target) truncated: it proves the
// announcer received our get_peers reply at that IP, so nobody can sign up a
// third party's address, and it only works for the info-hash it was issued
// for. The secret rotates every 5 minutes and the previous one is still
// accepted, so a token lives 5 to 10 minutes, as BEP 5 describes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/digest.h"
#include "core/endpoint.h"
#include "core/ids.h"
#include "dht/time.h"

namespace btnode::dht {

class TokenIssuer {
 public:
  // Short binary string (BEP 5); 8 bytes leaves 2^-64 to guessing.
  static constexpr std::size_t kSize = 8;
  using Token = std::array<std::uint8_t, kSize>;

  // Secrets come from libsodium (core/random.h).
  explicit TokenIssuer(TimePoint now, Duration rotate_every = std::chrono::minutes(5));

  // The token for `querier` (its port is ignored: NATs may change it between
  // get_peers and announce_peer) to write under `target`.
  Token issue(const Endpoint& querier, const NodeId& target, TimePoint now);
  bool verify(std::string_view token, const Endpoint& querier, const NodeId& target, TimePoint now);

  static std::string_view view(const Token& token) {
    return {reinterpret_cast<const char*>(token.data()), token.size()};
  }

 private:
  using Secret = std::array<std::uint8_t, 16>;
  void rotate_if_due(TimePoint now);
  Token compute(const Secret& secret, const Endpoint& querier, const NodeId& target);

  Duration rotate_every_;
  TimePoint rotated_at_;
  Secret current_{};
  Secret previous_{};
  Sha1 sha1_;  // reused: no allocation per token
};

}  // namespace btnode::dht
