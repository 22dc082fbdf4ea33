// Message Stream Encryption / Protocol Encryption (MSE/PE): the types and key
// derivation shared by MseInitiator and MseReceiver.
//
// Spec: the Vuze/Azureus wiki page "Message Stream Encryption" (not a BEP).
//   1 A->B: Ya, PadA
//   2 B->A: Yb, PadB
//   3 A->B: HASH('req1', S), HASH('req2', SKEY) xor HASH('req3', S),
//           ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA)
//   4 B->A: ENCRYPT(VC, crypto_select, len(PadD), PadD), ENCRYPT2(payload)
// HASH is SHA-1, S the 96-byte DH secret, SKEY the torrent's 20-byte info-hash.
// ENCRYPT is always RC4; ENCRYPT2 is whatever crypto_select chose.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/digest.h"
#include "wire/dh.h"
#include "wire/rc4.h"

namespace btnode::wire {

// crypto_provide / crypto_select bits (MSE spec).
inline constexpr std::uint32_t kMseCryptoPlaintext = 0x01;
inline constexpr std::uint32_t kMseCryptoRc4 = 0x02;
// PadA..PadD are each at most 512 bytes (MSE spec); the resync scans rely on it.
inline constexpr std::size_t kMseMaxPad = 512;
inline constexpr std::size_t kMseVcSize = 8;  // VC: eight zero bytes
// libtorrent 2.0 closes the connection when len(IA) > 68 (one BitTorrent
// handshake), so an initiator should not put more than that into IA.
inline constexpr std::size_t kMseInteropMaxInitialPayload = 68;

using MseSkey = std::array<std::uint8_t, 20>;  // the v1 wire info-hash (InfoHash::wire_id())

enum class MsePolicy {
  prefer,   // offer rc4|plaintext; as receiver pick plaintext when offered (else rc4)
            // and also accept plain BitTorrent
  require,  // rc4 only; a plain BitTorrent handshake is refused
  disable,  // no MSE: the plain BitTorrent handshake only
};

enum class MseCrypto { plaintext, rc4 };

// What the caller continues with once the handshake is over.
struct MseOutcome {
  MseCrypto crypto = MseCrypto::plaintext;
  // False when no MSE handshake took place: the policy is `disable`, or the
  // receiver saw "\x13BitTorrent protocol" and the caller parses it as usual.
  bool negotiated = false;
  // Set only when crypto == rc4: encrypt what we send, decrypt what we receive.
  std::optional<Rc4> encrypt;
  std::optional<Rc4> decrypt;
  MseSkey info_hash{};          // SKEY; all zero when no MSE handshake took place
  std::string initial_payload;  // IA received (receiver only), decrypted
  // Bytes that arrived after the handshake, already decrypted: the start of
  // the peer's BitTorrent stream (for a plain handshake, every byte so far).
  std::string remaining;
};

// One feed() result: bytes to write to the peer now, and the outcome once done.
struct MseStep {
  std::string send;
  std::optional<MseOutcome> outcome;
};

// HASH(tag, a, b) as the spec writes it: SHA-1 over the concatenation.
Sha1Digest mse_hash(std::string_view tag, std::string_view a, std::string_view b = {});
// HASH('req2', SKEY): what a receiver indexes its torrents by to find SKEY.
Sha1Digest mse_req2_hash(const MseSkey& skey);

// The two RC4 streams after the drop of 1024 bytes: A encrypts with keyA and
// B with keyB (each side decrypts with the other's).
struct MseCiphers {
  Rc4 a_to_b;
  Rc4 b_to_a;
};
MseCiphers mse_ciphers(const DhSecret& s, const MseSkey& skey);

// Pad lengths: a fixed length for tests, otherwise random in [0, 512].
std::string mse_pad(std::optional<std::size_t> fixed_length);

// Big-endian integers as the MSE fields carry them; get_* read the first 4 / 2
// bytes, which the caller has checked are there.
void mse_put_u32(std::string& out, std::uint32_t v);
void mse_put_u16(std::string& out, std::uint16_t v);
std::uint32_t mse_get_u32(std::string_view in);
std::uint16_t mse_get_u16(std::string_view in);

inline std::string_view mse_view(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace btnode::wire
