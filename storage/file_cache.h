// A bounded cache of open files (least recently used is closed first).
//
// A torrent can have a million files but a process only a few thousand file
// descriptors, and opening per block would cost several syscalls (the
// confined path walk) per 16 KiB. Handles are shared_ptrs so a worker that is
// still writing through a handle keeps it open even after the cache evicted
// it: the limit can be exceeded by at most one handle per busy worker.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "storage/file_system.h"

namespace btnode::storage {

// An open file descriptor, closed when the last user lets go of it.
class OpenFile {
 public:
  OpenFile(FileSystem& fs, int fd, bool writable) : fs_(fs), fd_(fd), writable_(writable) {}
  ~OpenFile() { fs_.close(fd_); }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  int fd() const { return fd_; }
  bool writable() const { return writable_; }

 private:
  FileSystem& fs_;
  int fd_;
  bool writable_;
};

// Thread-safe; keyed by file index within one torrent.
class FileCache {
 public:
  explicit FileCache(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}

  // The cached handle for `file` (nullptr if none, or if it is read-only and
  // `need_write`). A hit becomes the most recently used.
  std::shared_ptr<OpenFile> find(std::size_t file, bool need_write);
  // Caches `handle` (replacing an older handle for the file) and closes the
  // least recently used handles beyond the limit. Returns the handle to use.
  std::shared_ptr<OpenFile> insert(std::size_t file, std::shared_ptr<OpenFile> handle);
  void erase(std::size_t file);
  void clear();
  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<OpenFile> handle;
    std::list<std::size_t>::iterator lru;  // position in lru_
  };

  std::size_t limit_;
  mutable std::mutex mutex_;
  std::list<std::size_t> lru_;  // most recently used first
  std::unordered_map<std::size_t, Entry> entries_;
};

}  // namespace btnode::storage
