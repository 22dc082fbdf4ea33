// Typed disk errors: what a user sees when the disk lets a torrent down.
//
// Every failed system call on a torrent's files becomes a DiskError that
// names the kind of failure, the operation, the file (relative to the
// download directory) and the offset, so the message is one line a user can
// act on: "disk full writing 'x/y.bin' at offset 1048576".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace btnode::storage {

enum class DiskErrorKind {
  disk_full,       // ENOSPC
  quota,           // EDQUOT
  permission,      // EACCES, EPERM
  read_only,       // EROFS
  io,              // EIO
  file_too_large,  // EFBIG (also RLIMIT_FSIZE)
  name_too_long,   // ENAMETOOLONG
  file_deleted,    // a file of a running torrent was removed (or never created)
  file_truncated,  // a file of a running torrent is shorter than what was written to it
  not_a_file,      // a directory or symlink where a file belongs (ELOOP, EISDIR, ENOTDIR)
  other,           // anything else: the message carries strerror
};

enum class DiskOp { open, create, read, write, preallocate, sync, stat };

struct DiskError {
  DiskErrorKind kind = DiskErrorKind::other;
  DiskOp op = DiskOp::write;
  int code = 0;              // errno, 0 for conditions we detect ourselves
  std::string path;          // relative to the download directory
  std::int64_t offset = -1;  // in the file; -1 when not applicable

  // One line, e.g. "disk full writing 'x/y.bin' at offset 1048576".
  std::string message() const;
};

// The kind of failure an errno stands for.
DiskErrorKind classify_errno(int code);

// A DiskError for a failed system call.
DiskError disk_error(int code, DiskOp op, std::string path, std::int64_t offset = -1);

std::string_view to_string(DiskErrorKind kind);

}  // namespace btnode::storage
