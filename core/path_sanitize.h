// Sanitising of file paths that come from torrents (BEP 3 `name` and `path`,
// BEP 47 `symlink path`).
//
// A torrent must never make us write outside its download directory, so
// every path component is checked before any file name is built from it.
// Policy: we REJECT (never rewrite) a component that is dangerous or invalid
// on Linux/POSIX:
//   - empty, "." or ".."                     (traversal, ambiguity)
//   - containing '/' or '\0'                  (separator / C-string truncation;
//                                              also covers absolute paths)
//   - containing '\\'                         (a separator on Windows; a torrent
//                                              made there must not smuggle one)
//   - longer than 255 bytes                   (NAME_MAX on Linux filesystems)
// and a joined relative path longer than 4095 bytes (PATH_MAX - 1).
// Windows-reserved names (CON, NUL, "a:b", trailing dots) are valid on Linux
// and are accepted; a Windows port would add them here. Bytes are not
// required to be UTF-8: Linux file names are bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace btnode {

inline constexpr std::size_t kMaxPathComponentBytes = 255;  // NAME_MAX
inline constexpr std::size_t kMaxRelativePathBytes = 4095;  // PATH_MAX - 1

// Checks one component. The error names the component and the reason, e.g.
// "path component '..' would escape the download directory".
Result<void> check_path_component(std::string_view component);

// Checks every component and the joined length; returns the components
// joined with '/'. An empty list is an error.
Result<std::string> sanitize_relative_path(const std::vector<std::string>& components);

}  // namespace btnode
