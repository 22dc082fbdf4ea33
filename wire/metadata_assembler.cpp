#include "wire/metadata_assembler.h"

#include <algorithm>
#include <cstring>

#include "core/digest.h"

namespace btnode::wire {

Result<MetadataAssembler> MetadataAssembler::create(const InfoHash& info_hash,
                                                    std::uint32_t total_size,
                                                    const MetadataAssemblerLimits& limits) {
  if (!info_hash.v1 && !info_hash.v2) return fail("metadata assembler needs an info-hash");
  if (total_size == 0 || total_size > limits.max_size) {
    return fail("peer announced metadata_size " + std::to_string(total_size) + ", expected 1 to " +
                std::to_string(limits.max_size));
  }
  return MetadataAssembler(info_hash, total_size);
}

MetadataAssembler::MetadataAssembler(const InfoHash& info_hash, std::uint32_t total_size)
    : info_hash_(info_hash),
      buffer_(total_size, '\0'),
      sources_((total_size + kMetadataPieceSize - 1) / kMetadataPieceSize) {}

std::uint32_t MetadataAssembler::piece_size(std::uint32_t piece) const {
  const std::uint64_t begin = std::uint64_t{piece} * kMetadataPieceSize;
  if (begin >= buffer_.size()) return 0;
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(kMetadataPieceSize, buffer_.size() - begin));
}

std::vector<std::uint32_t> MetadataAssembler::missing() const {
  std::vector<std::uint32_t> out;
  if (complete_) return out;
  for (std::uint32_t i = 0; i < piece_count(); ++i) {
    if (!sources_[i]) out.push_back(i);
  }
  return out;
}

Result<MetadataAssembler::Outcome> MetadataAssembler::add(MetadataPeer from,
                                                          const MetadataMessage& data) {
  if (data.total_size != total_size()) {
    return fail("ut_metadata data says total_size " + std::to_string(data.total_size) +
                ", expected " + std::to_string(total_size()));
  }
  if (data.piece >= piece_count()) {
    return fail("ut_metadata piece " + std::to_string(data.piece) + " out of range (" +
                std::to_string(piece_count()) + " pieces)");
  }
  // BEP 9: every piece but the last is exactly 16 KiB.
  if (data.data.size() != piece_size(data.piece)) {
    return fail("ut_metadata piece " + std::to_string(data.piece) + " has " +
                std::to_string(data.data.size()) + " bytes, expected " +
                std::to_string(piece_size(data.piece)));
  }
  if (complete_ || sources_[data.piece]) return Outcome::duplicate;
  std::memcpy(buffer_.data() + std::size_t{data.piece} * kMetadataPieceSize, data.data.data(),
              data.data.size());
  sources_[data.piece] = from;
  ++received_;
  return received_ == piece_count() ? finish() : Outcome::stored;
}

bool MetadataAssembler::verify() const {
  if (info_hash_.v1) return sha1(buffer_) == *info_hash_.v1;
  return sha256(buffer_) == *info_hash_.v2;
}

MetadataAssembler::Outcome MetadataAssembler::finish() {
  if (verify()) {
    complete_ = true;
    return Outcome::complete;
  }
  failed_sources_.clear();
  for (auto& source : sources_) {
    failed_sources_.push_back(*source);
    source.reset();
  }
  received_ = 0;
  return Outcome::hash_mismatch;
}

}  // namespace btnode::wire
