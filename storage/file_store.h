// One torrent's files on disk: reads and writes of torrent byte ranges with
// pread/pwrite, through the piece<->file mapping of core/file_layout.
//
// pread/pwrite rather than mmap: mmap's page cache shows up as the process's
// memory (users read it as a leak) and its I/O errors arrive as SIGBUS
// instead of an errno we can turn into a message.
//
// Files are created lazily, with their directories, on the first write that
// touches them (0-byte files by create_files()); pad files are never created.
// Files are sparse unless preallocation is asked for. All paths stay below
// the download directory (see confined_open.h).
//
// Thread-safe: workers may read and write concurrently as long as their
// writes touch disjoint byte ranges (pieces never overlap).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_layout.h"
#include "core/metainfo.h"
#include "core/result.h"
#include "storage/disk_error.h"
#include "storage/file_cache.h"
#include "storage/file_system.h"

namespace btnode::storage {

struct FileStoreOptions {
  std::size_t max_open_files = 64;
  // Allocate every file at full size up front (fallocate), so a full disk is
  // found at start instead of halfway through the download. Default: sparse.
  bool preallocate = false;
  FileSystem* fs = nullptr;  // nullptr = posix_file_system(); tests inject errors here
};

struct FileStat {
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStat&) const = default;
};

class FileStore {
 public:
  // `paths` are relative to `download_dir`, one per file of `layout` (pad
  // files' paths are never used). They must be sanitised (core/metainfo).
  FileStore(FileLayout layout, std::vector<std::string> paths, std::filesystem::path download_dir,
            FileStoreOptions options = {});
  ~FileStore();
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  // The torrent's files under download_dir, as CLI.md lays them out.
  static Result<std::unique_ptr<FileStore>> for_torrent(const Metainfo& meta,
                                                        const std::filesystem::path& download_dir,
                                                        FileStoreOptions options = {});

  const FileLayout& layout() const { return layout_; }
  const std::string& path(std::size_t file) const { return paths_[file]; }

  // Writes torrent bytes [offset, offset + data.size()); pad parts are skipped.
  std::optional<DiskError> write(std::int64_t offset, std::string_view data);
  // Reads torrent bytes [offset, offset + out.size()); pad parts read as zeros.
  // A missing file is `file_deleted`, one that ends early `file_truncated`.
  std::optional<DiskError> read(std::int64_t offset, std::span<char> out);

  // Creates every 0-byte file and, with preallocate, every file at full size.
  std::optional<DiskError> create_files();
  // fdatasync()s every file written since the last flush, so resume data
  // written after it never claims bytes that are only in the page cache.
  std::optional<DiskError> flush();
  // Size and mtime of each file (nullopt: missing, or a pad file). Files
  // found are remembered as existing: if one disappears later, a write
  // reports `file_deleted` instead of silently creating an empty file.
  std::vector<std::optional<FileStat>> stat_files();
  // Closes every cached file (e.g. when the torrent stops).
  void close_files() { cache_.clear(); }
  std::size_t open_files() const { return cache_.size(); }

 private:
  struct FileState;  // per-file atomics, see file_store.cpp

  std::optional<DiskError> write_slice(const FileSlice& slice, const char* data);
  std::optional<DiskError> read_slice(const FileSlice& slice, char* data);
  std::optional<DiskError> check_still_there(std::size_t file, int fd, std::int64_t offset);
  std::optional<DiskError> create_one(std::size_t file);
  // The cached or a freshly opened handle; nullptr and `error` on failure.
  std::shared_ptr<OpenFile> open(std::size_t file, bool write, DiskError& error);
  int root_fd(bool create, DiskError& error);

  FileLayout layout_;
  std::vector<std::string> paths_;
  std::filesystem::path download_dir_;
  FileStoreOptions options_;
  FileSystem& fs_;
  FileCache cache_;
  std::unique_ptr<FileState[]> state_;
  std::mutex root_mutex_;
  int root_fd_ = -1;
};

}  // namespace btnode::storage
