// `btnode verify`: hash-checks content on disk through the same storage
// layer a torrent uses at start (FileStore under the download directory,
// check_pieces on a worker pool), so what verify reports is what a download
// or a seed would trust.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "core/content_check.h"
#include "core/metainfo.h"
#include "core/result.h"

namespace btnode::storage {

struct VerifyOptions {
  unsigned threads = 0;  // 0: one per core
  // Called on the calling thread about five times a second while hashing.
  std::function<void(std::int64_t done, std::int64_t total)> on_progress;
};

// Pieces of files that are missing or too short are `missing` without being
// read; the others are hashed and are `bad` when they differ (or cannot be
// read). `problems` names each file that is missing, short or unreadable.
Result<ContentCheck> verify_on_disk(const Metainfo& meta, const std::filesystem::path& download_dir,
                                    const VerifyOptions& options = {});

}  // namespace btnode::storage
