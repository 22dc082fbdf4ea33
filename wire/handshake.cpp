#include "wire/handshake.h"

#include <algorithm>
#include <cstring>

namespace btnode::wire {
namespace {

constexpr std::size_t kReservedBegin = 20;
constexpr std::size_t kInfoHashBegin = 28;

bool is_printable(std::uint8_t c) {
  return c >= 0x20 && c < 0x7F;
}

// A short, log-safe rendering of what the peer sent instead of our protocol.
std::string describe_prefix(const std::uint8_t* bytes, std::size_t n) {
  std::string out;
  for (std::size_t i = 1; i < n; ++i) out += is_printable(bytes[i]) ? char(bytes[i]) : '.';
  return out;
}

}  // namespace

void append_handshake(std::string& out, const Handshake& handshake) {
  out += static_cast<char>(kProtocolString.size());
  out += kProtocolString;
  out.append(reinterpret_cast<const char*>(handshake.reserved.bytes.data()), 8);
  out.append(reinterpret_cast<const char*>(handshake.info_hash.data()), 20);
  out += handshake.peer_id.view();
}

std::string encode_handshake(const Handshake& handshake) {
  std::string out;
  out.reserve(kHandshakeSize);
  append_handshake(out, handshake);
  return out;
}

Result<std::size_t> HandshakeParser::feed(std::string_view bytes) {
  if (error_) return fail(*error_);
  std::size_t used = 0;
  // Each phase boundary (20, 48, 68) is checked as soon as it is reached, so
  // a wrong protocol or torrent is refused before more bytes are read.
  while (used < bytes.size() && received_ < kHandshakeSize) {
    const std::size_t boundary = received_ < kReservedBegin          ? kReservedBegin
                                 : received_ < kHandshakeInfoHashEnd ? kHandshakeInfoHashEnd
                                                                     : kHandshakeSize;
    const std::size_t n = std::min(boundary - received_, bytes.size() - used);
    std::memcpy(buffer_.data() + received_, bytes.data() + used, n);
    received_ += n;
    used += n;
    if (received_ == boundary) {
      if (auto ok = on_byte_boundary(); !ok) {
        error_ = ok.error();
        return fail(*error_);
      }
    }
  }
  return used;
}

Result<void> HandshakeParser::on_byte_boundary() {
  decode_fields();
  if (received_ == kReservedBegin) return check_prefix();
  if (received_ == kHandshakeInfoHashEnd) return check_info_hash();
  return check_peer_id();
}

void HandshakeParser::decode_fields() {
  auto* b = buffer_.data();
  if (received_ >= kInfoHashBegin) std::memcpy(handshake_.reserved.bytes.data(), b + 20, 8);
  if (received_ >= kHandshakeInfoHashEnd) std::memcpy(handshake_.info_hash.data(), b + 28, 20);
  if (received_ >= kHandshakeSize) std::memcpy(handshake_.peer_id.bytes.data(), b + 48, 20);
}

Result<void> HandshakeParser::check_prefix() const {
  const bool ok = buffer_[0] == kProtocolString.size() &&
                  std::memcmp(buffer_.data() + 1, kProtocolString.data(), 19) == 0;
  if (ok) return {};
  // Also what an MSE/PE (encrypted) or HTTP client looks like to a plaintext listener.
  return fail("peer did not send the BitTorrent protocol handshake (got length " +
              std::to_string(buffer_[0]) + " and \"" + describe_prefix(buffer_.data(), 20) + "\")");
}

Result<void> HandshakeParser::check_info_hash() const {
  if (rules_.accept_info_hash && rules_.accept_info_hash(handshake_.info_hash)) return {};
  std::string_view raw(reinterpret_cast<const char*>(handshake_.info_hash.data()), 20);
  return fail("peer asked for info-hash " + to_hex(raw) + ", which we do not serve");
}

Result<void> HandshakeParser::check_peer_id() const {
  if (handshake_.peer_id == rules_.own_peer_id) {
    return fail("connected to ourselves (the peer sent our own peer id)");
  }
  if (rules_.expected_peer_id && handshake_.peer_id != *rules_.expected_peer_id) {
    return fail("peer id " + handshake_.peer_id.to_hex() + " is not the one we expected, " +
                rules_.expected_peer_id->to_hex());
  }
  return {};
}

}  // namespace btnode::wire
