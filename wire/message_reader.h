// MessageReader: frames the peer-wire message stream (after the handshake)
// out of arbitrary byte chunks, as a socket delivers them.
//
// Hostile-input rules, applied as soon as the 5-byte header (length + id) is
// in and BEFORE any body byte is buffered:
//   - each known id has a length rule (have = 5, request/cancel/reject = 13,
//     piece = 9 + 1..max_block_size, bitfield = 1 + ceil(pieces/8) once the
//     piece count is known, an extended payload <= max_extended_size, ...); a
//     violation is a protocol error naming the message and both lengths;
//   - unknown ids are reported as Unknown and their body is skipped as it
//     arrives, never buffered whole (but still capped, see ReaderLimits);
//   - after an error the reader stays failed: the connection must be closed.
//
// Zero-copy: Piece::data, BitfieldMessage::bits and Extended::payload view the
// reader's buffer. They stay valid until the next feed()/prepare(); next()
// never moves the buffer, so a caller may drain several messages and keep all
// their views until it feeds again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "wire/message.h"

namespace btnode::wire {

struct ReaderLimits {
  // Largest block a piece message may carry. BEP 3: 16 KiB is what everyone
  // requests; raise it only if we request larger blocks ourselves.
  std::uint32_t max_block_size = kBlockSize;
  // Extended messages (BEP 10) carry bencoded dicts and ut_metadata pieces
  // (16 KiB + a small dict); 1 MiB leaves room for large ut_pex lists.
  std::uint32_t max_extended_size = 1024 * 1024;
  // Bitfield bytes accepted while the piece count is unknown (magnet links
  // before the metadata arrived): 1 MiB is 8 Mi pieces.
  std::uint32_t max_bitfield_size = 1024 * 1024;
  // Unknown messages are skipped, not buffered, but a multi-gigabyte length
  // is garbage (or another protocol) rather than an extension we ignore.
  std::uint32_t max_unknown_size = 1024 * 1024;
};

class MessageReader {
 public:
  explicit MessageReader(ReaderLimits limits = {}) : limits_(limits) {}

  // Once known, bitfield messages must be exactly ceil(count / 8) bytes.
  void set_piece_count(std::uint32_t count) { piece_count_ = count; }
  std::optional<std::uint32_t> piece_count() const { return piece_count_; }

  // Copies `bytes` in. Invalidates views of earlier messages.
  void feed(std::string_view bytes);
  // For reading from a socket straight into the reader: write up to `size`
  // bytes into the returned span, then commit() how many were written.
  // Invalidates views of earlier messages.
  std::span<char> prepare(std::size_t size);
  void commit(std::size_t written);

  // The next complete message, nothing if more bytes are needed, or the
  // protocol error that ends the connection.
  Result<std::optional<Message>> next();

  // Bytes held but not yet returned as messages.
  std::size_t buffered() const { return end_ - begin_; }

 private:
  void compact();
  std::string_view available() const { return {buffer_.data() + begin_, end_ - begin_}; }
  Failure failed(std::string reason);
  Result<std::optional<Message>> start_skip(std::uint8_t id, std::uint32_t body);
  bool skip_pending();

  ReaderLimits limits_;
  std::optional<std::uint32_t> piece_count_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;   // first unread byte
  std::size_t end_ = 0;     // one past the last received byte
  std::uint64_t skip_ = 0;  // body bytes of an unknown message still to drop
  std::optional<Error> error_;
};

}  // namespace btnode::wire
