#include "dht/token.h"

#include <algorithm>

#include "core/random.h"

namespace btnode::dht {
namespace {

std::string_view bytes_of(const auto& array) {
  return {reinterpret_cast<const char*>(array.data()), array.size()};
}

}  // namespace

TokenIssuer::TokenIssuer(TimePoint now, Duration rotate_every)
    : rotate_every_(rotate_every), rotated_at_(now) {
  random_bytes(current_.data(), current_.size());
  random_bytes(previous_.data(), previous_.size());
}

void TokenIssuer::rotate_if_due(TimePoint now) {
  if (now - rotated_at_ < rotate_every_) return;
  // After two periods of silence the current secret is too old to keep either.
  if (now - rotated_at_ < 2 * rotate_every_) {
    previous_ = current_;
  } else {
    random_bytes(previous_.data(), previous_.size());
  }
  random_bytes(current_.data(), current_.size());
  rotated_at_ = now;
}

TokenIssuer::Token TokenIssuer::compute(const Secret& secret, const Endpoint& querier,
                                        const NodeId& target) {
  // v4-mapped and plain IPv4 are the same host to a dual-stack socket.
  const Endpoint host = querier.unmapped();
  sha1_.update(bytes_of(secret));
  sha1_.update(host.address_bytes());
  sha1_.update(target.view());
  const Sha1Digest digest = sha1_.finish();
  Token token;
  std::copy_n(digest.begin(), token.size(), token.begin());
  return token;
}

TokenIssuer::Token TokenIssuer::issue(const Endpoint& querier, const NodeId& target,
                                      TimePoint now) {
  rotate_if_due(now);
  return compute(current_, querier, target);
}

bool TokenIssuer::verify(std::string_view token, const Endpoint& querier, const NodeId& target,
                         TimePoint now) {
  rotate_if_due(now);
  if (token.size() != kSize) return false;
  return token == view(compute(current_, querier, target)) ||
         token == view(compute(previous_, querier, target));
}

}  // namespace btnode::dht
