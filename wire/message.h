// Peer-wire messages after the handshake: BEP 3, BEP 5 `port`, BEP 6 fast
// extension and the BEP 10 `extended` envelope, as plain values.
//
// Every message on the wire is <length: 4 bytes big-endian><id: 1 byte><body>;
// length 0 is a keep-alive. Decoding lives in message_reader.h; this file holds
// the types and the encoders (append_message appends one framed message).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace btnode::wire {

enum class MessageId : std::uint8_t {
  choke = 0,           // BEP 3
  unchoke = 1,         // BEP 3
  interested = 2,      // BEP 3
  not_interested = 3,  // BEP 3
  have = 4,            // BEP 3
  bitfield = 5,        // BEP 3
  request = 6,         // BEP 3
  piece = 7,           // BEP 3
  cancel = 8,          // BEP 3
  port = 9,            // BEP 5
  suggest = 13,        // BEP 6 (0x0D)
  have_all = 14,       // BEP 6 (0x0E)
  have_none = 15,      // BEP 6 (0x0F)
  reject = 16,         // BEP 6 (0x10)
  allowed_fast = 17,   // BEP 6 (0x11)
  extended = 20,       // BEP 10
};

// BEP 3: "All current implementations use 2^14 (16 kiB)".
inline constexpr std::uint32_t kBlockSize = 16 * 1024;
inline constexpr std::size_t kLengthPrefixSize = 4;

// A block of a piece: what request, cancel and reject name.
struct BlockRef {
  std::uint32_t piece = 0;
  std::uint32_t begin = 0;   // byte offset inside the piece
  std::uint32_t length = 0;  // bytes
  auto operator<=>(const BlockRef&) const = default;
};

struct KeepAlive {
  bool operator==(const KeepAlive&) const = default;
};
struct Choke {
  bool operator==(const Choke&) const = default;
};
struct Unchoke {
  bool operator==(const Unchoke&) const = default;
};
struct Interested {
  bool operator==(const Interested&) const = default;
};
struct NotInterested {
  bool operator==(const NotInterested&) const = default;
};
struct Have {
  std::uint32_t piece = 0;
  bool operator==(const Have&) const = default;
};
// The raw wire bytes; Bitfield::from_wire checks them against the piece count.
struct BitfieldMessage {
  std::string_view bits;
  bool operator==(const BitfieldMessage&) const = default;
};
struct Request {
  BlockRef block;
  bool operator==(const Request&) const = default;
};
// `data` views the reader's buffer (see MessageReader) or the caller's bytes.
struct Piece {
  std::uint32_t piece = 0;
  std::uint32_t begin = 0;
  std::string_view data;
  BlockRef ref() const { return {piece, begin, static_cast<std::uint32_t>(data.size())}; }
  bool operator==(const Piece&) const = default;
};
struct Cancel {
  BlockRef block;
  bool operator==(const Cancel&) const = default;
};
struct Port {
  std::uint16_t port = 0;  // the sender's DHT UDP port
  bool operator==(const Port&) const = default;
};
struct Suggest {
  std::uint32_t piece = 0;
  bool operator==(const Suggest&) const = default;
};
struct HaveAll {
  bool operator==(const HaveAll&) const = default;
};
struct HaveNone {
  bool operator==(const HaveNone&) const = default;
};
struct Reject {
  BlockRef block;
  bool operator==(const Reject&) const = default;
};
struct AllowedFast {
  std::uint32_t piece = 0;
  bool operator==(const AllowedFast&) const = default;
};
// BEP 10: id 0 is the extended handshake; other ids are the ones *we*
// assigned in our handshake's `m` dictionary.
struct Extended {
  std::uint8_t id = 0;
  std::string_view payload;
  bool operator==(const Extended&) const = default;
};
// A message id we do not know. The reader skips its body without buffering
// it; this only reports that it went by.
struct Unknown {
  std::uint8_t id = 0;
  std::uint32_t length = 0;  // body bytes after the id
  bool operator==(const Unknown&) const = default;
};

using Message = std::variant<KeepAlive, Choke, Unchoke, Interested, NotInterested, Have,
                             BitfieldMessage, Request, Piece, Cancel, Port, Suggest, HaveAll,
                             HaveNone, Reject, AllowedFast, Extended, Unknown>;

// A short name for logs: "have", "piece", "keep-alive", ...
std::string_view message_name(const Message& message);

// Appends one framed message. Unknown is not encodable (a programmer error,
// asserted). For piece messages prefer append_piece_header + scatter/gather
// write of the block, so the block is never copied into the output buffer.
void append_message(std::string& out, const Message& message);
std::string encode_message(const Message& message);
// The 13-byte header of a piece message whose block of `block_size` bytes follows.
void append_piece_header(std::string& out, std::uint32_t piece, std::uint32_t begin,
                         std::uint32_t block_size);

}  // namespace btnode::wire
