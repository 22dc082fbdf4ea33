#include "wire/mse.h"

#include <algorithm>

#include "core/random.h"

namespace btnode::wire {

Sha1Digest mse_hash(std::string_view tag, std::string_view a, std::string_view b) {
  Sha1 h;
  h.update(tag);
  h.update(a);
  h.update(b);
  return h.finish();
}

Sha1Digest mse_req2_hash(const MseSkey& skey) {
  return mse_hash("req2", mse_view(skey));
}

MseCiphers mse_ciphers(const DhSecret& s, const MseSkey& skey) {
  const Sha1Digest key_a = mse_hash("keyA", mse_view(s), mse_view(skey));
  const Sha1Digest key_b = mse_hash("keyB", mse_view(s), mse_view(skey));
  return MseCiphers{make_mse_rc4(key_a), make_mse_rc4(key_b)};
}

std::string mse_pad(std::optional<std::size_t> fixed_length) {
  const std::size_t n = fixed_length ? std::min(*fixed_length, kMseMaxPad)
                                     : random_uniform(static_cast<std::uint32_t>(kMseMaxPad + 1));
  std::string pad(n, '\0');
  if (n > 0) random_bytes(pad.data(), n);
  return pad;
}

void mse_put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void mse_put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

std::uint32_t mse_get_u32(std::string_view in) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[i]);
  return v;
}

std::uint16_t mse_get_u16(std::string_view in) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(in[0]) << 8) |
                                    static_cast<std::uint8_t>(in[1]));
}

}  // namespace btnode::wire
