#include "storage/file_store.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "storage/confined_open.h"

namespace btnode::storage {

// What we know of one file across threads, without a lock.
struct FileStore::FileState {
  // -1: not known to exist. Otherwise the file existed and holds at least
  // this many bytes that we wrote or found: a later size below it means
  // someone truncated the file under us.
  std::atomic<std::int64_t> known_size{-1};
  std::atomic<bool> dirty{false};  // written since the last flush()
};

namespace {

void raise_to(std::atomic<std::int64_t>& value, std::int64_t at_least) {
  std::int64_t seen = value.load();
  while (seen < at_least && !value.compare_exchange_weak(seen, at_least)) {
  }
}

}  // namespace

FileStore::FileStore(FileLayout layout, std::vector<std::string> paths,
                     std::filesystem::path download_dir, FileStoreOptions options)
    : layout_(std::move(layout)),
      paths_(std::move(paths)),
      download_dir_(std::move(download_dir)),
      options_(options),
      fs_(options.fs != nullptr ? *options.fs : posix_file_system()),
      cache_(options.max_open_files),
      state_(std::make_unique<FileState[]>(layout_.file_count())) {}

FileStore::~FileStore() {
  cache_.clear();
  if (root_fd_ >= 0) fs_.close(root_fd_);
}

Result<std::unique_ptr<FileStore>> FileStore::for_torrent(const Metainfo& meta,
                                                          const std::filesystem::path& download_dir,
                                                          FileStoreOptions options) {
  auto layout = FileLayout::from_metainfo(meta);
  if (!layout) return fail(layout.error());
  std::vector<std::string> paths;
  paths.reserve(meta.files.size());
  for (const auto& f : meta.files) paths.push_back(f.relative_path);
  return std::make_unique<FileStore>(std::move(*layout), std::move(paths), download_dir, options);
}

int FileStore::root_fd(bool create, DiskError& error) {
  std::lock_guard lock(root_mutex_);
  if (root_fd_ >= 0) return root_fd_;
  std::error_code ec;
  if (create) std::filesystem::create_directories(download_dir_, ec);
  const int fd =
      ec ? -ec.value() : fs_.openat(AT_FDCWD, download_dir_.c_str(), O_PATH | O_DIRECTORY, 0);
  if (fd < 0) {
    error = disk_error(-fd, create ? DiskOp::create : DiskOp::open, download_dir_.string());
    return -1;
  }
  root_fd_ = fd;
  return fd;
}

std::shared_ptr<OpenFile> FileStore::open(std::size_t file, bool write, DiskError& error) {
  if (auto cached = cache_.find(file, write)) return cached;
  const int root = root_fd(write, error);
  if (root < 0) return nullptr;
  // A file we know existed is never re-created: that would hide its deletion.
  const bool may_create = write && state_[file].known_size.load() < 0;
  ConfinedOpen how{write ? O_RDWR : O_RDONLY, may_create};
  if (may_create) how.flags |= O_CREAT;
  const int fd = open_confined(fs_, root, paths_[file], how);
  if (fd < 0) {
    error = disk_error(-fd, may_create ? DiskOp::create : DiskOp::open, paths_[file]);
    return nullptr;
  }
  raise_to(state_[file].known_size, 0);
  return cache_.insert(file, std::make_shared<OpenFile>(fs_, fd, write));
}

// pwrite() into a deleted file succeeds and the bytes vanish with the inode;
// so after each write the file is checked to still have a name and to be no
// shorter than what we already put there.
std::optional<DiskError> FileStore::check_still_there(std::size_t file, int fd,
                                                      std::int64_t offset) {
  // Read the size we vouch for *before* fstat: another worker may extend the
  // file and raise known_size between our fstat and the comparison, and a
  // size read after the stat would then look like a truncation.
  const std::int64_t known = state_[file].known_size.load();
  struct stat st {};
  if (const int r = fs_.fstat(fd, &st); r < 0) return disk_error(-r, DiskOp::stat, paths_[file]);
  if (st.st_nlink == 0) {
    cache_.erase(file);
    return DiskError{DiskErrorKind::file_deleted, DiskOp::write, 0, paths_[file], offset};
  }
  if (st.st_size < known) {
    return DiskError{DiskErrorKind::file_truncated, DiskOp::write, 0, paths_[file], offset};
  }
  return std::nullopt;
}

std::optional<DiskError> FileStore::write_slice(const FileSlice& s, const char* data) {
  DiskError error;
  auto handle = open(s.file, true, error);
  if (!handle) return error;
  const std::int64_t end = s.file_offset + s.length;
  for (std::int64_t done = 0; done < s.length;) {
    const auto n = static_cast<std::size_t>(s.length - done);
    const std::int64_t r = fs_.pwrite(handle->fd(), data + done, n, s.file_offset + done);
    // 0 is impossible for a regular file; treat it like ENOSPC rather than spin.
    if (r <= 0)
      return disk_error(r < 0 ? static_cast<int>(-r) : ENOSPC, DiskOp::write, paths_[s.file],
                        s.file_offset + done);
    done += r;
  }
  state_[s.file].dirty.store(true);
  if (auto gone = check_still_there(s.file, handle->fd(), s.file_offset)) return gone;
  raise_to(state_[s.file].known_size, end);
  return std::nullopt;
}

std::optional<DiskError> FileStore::write(std::int64_t offset, std::string_view data) {
  std::optional<DiskError> error;
  layout_.for_each_slice(offset, static_cast<std::int64_t>(data.size()), [&](const FileSlice& s) {
    if (s.pad) return true;  // BEP 47: pad bytes are zeros that never reach the disk
    error = write_slice(s, data.data() + s.range_offset);
    return !error;
  });
  return error;
}

std::optional<DiskError> FileStore::read_slice(const FileSlice& s, char* data) {
  if (s.pad) {
    std::memset(data, 0, static_cast<std::size_t>(s.length));
    return std::nullopt;
  }
  DiskError error;
  auto handle = open(s.file, false, error);
  if (!handle) {
    if (error.kind == DiskErrorKind::file_deleted) error.op = DiskOp::read;
    return error;
  }
  for (std::int64_t done = 0; done < s.length;) {
    const auto n = static_cast<std::size_t>(s.length - done);
    const std::int64_t r = fs_.pread(handle->fd(), data + done, n, s.file_offset + done);
    if (r < 0)
      return disk_error(static_cast<int>(-r), DiskOp::read, paths_[s.file], s.file_offset + done);
    if (r == 0) {
      return DiskError{DiskErrorKind::file_truncated, DiskOp::read, 0, paths_[s.file],
                       s.file_offset + done};
    }
    done += r;
  }
  return std::nullopt;
}

std::optional<DiskError> FileStore::read(std::int64_t offset, std::span<char> out) {
  std::optional<DiskError> error;
  layout_.for_each_slice(offset, static_cast<std::int64_t>(out.size()), [&](const FileSlice& s) {
    error = read_slice(s, out.data() + s.range_offset);
    return !error;
  });
  return error;
}

std::optional<DiskError> FileStore::create_one(std::size_t file) {
  DiskError error;
  auto handle = open(file, true, error);
  if (!handle) return error;
  const std::int64_t size = layout_.file(file).size;
  if (!options_.preallocate || size == 0) return std::nullopt;
  // Only grows the file; existing bytes are kept.
  if (const int r = fs_.fallocate(handle->fd(), 0, size); r < 0) {
    // A filesystem without fallocate stays sparse; that is not an error.
    if (r == -EOPNOTSUPP) return std::nullopt;
    return disk_error(-r, DiskOp::preallocate, paths_[file], 0);
  }
  raise_to(state_[file].known_size, size);  // shrinking it now would be a truncation
  return std::nullopt;
}

std::optional<DiskError> FileStore::create_files() {
  for (std::size_t i = 0; i < layout_.file_count(); ++i) {
    if (layout_.file(i).pad) continue;
    if (layout_.file(i).size != 0 && !options_.preallocate) continue;  // created by its first write
    if (auto error = create_one(i)) return error;
  }
  return std::nullopt;
}

std::optional<DiskError> FileStore::flush() {
  for (std::size_t i = 0; i < layout_.file_count(); ++i) {
    if (!state_[i].dirty.exchange(false)) continue;
    DiskError error;
    auto handle = open(i, true, error);
    int r = handle ? fs_.fdatasync(handle->fd()) : 0;
    if (!handle || r < 0) {
      state_[i].dirty.store(true);  // still unsynced: try again next time
      return handle ? disk_error(-r, DiskOp::sync, paths_[i]) : error;
    }
  }
  return std::nullopt;
}

std::vector<std::optional<FileStat>> FileStore::stat_files() {
  std::vector<std::optional<FileStat>> out(layout_.file_count());
  DiskError ignored;
  const int root = root_fd(false, ignored);
  if (root < 0) return out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (layout_.file(i).pad) continue;
    const int fd = open_confined(fs_, root, paths_[i], {O_RDONLY, false});
    if (fd < 0) continue;
    struct stat st {};
    if (fs_.fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      const std::int64_t ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
      out[i] = FileStat{st.st_size, ns};
      raise_to(state_[i].known_size, st.st_size);
    }
    fs_.close(fd);
  }
  return out;
}

}  // namespace btnode::storage
