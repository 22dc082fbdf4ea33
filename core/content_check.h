// Verification of content on disk against a torrent (`btnode verify`, `seed`,
// resume checks): maps the torrent's files under a download directory, hashes
// them with the piece hasher and compares with the torrent's piece hashes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/metainfo.h"
#include "core/piece_hasher.h"

namespace btnode {

struct PieceRange {  // inclusive
  std::int64_t first = 0;
  std::int64_t last = 0;
  bool operator==(const PieceRange&) const = default;
};

struct ContentCheck {
  std::int64_t total_pieces = 0;
  std::int64_t valid_pieces = 0;
  std::vector<PieceRange> bad;        // read in full, hash differs
  std::vector<PieceRange> missing;    // could not be read (missing or short file)
  std::vector<std::string> problems;  // per-file reasons, in file order
  bool cancelled = false;

  bool complete() const { return valid_pieces == total_pieces; }
};

// The torrent's files as they lie under `download_dir` (see CLI.md: a
// single-file torrent is dir/<name>, a multi-file one is under dir/<name>/).
std::vector<ContentFile> content_files(const Metainfo& meta,
                                       const std::filesystem::path& download_dir);

// Compares hashed pieces with the expected ones and builds the ranges.
ContentCheck compare_pieces(const PieceHashes& hashes, const std::vector<Sha1Digest>& expected);

// content_files + hash_pieces + compare_pieces.
Result<ContentCheck> verify_content(const Metainfo& meta, const std::filesystem::path& download_dir,
                                    const HashOptions& options = {});

}  // namespace btnode
