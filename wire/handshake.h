// The BEP 3 handshake: 68 bytes that open every peer connection.
//
//   1 byte  19            the length of the protocol string
//   19      "BitTorrent protocol"
//   8       reserved      extension bits (see Reserved)
//   20      info-hash     the v1 wire id of the torrent (BEP 52: truncated v2)
//   20      peer id
//
// HandshakeParser is sans-I/O and incremental: it is fed whatever the socket
// delivered and consumes at most the 68 handshake bytes, so bytes of the
// message stream that arrived in the same read are left for MessageReader.
// The info-hash is checked as soon as its 48th byte arrives, so a receiver can
// answer before the peer id is in (some clients wait for our handshake).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/ids.h"
#include "core/result.h"

namespace btnode::wire {

inline constexpr std::string_view kProtocolString = "BitTorrent protocol";  // BEP 3
inline constexpr std::size_t kHandshakeSize = 68;                           // BEP 3
// Offset of the info-hash: the receiver may decide after this many bytes.
inline constexpr std::size_t kHandshakeInfoHashEnd = 48;

using WireHash = std::array<std::uint8_t, 20>;  // info-hash as sent on the wire

// The 8 reserved bytes, with the bits we know by name.
struct Reserved {
  std::array<std::uint8_t, 8> bytes{};

  bool dht() const { return (bytes[7] & 0x01) != 0; }                 // BEP 5
  bool fast_extension() const { return (bytes[7] & 0x04) != 0; }      // BEP 6
  bool extension_protocol() const { return (bytes[5] & 0x10) != 0; }  // BEP 10
  void set_dht(bool on) { flip(7, 0x01, on); }
  void set_fast_extension(bool on) { flip(7, 0x04, on); }
  void set_extension_protocol(bool on) { flip(5, 0x10, on); }
  bool operator==(const Reserved&) const = default;

 private:
  void flip(std::size_t byte, std::uint8_t bit, bool on) {
    bytes[byte] = static_cast<std::uint8_t>(on ? (bytes[byte] | bit) : (bytes[byte] & ~bit));
  }
};

// The extensions a connection may use: BEP 5/6/10 each require that BOTH
// ends set their bit, so the usable set is the bitwise AND.
inline Reserved negotiated(const Reserved& ours, const Reserved& theirs) {
  Reserved out;
  for (std::size_t i = 0; i < out.bytes.size(); ++i) {
    out.bytes[i] = static_cast<std::uint8_t>(ours.bytes[i] & theirs.bytes[i]);
  }
  return out;
}

struct Handshake {
  Reserved reserved;
  WireHash info_hash{};
  PeerId peer_id;
  bool operator==(const Handshake&) const = default;
};

// Appends the 68 bytes.
void append_handshake(std::string& out, const Handshake& handshake);
std::string encode_handshake(const Handshake& handshake);

// What a received handshake must satisfy.
struct HandshakeRules {
  // Our own peer id: a handshake carrying it is a connection to ourselves
  // (we dialled our own external address, or a tracker listed us).
  PeerId own_peer_id;
  // Which info-hashes we serve. An outgoing connection accepts exactly the
  // torrent it dialled for; a listener accepts any torrent it has. Required.
  std::function<bool(const WireHash&)> accept_info_hash;
  // BEP 3: the initiator may know the peer id it expects (from a tracker).
  std::optional<PeerId> expected_peer_id;
};

class HandshakeParser {
 public:
  explicit HandshakeParser(HandshakeRules rules) : rules_(std::move(rules)) {}

  // Consumes up to the end of the handshake and returns how many bytes of
  // `bytes` it used; the rest belong to the message stream. Once it failed it
  // keeps returning the same error.
  Result<std::size_t> feed(std::string_view bytes);

  bool has_info_hash() const { return received_ >= kHandshakeInfoHashEnd && !error_; }
  bool complete() const { return received_ == kHandshakeSize && !error_; }
  // reserved and info_hash are valid once has_info_hash(), peer_id once
  // complete().
  const Handshake& handshake() const { return handshake_; }

 private:
  Result<void> check_prefix() const;
  Result<void> check_info_hash() const;
  Result<void> check_peer_id() const;
  Result<void> on_byte_boundary();
  void decode_fields();

  HandshakeRules rules_;
  std::array<std::uint8_t, kHandshakeSize> buffer_{};
  std::size_t received_ = 0;
  Handshake handshake_;
  std::optional<Error> error_;
};

}  // namespace btnode::wire
