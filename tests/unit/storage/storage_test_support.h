// Shared helpers for storage tests: a post() queue standing in for the
// network thread, a file layer with injectable errors, and torrent content.
#pragma once

#include <fcntl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/file_layout.h"
#include "storage/file_store.h"
#include "storage/file_system.h"
#include "storage/worker_pool.h"
#include "tests/unit/core/test_files.h"

namespace btnode::storage::testing {

using btnode::testing::read_file;
using btnode::testing::TempDir;
using btnode::testing::write_file;

// The "network thread": posted functions run when the test calls run_until().
class Loop {
 public:
  Post post() {
    return [this](std::function<void()> f) {
      {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(f));
      }
      wake_.notify_one();
    };
  }

  // Runs posted functions until done() holds or the timeout passes.
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      std::function<void()> f;
      {
        std::unique_lock lock(mutex_);
        if (!wake_.wait_until(lock, deadline, [this] { return !queue_.empty(); })) return done();
        f = std::move(queue_.front());
        queue_.pop_front();
      }
      f();
    }
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
};

// posix_file_system() with errors on demand: a non-zero errno in one of the
// fields makes every call of that kind fail with it.
class FaultyFileSystem : public FileSystem {
 public:
  std::atomic<int> open_errno{0};  // only opens of files (not directories)
  std::atomic<int> mkdir_errno{0};
  std::atomic<int> pread_errno{0};
  std::atomic<int> pwrite_errno{0};
  std::atomic<int> fallocate_errno{0};
  std::atomic<int> fdatasync_errno{0};
  std::atomic<int> opens{0};  // successful opens of files

  int openat(int dir_fd, const char* name, int flags, mode_t mode) override {
    const bool dir = (flags & O_DIRECTORY) != 0;
    if (!dir && open_errno != 0) return -open_errno;
    const int fd = real().openat(dir_fd, name, flags, mode);
    if (!dir && fd >= 0) ++opens;
    return fd;
  }
  int mkdirat(int dir_fd, const char* name, mode_t mode) override {
    return mkdir_errno != 0 ? -mkdir_errno : real().mkdirat(dir_fd, name, mode);
  }
  int close(int fd) override { return real().close(fd); }
  std::int64_t pread(int fd, void* buf, std::size_t n, std::int64_t offset) override {
    return pread_errno != 0 ? -pread_errno : real().pread(fd, buf, n, offset);
  }
  std::int64_t pwrite(int fd, const void* buf, std::size_t n, std::int64_t offset) override {
    return pwrite_errno != 0 ? -pwrite_errno : real().pwrite(fd, buf, n, offset);
  }
  int fallocate(int fd, std::int64_t offset, std::int64_t length) override {
    return fallocate_errno != 0 ? -fallocate_errno : real().fallocate(fd, offset, length);
  }
  int fstat(int fd, struct stat* st) override { return real().fstat(fd, st); }
  int fstatat(int dir_fd, const char* name, struct stat* st, int flags) override {
    return real().fstatat(dir_fd, name, st, flags);
  }
  int fdatasync(int fd) override {
    return fdatasync_errno != 0 ? -fdatasync_errno : real().fdatasync(fd);
  }

 private:
  static FileSystem& real() { return posix_file_system(); }
};

// Deterministic torrent content: bytes of file i are fixture_content(i, size).
struct Content {
  std::vector<LayoutFile> files;
  std::vector<std::string> paths;
  std::string all;  // concatenation, pad files as zeros
  std::int64_t piece_length = 0;

  FileLayout layout() const { return *FileLayout::create(files, piece_length); }
  std::string piece(std::int64_t p) const {
    const FileLayout l = layout();
    return all.substr(static_cast<std::size_t>(l.piece_offset(p)),
                      static_cast<std::size_t>(l.piece_size(p)));
  }
  std::vector<Sha1Digest> hashes() const {
    std::vector<Sha1Digest> out;
    for (std::int64_t p = 0; p < layout().piece_count(); ++p) out.push_back(sha1(piece(p)));
    return out;
  }
  // The bytes that belong in file i (for pads: none on disk).
  std::string file_bytes(std::size_t i) const {
    return all.substr(static_cast<std::size_t>(layout().file_offset(i)),
                      static_cast<std::size_t>(files[i].size));
  }
};

// `sizes` < 0 marks a pad file of -size bytes. Paths are "t/fN" (or "t/d/fN"
// for odd N, to exercise directory creation).
inline Content make_content(const std::vector<std::int64_t>& sizes, std::int64_t piece_length) {
  Content c;
  c.piece_length = piece_length;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const bool pad = sizes[i] < 0;
    const std::int64_t size = pad ? -sizes[i] : sizes[i];
    c.files.push_back({size, pad});
    c.paths.push_back(pad ? "t/.pad/" + std::to_string(size)
                          : (i % 2 == 1 ? "t/d/f" : "t/f") + std::to_string(i));
    c.all += pad ? std::string(static_cast<std::size_t>(size), '\0')
                 : btnode::testing::fixture_content(static_cast<int>(i) + 1,
                                                    static_cast<std::size_t>(size));
  }
  return c;
}

inline std::unique_ptr<FileStore> make_store(const Content& c, const std::filesystem::path& dir,
                                             FileStoreOptions options = {}) {
  return std::make_unique<FileStore>(c.layout(), c.paths, dir, options);
}

}  // namespace btnode::storage::testing
