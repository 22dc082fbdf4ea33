// Whole-file writes that never leave a torn file behind (ARCHITECTURE.md,
// "State that must survive"): write a temp file beside the target, fsync it,
// rename it over the target, fsync the directory. A crash at any point leaves
// either the old or the new contents.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace btnode::node {

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// The whole file, nullopt if it does not exist, an error if it cannot be
// read or is larger than `max_bytes` (state files are small; a huge one is
// not ours).
Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path,
                                                   std::size_t max_bytes);

}  // namespace btnode::node
