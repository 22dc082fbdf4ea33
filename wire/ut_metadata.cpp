#include "wire/ut_metadata.h"

#include <cstdint>

#include "core/bencode.h"

namespace btnode::wire {
namespace {

std::string header(std::int64_t type, std::uint32_t piece, std::optional<std::uint32_t> total) {
  std::string out;
  bencode::Writer w(out);
  w.begin_dict().string("msg_type").integer(type).string("piece").integer(piece);
  if (total) w.string("total_size").integer(*total);
  w.end();
  return out;
}

MetadataMessageType type_of(std::int64_t t) {
  if (t == 0) return MetadataMessageType::request;
  if (t == 1) return MetadataMessageType::data;
  if (t == 2) return MetadataMessageType::reject;
  return MetadataMessageType::unknown;
}

Result<void> check_data(const MetadataMessage& m) {
  if (m.total_size == 0) return fail("ut_metadata data message without a total_size");
  if (m.data.empty() || m.data.size() > kMetadataPieceSize) {
    return fail("ut_metadata data message carries " + std::to_string(m.data.size()) +
                " bytes, expected 1 to 16384");
  }
  const std::uint64_t begin = std::uint64_t{m.piece} * kMetadataPieceSize;
  if (begin >= m.total_size) {
    return fail("ut_metadata piece " + std::to_string(m.piece) + " is past total_size " +
                std::to_string(m.total_size));
  }
  return {};
}

}  // namespace

Result<MetadataMessage> decode_metadata_message(std::string_view payload) {
  bencode::DecodeOptions options;
  options.allow_trailing = true;  // the data message's piece follows the dict
  options.max_depth = 4;
  auto doc = bencode::decode(payload, options);
  if (!doc) return fail("ut_metadata: " + doc.error().message);
  const auto root = doc->root();
  if (!root.is_dict()) return fail("ut_metadata message is not a bencoded dictionary");
  auto type = root.find_int("msg_type");
  auto piece = root.find_int("piece");
  if (!type) return fail("ut_metadata message without an integer msg_type");
  MetadataMessage m;
  m.type = type_of(*type);
  if (m.type == MetadataMessageType::unknown) return m;
  if (!piece || *piece < 0 || *piece > INT32_MAX) {
    return fail("ut_metadata message without a valid piece index");
  }
  m.piece = static_cast<std::uint32_t>(*piece);
  m.data = payload.substr(doc->consumed());
  if (m.type != MetadataMessageType::data) {
    m.data = {};  // tolerated: only data messages give trailing bytes a meaning
    return m;
  }
  const auto total = root.find_int("total_size");
  if (total && *total > 0 && *total <= UINT32_MAX)
    m.total_size = static_cast<std::uint32_t>(*total);
  if (auto ok = check_data(m); !ok) return fail(ok.error());
  return m;
}

std::string encode_metadata_request(std::uint32_t piece) {
  return header(0, piece, {});
}
std::string encode_metadata_reject(std::uint32_t piece) {
  return header(2, piece, {});
}
std::string encode_metadata_data(std::uint32_t piece, std::uint32_t total_size,
                                 std::string_view data) {
  std::string out = header(1, piece, total_size);
  out += data;
  return out;
}

}  // namespace btnode::wire
