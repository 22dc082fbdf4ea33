// BEP 9 ut_metadata messages: the payload of an extended message sent on the
// id the peer gave "ut_metadata" in its extended handshake.
//
// Each message is a bencoded dict {msg_type, piece[, total_size]}; a data
// message is followed, outside the dict, by the raw metadata piece.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace btnode::wire {

inline constexpr std::uint32_t kMetadataPieceSize = 16 * 1024;  // BEP 9

enum class MetadataMessageType : std::uint8_t {
  request = 0,  // BEP 9
  data = 1,     // BEP 9
  reject = 2,   // BEP 9
  // BEP 9: "an unrecognized message ID MUST be ignored": decoded, not failed.
  unknown = 255,
};

struct MetadataMessage {
  MetadataMessageType type = MetadataMessageType::request;
  std::uint32_t piece = 0;
  std::uint32_t total_size = 0;  // data messages only
  std::string_view data;         // data messages only: views the decoded payload
  bool operator==(const MetadataMessage&) const = default;
};

// A data message must carry 1..16 KiB and a total_size; the piece index must
// fit the total size. Anything malformed is an error the caller may count
// against the peer.
Result<MetadataMessage> decode_metadata_message(std::string_view payload);

std::string encode_metadata_request(std::uint32_t piece);
std::string encode_metadata_reject(std::uint32_t piece);
std::string encode_metadata_data(std::uint32_t piece, std::uint32_t total_size,
                                 std::string_view data);

}  // namespace btnode::wire
