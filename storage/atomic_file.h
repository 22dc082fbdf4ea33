// Replacing a small file so that a crash at any moment leaves either the old
// or the new content, never a mix or nothing (resume data, routing table).
#pragma once

#include <filesystem>
#include <string_view>

#include "core/result.h"

namespace btnode::storage {

// Writes `bytes` to "<path>.tmp", fsync()s it, renames it over `path` and
// fsync()s the directory so the rename itself survives a power cut. The
// temporary file is removed on failure. Errors name the file and the step.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace btnode::storage
