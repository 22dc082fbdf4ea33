// Resume data: what a restart may take on trust instead of hashing again.
//
// Bencoded, one file per torrent:
//   d 11:file-format 13:btnode resume  12:file-version i1e
//     5:files l (d 5:mtimei<ns>e 4:sizei<bytes>e e | de for a missing/pad file) ... e
//     9:info-hash 20:<v1 wire id>  11:piece-count i<n>e  6:pieces <BEP 3 bitfield> e
//
// It is read from disk that anyone (or a crash) may have damaged, so the
// decoder is strict and bounded: anything unexpected is an error, and an
// error means "recheck everything", never "trust what parsed".
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bitfield.h"
#include "core/file_layout.h"
#include "core/result.h"
#include "storage/file_store.h"

namespace btnode::storage {

struct ResumeData {
  std::array<std::uint8_t, 20> info_hash{};    // InfoHash::wire_id()
  Bitfield pieces;                             // verified and written
  std::vector<std::optional<FileStat>> files;  // when `pieces` was saved; nullopt: no file
  bool operator==(const ResumeData&) const = default;
};

std::string encode_resume(const ResumeData& data);

// Structure only. Errors start with "resume data: ".
Result<ResumeData> decode_resume(std::string_view bytes);

// Does `data` describe this torrent (same info-hash, piece and file count)?
Result<void> check_resume_matches(const ResumeData& data,
                                  const std::array<std::uint8_t, 20>& info_hash,
                                  const FileLayout& layout);

// Reads at most `max_bytes` of `path`; a larger file is an error (it cannot
// be ours, and reading it would let a bad file exhaust memory).
Result<std::string> read_resume_file(const std::filesystem::path& path,
                                     std::size_t max_bytes = 64 << 20);

}  // namespace btnode::storage
