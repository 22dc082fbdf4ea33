// Parallel piece hashing (BEP 3 `pieces`): used by torrent creation and by
// verification of content on disk.
//
// N workers each claim the next piece index from an atomic counter, pread the
// piece's bytes straight from the file(s) it spans into their own reusable
// buffer and hash it. There is no reader thread to bottleneck on, no
// allocation per piece, and each worker caches its open files. A file that is
// missing or shorter than expected makes only the pieces it touches "missing"
// (with a per-file reason); it is not an error of the whole job.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/result.h"

namespace btnode {

// One file of the content, in torrent order.
struct ContentFile {
  std::filesystem::path path;  // ignored for pad files
  std::int64_t size = 0;
  bool pad = false;  // BEP 47 pad file: hashed as zeros, never read
};

struct HashOptions {
  unsigned threads = 0;  // 0 = std::thread::hardware_concurrency()
  // Called from worker threads after each piece with the number of pieces
  // finished so far (any thread, any order of calls; `done` only grows per
  // caller but calls may interleave). Must be thread-safe and cheap.
  std::function<void(std::int64_t done, std::int64_t total)> on_progress;
  // When set and it becomes true, workers stop claiming pieces.
  const std::atomic<bool>* cancel = nullptr;
};

struct PieceHashes {
  // One entry per piece; nullopt when the piece could not be read in full.
  std::vector<std::optional<Sha1Digest>> pieces;
  // One entry per input file: empty, or why it could not be read, e.g.
  // "'dir/a.bin': No such file or directory" or "'a.bin' is 10 bytes, expected 20".
  std::vector<std::string> file_errors;
  bool cancelled = false;  // some pieces were not attempted (they are nullopt)

  std::int64_t missing_count() const;
};

// Fails only on invalid arguments (piece_length <= 0, negative sizes).
Result<PieceHashes> hash_pieces(const std::vector<ContentFile>& files, std::int64_t piece_length,
                                const HashOptions& options = {});

}  // namespace btnode
