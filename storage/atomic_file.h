// Replacing a small file so that a crash at any moment leaves either the old
// or the new content, never a mix or nothing (resume data, routing table).
#pragma once

#include <optional>
#include <string>

#include <filesystem>
#include <string_view>

#include "core/result.h"

namespace btnode::storage {

// Writes `bytes` to "<path>.tmp.<pid>" (two processes sharing a state dir
// never write one temporary), fsync()s it, renames it over `path` and
// fsync()s the directory so the rename itself survives a power cut. The
// temporary file is removed on failure. Errors name the file and the step.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// The whole of a small state file: nullopt if it does not exist, an error if
// it cannot be read or is larger than `max_bytes` (it cannot be ours, and
// reading it would let a bad file exhaust memory).
Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path,
                                                   std::size_t max_bytes);

}  // namespace btnode::storage
