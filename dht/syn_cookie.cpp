#include "dht/syn_cookie.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace btnode::dht {

SynCookie::SynCookie(const Key& master, Duration epoch_length)
    : master_(master), epoch_length_(std::max<Duration>(epoch_length, std::chrono::seconds(1))) {}

SynCookie::Key SynCookie::derive(std::int64_t epoch) const {
  Key key;
  for (std::uint8_t half = 0; half < 2; ++half) {
    std::array<std::uint8_t, 9> in;
    std::memcpy(in.data(), &epoch, sizeof epoch);
    in[8] = half;
    crypto_shorthash(key.data() + 8 * half, in.data(), in.size(), master_.data());
  }
  return key;
}

void SynCookie::advance(TimePoint now) {
  const std::int64_t epoch = now.time_since_epoch() / epoch_length_;
  if (epoch == epoch_) return;
  previous_ = epoch_ >= 0 && epoch == epoch_ + 1 ? current_ : derive(epoch - 1);
  current_ = derive(epoch);
  epoch_ = epoch;
}

SynCookie::Cookie SynCookie::compute(const Key& key, std::string_view address, std::uint16_t port,
                                     std::string_view id) {
  std::array<std::uint8_t, 16 + 2 + 20 + 1> in{};
  const std::size_t a = std::min<std::size_t>(address.size(), 16);
  std::memcpy(in.data(), address.data(), a);
  in[a] = static_cast<std::uint8_t>(port >> 8);
  in[a + 1] = static_cast<std::uint8_t>(port);
  const std::size_t i = std::min<std::size_t>(id.size(), 20);
  std::memcpy(in.data() + a + 2, id.data(), i);
  in[a + 2 + i] = static_cast<std::uint8_t>(a);  // v4 and v6 inputs never collide
  std::array<std::uint8_t, crypto_shorthash_BYTES> h;
  crypto_shorthash(h.data(), in.data(), a + 3 + i, key.data());
  Cookie c;
  std::memcpy(c.data(), h.data(), c.size());
  return c;
}

SynCookie::Cookie SynCookie::make(std::string_view address, std::uint16_t port,
                                  std::string_view id, TimePoint now) {
  advance(now);
  return compute(current_, address, port, id);
}

bool SynCookie::check(std::string_view cookie, std::string_view address, std::uint16_t port,
                      std::string_view id, TimePoint now) {
  if (cookie.size() != kSize) return false;
  advance(now);
  const Cookie c = compute(current_, address, port, id);
  if (cookie == view(c)) return true;
  const Cookie p = compute(previous_, address, port, id);
  return cookie == view(p);
}

}  // namespace btnode::dht
