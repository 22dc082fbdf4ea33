// BEP 44 items: where they are stored (targets) and how mutable ones are
// signed (ed25519 through libsodium).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/ids.h"

namespace btnode::dht {

inline constexpr std::size_t kBep44MaxValueSize = 1000;  // BEP 44: bencoded `v`
inline constexpr std::size_t kBep44MaxSaltSize = 64;     // BEP 44

using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519SecretKey = std::array<std::uint8_t, 64>;  // libsodium: seed + public key
using Ed25519Signature = std::array<std::uint8_t, 64>;

// BEP 44: an immutable item lives at SHA-1 of its bencoded value.
NodeId immutable_target(std::string_view bencoded_value);
// BEP 44: a mutable item lives at SHA-1(k + salt); an empty salt is no salt.
NodeId mutable_target(std::string_view public_key, std::string_view salt);

// The exact buffer BEP 44 signs: ("4:salt" len ":" salt) "3:seqi" seq "e1:v"
// and the bencoded value. Built by hand, not by a bencode writer, so a parser
// quirk cannot shift bytes between the length and the sequence number.
void append_signed_buffer(std::string& out, std::string_view salt, std::int64_t seq,
                          std::string_view bencoded_value);

// Precondition for both: public_key is 32 bytes (krpc decode checks it).
bool verify_item_signature(std::string_view public_key, std::string_view signature,
                           std::string_view salt, std::int64_t seq,
                           std::string_view bencoded_value);
// An ed25519 key pair from its 32-byte seed (what a key file keeps); the
// public key is the last 32 bytes of the secret key (libsodium layout).
using Ed25519Seed = std::array<std::uint8_t, 32>;
Ed25519SecretKey ed25519_secret_key(const Ed25519Seed& seed);
Ed25519PublicKey ed25519_public_key(const Ed25519SecretKey& secret_key);

Ed25519Signature sign_item(const Ed25519SecretKey& secret_key, std::string_view salt,
                           std::int64_t seq, std::string_view bencoded_value);

inline std::string_view bytes_view(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace btnode::dht
