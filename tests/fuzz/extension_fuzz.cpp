// libFuzzer target for the BEP 10 extended handshake and BEP 9 ut_metadata
// codecs, and the MetadataAssembler they feed.
//
// A decoded extended handshake must survive encode -> decode unchanged (the
// tolerant parser keeps only values it can re-encode). A decoded ut_metadata
// message must re-encode to something that decodes to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/digest.h"
#include "wire/extended_handshake.h"
#include "wire/metadata_assembler.h"
#include "wire/ut_metadata.h"

namespace {

using namespace btnode::wire;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "extension_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

void extended_handshake(std::string_view in) {
  auto h = decode_extended_handshake(in);
  if (!h) return;
  const std::string again = encode_extended_handshake(*h);
  auto back = decode_extended_handshake(again);
  check(back.has_value(), "re-encoded handshake decodes");
  check(*back == *h, "handshake round trip");
  ExtendedHandshake merged;
  merge_extended_handshake(merged, *h);
  check(merged.extensions == h->extensions, "merge into empty copies m");
}

std::string reencode(const MetadataMessage& m) {
  switch (m.type) {
    case MetadataMessageType::request:
      return encode_metadata_request(m.piece);
    case MetadataMessageType::reject:
      return encode_metadata_reject(m.piece);
    default:
      return encode_metadata_data(m.piece, m.total_size, m.data);
  }
}

void ut_metadata(std::string_view in) {
  auto m = decode_metadata_message(in);
  if (!m || m->type == MetadataMessageType::unknown) return;
  const std::string again = reencode(*m);
  auto back = decode_metadata_message(again);
  check(back.has_value(), "re-encoded ut_metadata decodes");
  check(back->type == m->type && back->piece == m->piece && back->total_size == m->total_size &&
            back->data == m->data,
        "ut_metadata round trip");
  if (m->type != MetadataMessageType::data) return;
  // The assembler must refuse or store, never crash, for any data message.
  const auto info_hash = btnode::InfoHash::from_v1(btnode::sha1(m->data));
  MetadataAssemblerLimits limits;
  limits.max_size = 64 * 1024;
  auto assembler = MetadataAssembler::create(info_hash, m->total_size, limits);
  if (!assembler) return;
  auto outcome = assembler->add(1, *m);
  if (outcome && *outcome == MetadataAssembler::Outcome::complete) {
    check(assembler->metadata() == m->data, "single-piece metadata");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  extended_handshake(in);
  ut_metadata(in);
  return 0;
}
