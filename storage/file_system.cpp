#include "storage/file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace btnode::storage {
namespace {

int result(int r) {
  return r < 0 ? -errno : r;
}

class PosixFileSystem final : public FileSystem {
 public:
  int openat(int dir_fd, const char* name, int flags, mode_t mode) override {
    int r = 0;
    do {
      r = ::openat(dir_fd, name, flags | O_CLOEXEC, mode);
    } while (r < 0 && errno == EINTR);
    return result(r);
  }
  int mkdirat(int dir_fd, const char* name, mode_t mode) override {
    return result(::mkdirat(dir_fd, name, mode));
  }
  int close(int fd) override { return result(::close(fd)); }
  std::int64_t pread(int fd, void* buf, std::size_t n, std::int64_t offset) override {
    ssize_t r = 0;
    do {
      r = ::pread(fd, buf, n, offset);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
  }
  std::int64_t pwrite(int fd, const void* buf, std::size_t n, std::int64_t offset) override {
    ssize_t r = 0;
    do {
      r = ::pwrite(fd, buf, n, offset);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
  }
  int fallocate(int fd, std::int64_t offset, std::int64_t length) override {
    return result(::fallocate(fd, 0, offset, length));
  }
  int fstat(int fd, struct stat* st) override { return result(::fstat(fd, st)); }
  int fstatat(int dir_fd, const char* name, struct stat* st, int flags) override {
    return result(::fstatat(dir_fd, name, st, flags));
  }
  int fdatasync(int fd) override { return result(::fdatasync(fd)); }
};

}  // namespace

FileSystem& posix_file_system() {
  static PosixFileSystem fs;
  return fs;
}

}  // namespace btnode::storage
