#include "storage/disk_error.h"

#include <cerrno>
#include <system_error>

namespace btnode::storage {
namespace {

std::string_view verb(DiskOp op) {
  switch (op) {
    case DiskOp::open:
      return "opening";
    case DiskOp::create:
      return "creating";
    case DiskOp::read:
      return "reading";
    case DiskOp::write:
      return "writing";
    case DiskOp::preallocate:
      return "preallocating";
    case DiskOp::sync:
      return "syncing";
    case DiskOp::stat:
      return "checking";
  }
  return "using";
}

}  // namespace

DiskErrorKind classify_errno(int code) {
  switch (code) {
    case ENOSPC:
      return DiskErrorKind::disk_full;
    case EDQUOT:
      return DiskErrorKind::quota;
    case EACCES:
    case EPERM:
      return DiskErrorKind::permission;
    case EROFS:
      return DiskErrorKind::read_only;
    case EIO:
      return DiskErrorKind::io;
    case EFBIG:
      return DiskErrorKind::file_too_large;
    case ENAMETOOLONG:
      return DiskErrorKind::name_too_long;
    case ENOENT:
      return DiskErrorKind::file_deleted;
    case ELOOP:
    case EISDIR:
    case ENOTDIR:
      return DiskErrorKind::not_a_file;
    default:
      return DiskErrorKind::other;
  }
}

DiskError disk_error(int code, DiskOp op, std::string path, std::int64_t offset) {
  return DiskError{classify_errno(code), op, code, std::move(path), offset};
}

std::string_view to_string(DiskErrorKind kind) {
  switch (kind) {
    case DiskErrorKind::disk_full:
      return "disk full";
    case DiskErrorKind::quota:
      return "disk quota exceeded";
    case DiskErrorKind::permission:
      return "permission denied";
    case DiskErrorKind::read_only:
      return "read-only file system";
    case DiskErrorKind::io:
      return "I/O error";
    case DiskErrorKind::file_too_large:
      return "file too large";
    case DiskErrorKind::name_too_long:
      return "file name too long";
    case DiskErrorKind::file_deleted:
      return "file deleted";
    case DiskErrorKind::file_truncated:
      return "file truncated";
    case DiskErrorKind::not_a_file:
      return "not a regular file";
    case DiskErrorKind::other:
      return "disk error";
  }
  return "disk error";
}

std::string DiskError::message() const {
  std::string out(to_string(kind));
  // "other" says nothing by itself; the system's text does.
  if (kind == DiskErrorKind::other && code != 0) {
    out += " (" + std::system_category().message(code) + ")";
  }
  out += ' ';
  out += verb(op);
  out += " '" + path + "'";
  if (offset >= 0) out += " at offset " + std::to_string(offset);
  return out;
}

}  // namespace btnode::storage
