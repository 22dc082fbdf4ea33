// Hashing pieces already on disk (start-up recheck) on the worker pool.
//
// One job per worker claims the next piece from a shared counter and reads
// it in chunks into a reusable buffer, so memory stays at threads x chunk
// however large the pieces are, and no worker idles while others have work.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/bitfield.h"
#include "core/digest.h"
#include "storage/file_store.h"
#include "storage/worker_pool.h"

namespace btnode::storage {

struct CheckResult {
  Bitfield valid;                     // hashed and matched
  std::int64_t checked = 0;           // pieces hashed (or attempted)
  std::vector<std::string> problems;  // one line per file that could not be read, in file order
  bool cancelled = false;
};

struct CheckRequest {
  std::shared_ptr<FileStore> files;
  std::shared_ptr<const std::vector<Sha1Digest>> hashes;
  Bitfield pieces;                            // which to hash
  std::shared_ptr<std::atomic<bool>> cancel;  // may be null
  // Counts pieces hashed so far, for progress display; may be null.
  std::shared_ptr<std::atomic<std::int64_t>> progress;
};

// Runs on `pool`; `done` is posted once with the result after the last piece.
void check_pieces(CheckRequest request, WorkerPool& pool, const Post& post,
                  std::function<void(CheckResult)> done);

}  // namespace btnode::storage
