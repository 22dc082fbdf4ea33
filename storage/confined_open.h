// Opening a torrent's file strictly below the download directory.
//
// core/path_sanitize already rejects "..", absolute paths and separators in
// torrent paths, but a path can still leave the download directory through a
// symlink that exists on disk (planted by another torrent or another user).
// So every component is opened with openat(O_NOFOLLOW) relative to the
// directory opened before it: a symlink anywhere on the way is an error
// (ELOOP/ENOTDIR), never followed.
#pragma once

#include <string_view>

#include "storage/file_system.h"

namespace btnode::storage {

struct ConfinedOpen {
  int flags = 0;             // O_RDONLY / O_RDWR, optionally O_CREAT (O_NOFOLLOW is added)
  bool create_dirs = false;  // mkdir missing parent directories (0755)
};

// Opens `relative` ('/'-separated, no empty, "." or ".." components) below
// the directory `root_fd`. Returns an fd or -errno; a bad component is -EINVAL.
int open_confined(FileSystem& fs, int root_fd, std::string_view relative, ConfinedOpen how);

}  // namespace btnode::storage
