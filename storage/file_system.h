// The system calls storage makes on a torrent's files, behind an interface
// so tests can inject the failures a real disk rarely produces on demand
// (EIO, EDQUOT, ENAMETOOLONG, ...). Production code uses posix_file_system().
//
// Conventions follow the raw calls, except that failures return -errno
// instead of -1 + errno: errno is thread-local state that is easy to clobber
// between the failing call and the place that reports it.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace btnode::storage {

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual int openat(int dir_fd, const char* name, int flags, mode_t mode) = 0;  // fd or -errno
  virtual int mkdirat(int dir_fd, const char* name, mode_t mode) = 0;            // 0 or -errno
  virtual int close(int fd) = 0;
  // Bytes transferred (possibly short) or -errno. EINTR is retried inside.
  virtual std::int64_t pread(int fd, void* buf, std::size_t n, std::int64_t offset) = 0;
  virtual std::int64_t pwrite(int fd, const void* buf, std::size_t n, std::int64_t offset) = 0;
  virtual int fallocate(int fd, std::int64_t offset, std::int64_t length) = 0;  // 0 or -errno
  virtual int fstat(int fd, struct stat* st) = 0;                               // 0 or -errno
  virtual int fstatat(int dir_fd, const char* name, struct stat* st, int flags) = 0;
  virtual int fdatasync(int fd) = 0;  // 0 or -errno
};

// The real system calls. Stateless and thread-safe.
FileSystem& posix_file_system();

}  // namespace btnode::storage
