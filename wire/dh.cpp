#include "wire/dh.h"

#include <openssl/bn.h>

#include <cstdlib>
#include <memory>
#include <utility>

#include "core/random.h"

namespace btnode::wire {
namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct CtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using Ctx = std::unique_ptr<BN_CTX, CtxFree>;

Bn bn_from(std::span<const std::uint8_t> big_endian) {
  return Bn(BN_bin2bn(big_endian.data(), static_cast<int>(big_endian.size()), nullptr));
}

Bn prime() {
  return bn_from(mse_dh_prime());
}

// base^x mod P, written as exactly 96 big-endian bytes.
Result<std::array<std::uint8_t, kDhKeySize>> mod_exp(const BIGNUM* base, const DhPrivateKey& x) {
  Bn exponent = bn_from(x);
  Bn p = prime();
  Bn out(BN_new());
  Ctx ctx(BN_CTX_new());
  if (!exponent || !p || !out || !ctx) return fail("MSE: out of memory in DH");
  // The exponent is our secret: ask OpenSSL for its constant-time path.
  BN_set_flags(exponent.get(), BN_FLG_CONSTTIME);
  if (BN_mod_exp(out.get(), base, exponent.get(), p.get(), ctx.get()) != 1) {
    return fail("MSE: DH modular exponentiation failed");
  }
  std::array<std::uint8_t, kDhKeySize> bytes{};
  if (BN_bn2binpad(out.get(), bytes.data(), static_cast<int>(bytes.size())) < 0) {
    return fail("MSE: DH result does not fit in 96 bytes");
  }
  return bytes;
}

bool is_zero(const DhPrivateKey& x) {
  for (auto b : x) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace

const std::array<std::uint8_t, kDhKeySize>& mse_dh_prime() {
  static const std::array<std::uint8_t, kDhKeySize> p = {
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC9, 0x0F, 0xDA, 0xA2, 0x21, 0x68,
      0xC2, 0x34, 0xC4, 0xC6, 0x62, 0x8B, 0x80, 0xDC, 0x1C, 0xD1, 0x29, 0x02, 0x4E, 0x08,
      0x8A, 0x67, 0xCC, 0x74, 0x02, 0x0B, 0xBE, 0xA6, 0x3B, 0x13, 0x9B, 0x22, 0x51, 0x4A,
      0x08, 0x79, 0x8E, 0x34, 0x04, 0xDD, 0xEF, 0x95, 0x19, 0xB3, 0xCD, 0x3A, 0x43, 0x1B,
      0x30, 0x2B, 0x0A, 0x6D, 0xF2, 0x5F, 0x14, 0x37, 0x4F, 0xE1, 0x35, 0x6D, 0x6D, 0x51,
      0xC2, 0x45, 0xE4, 0x85, 0xB5, 0x76, 0x62, 0x5E, 0x7E, 0xC6, 0xF4, 0x4C, 0x42, 0xE9,
      0xA6, 0x3A, 0x36, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x05, 0x63,
  };
  return p;
}

DhKeyPair DhKeyPair::generate() {
  for (int attempt = 0; attempt < 8; ++attempt) {
    DhPrivateKey x{};
    random_bytes(x.data(), x.size());
    auto pair = from_private(x);
    if (pair) return std::move(pair).value();
  }
  // Eight all-zero draws from a CSPRNG (or OpenSSL out of memory) is not a
  // network condition; treat it as the start-up failure it is.
  std::abort();
}

Result<DhKeyPair> DhKeyPair::from_private(const DhPrivateKey& x) {
  if (is_zero(x)) return fail("MSE: DH private key is zero");
  Bn g(BN_new());
  if (!g || BN_set_word(g.get(), 2) != 1) return fail("MSE: out of memory in DH");
  auto y = mod_exp(g.get(), x);
  if (!y) return fail(y.error());
  return DhKeyPair(x, *y);
}

Result<DhSecret> DhKeyPair::shared_secret(const DhPublicKey& peer) const {
  Bn y = bn_from(peer);
  Bn p_minus_1 = prime();
  if (!y || !p_minus_1 || BN_sub_word(p_minus_1.get(), 1) != 1) {
    return fail("MSE: out of memory in DH");
  }
  if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), p_minus_1.get()) >= 0) {
    return fail("MSE: peer's DH public key is out of range");
  }
  return mod_exp(y.get(), private_);
}

}  // namespace btnode::wire
