#include "dht/item.h"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

#include "core/digest.h"

namespace btnode::dht {
namespace {

void ensure_sodium() {
  // sodium_init() is idempotent and thread-safe; it picks the fast paths.
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("dht: sodium_init failed");
}

}  // namespace

NodeId immutable_target(std::string_view bencoded_value) {
  return NodeId{sha1(bencoded_value)};
}

NodeId mutable_target(std::string_view public_key, std::string_view salt) {
  Sha1 h;
  h.update(public_key);
  h.update(salt);
  return NodeId{h.finish()};
}

void append_signed_buffer(std::string& out, std::string_view salt, std::int64_t seq,
                          std::string_view bencoded_value) {
  if (!salt.empty()) {
    out += "4:salt";
    out += std::to_string(salt.size());
    out += ':';
    out += salt;
  }
  out += "3:seqi";
  out += std::to_string(seq);
  out += "e1:v";
  out += bencoded_value;
}

bool verify_item_signature(std::string_view public_key, std::string_view signature,
                           std::string_view salt, std::int64_t seq,
                           std::string_view bencoded_value) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES)
    return false;
  ensure_sodium();
  std::string buffer;
  append_signed_buffer(buffer, salt, seq, bencoded_value);
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(signature.data()),
             reinterpret_cast<const unsigned char*>(buffer.data()), buffer.size(),
             reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

Ed25519SecretKey ed25519_secret_key(const Ed25519Seed& seed) {
  ensure_sodium();
  Ed25519PublicKey pk{};
  Ed25519SecretKey sk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  return sk;
}

Ed25519PublicKey ed25519_public_key(const Ed25519SecretKey& secret_key) {
  Ed25519PublicKey pk{};
  std::copy(secret_key.begin() + 32, secret_key.end(), pk.begin());
  return pk;
}

Ed25519Signature sign_item(const Ed25519SecretKey& secret_key, std::string_view salt,
                           std::int64_t seq, std::string_view bencoded_value) {
  ensure_sodium();
  std::string buffer;
  append_signed_buffer(buffer, salt, seq, bencoded_value);
  Ed25519Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(buffer.data()),
                       buffer.size(), secret_key.data());
  return sig;
}

}  // namespace btnode::dht
