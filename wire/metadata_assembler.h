// MetadataAssembler: collects the BEP 9 metadata (the info dict) of a magnet
// download from ut_metadata data messages, possibly from several peers, and
// accepts it only when its hash matches the info-hash.
//
// Why it tracks sources: a peer can send well-formed but wrong pieces. When
// the assembled dict fails the hash, every piece is dropped and the caller is
// told which peer gave which piece, so it can penalise a lone contributor, or
// re-fetch from one peer at a time to find the liar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "wire/ut_metadata.h"

namespace btnode::wire {

// The caller's handle for a peer connection (opaque here).
using MetadataPeer = std::uint64_t;

struct MetadataAssemblerLimits {
  // Real info dicts are a few MB at most (a 16 MiB dict is ~800k pieces);
  // the size comes from the peer, so it must be capped before allocating.
  std::uint32_t max_size = 16 * 1024 * 1024;
};

class MetadataAssembler {
 public:
  // `total_size` is a peer's `metadata_size` (BEP 9); fails when it is 0 or
  // over the cap. The info-hash must have v1 (SHA-1) or v2 (SHA-256) set.
  static Result<MetadataAssembler> create(const InfoHash& info_hash, std::uint32_t total_size,
                                          const MetadataAssemblerLimits& limits = {});

  enum class Outcome : std::uint8_t {
    stored,         // new piece kept
    duplicate,      // already had it; ignored
    complete,       // last piece in and the hash matched: metadata() is ready
    hash_mismatch,  // last piece in, hash wrong: all dropped, see failed_sources()
  };

  // A data message from `from`. Errors (the peer's fault): a total_size that
  // differs from ours, a piece index out of range, a piece of the wrong size.
  Result<Outcome> add(MetadataPeer from, const MetadataMessage& data);

  std::uint32_t total_size() const { return static_cast<std::uint32_t>(buffer_.size()); }
  std::uint32_t piece_count() const { return static_cast<std::uint32_t>(sources_.size()); }
  std::uint32_t piece_size(std::uint32_t piece) const;
  bool has_piece(std::uint32_t piece) const { return sources_.at(piece).has_value(); }
  // Pieces still to request, in index order.
  std::vector<std::uint32_t> missing() const;
  bool complete() const { return complete_; }
  // The verified info dict; empty until complete().
  std::string_view metadata() const { return complete_ ? std::string_view(buffer_) : ""; }
  // After hash_mismatch: the peer that supplied each piece of the failed attempt.
  const std::vector<MetadataPeer>& failed_sources() const { return failed_sources_; }

 private:
  MetadataAssembler(const InfoHash& info_hash, std::uint32_t total_size);
  bool verify() const;
  Outcome finish();

  InfoHash info_hash_;
  std::string buffer_;
  std::vector<std::optional<MetadataPeer>> sources_;
  std::uint32_t received_ = 0;
  bool complete_ = false;
  std::vector<MetadataPeer> failed_sources_;
};

}  // namespace btnode::wire
