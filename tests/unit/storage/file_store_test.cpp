#include "storage/file_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/unit/storage/storage_test_support.h"

namespace btnode::storage {
namespace {

namespace fs = std::filesystem;
using testing::Content;
using testing::FaultyFileSystem;
using ::testing::HasSubstr;
using testing::make_content;
using testing::make_store;
using testing::read_file;
using testing::TempDir;

constexpr std::int64_t kPiece = 16384;

// Files: f0 10000, f1 (0 bytes), pad 3000, f3 50000, f4 (0 bytes), f5 7000.
Content sample() {
  return make_content({10000, 0, -3000, 50000, 0, 7000}, kPiece);
}

std::optional<DiskError> write_piece(FileStore& s, const Content& c, std::int64_t p) {
  return s.write(c.layout().piece_offset(p), c.piece(p));
}

std::string read_piece(FileStore& s, const Content& c, std::int64_t p, DiskError* err = nullptr) {
  std::string out(static_cast<std::size_t>(c.layout().piece_size(p)), '?');
  auto e = s.read(c.layout().piece_offset(p), out);
  if (e && err != nullptr) *err = *e;
  return e ? "" : out;
}

TEST(FileStore, WritesAndReadsPiecesAcrossFilesAndNeverWritesPads) {
  TempDir dir;
  const Content c = sample();
  auto s = make_store(c, dir.path());
  ASSERT_FALSE(s->create_files());
  EXPECT_TRUE(fs::exists(dir / "t/d/f1"));  // 0-byte files exist after create_files
  EXPECT_EQ(fs::file_size(dir / "t/f4"), 0u);
  EXPECT_FALSE(fs::exists(dir / "t/f0"));  // others only once written
  for (std::int64_t p = 0; p < c.layout().piece_count(); ++p) {
    ASSERT_FALSE(write_piece(*s, c, p)) << p;
  }
  for (std::int64_t p = 0; p < c.layout().piece_count(); ++p) {
    EXPECT_EQ(read_piece(*s, c, p), c.piece(p)) << p;
  }
  for (std::size_t f : {0u, 3u, 5u}) EXPECT_EQ(read_file(dir / c.paths[f]), c.file_bytes(f));
  EXPECT_FALSE(fs::exists(dir / "t/.pad"));
}

TEST(FileStore, CreatesFilesAndDirectoriesLazily) {
  TempDir dir;
  const Content c = sample();
  auto s = make_store(c, dir.path() / "new/download");
  ASSERT_FALSE(write_piece(*s, c, 0));  // f0 + pad + start of f3
  EXPECT_TRUE(fs::exists(dir / "new/download/t/f0"));
  EXPECT_TRUE(fs::exists(dir / "new/download/t/d/f3"));
  EXPECT_FALSE(fs::exists(dir / "new/download/t/d/f5"));
}

TEST(FileStore, SparseByDefaultPreallocatedOnRequest) {
  TempDir dir;
  const Content c = make_content({4 << 20}, 1 << 20);
  auto sparse = make_store(c, dir / "sparse");
  ASSERT_FALSE(write_piece(*sparse, c, 3));  // only the last MiB
  struct stat st {};
  ASSERT_EQ(::stat((dir / "sparse/t/f0").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 4 << 20);
  EXPECT_LT(st.st_blocks * 512, 2 << 20) << "the first 3 MiB should be a hole";

  FileStoreOptions options;
  options.preallocate = true;
  auto full = make_store(c, dir / "full", options);
  ASSERT_FALSE(full->create_files());
  ASSERT_EQ(::stat((dir / "full/t/f0").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 4 << 20);
  EXPECT_GE(st.st_blocks * 512, 4 << 20);
}

TEST(FileStore, OpenFileCacheStaysWithinItsLimit) {
  TempDir dir;
  const Content c = make_content(std::vector<std::int64_t>(20, 5000), kPiece);
  FaultyFileSystem fsys;
  FileStoreOptions options;
  options.max_open_files = 4;
  options.fs = &fsys;
  auto s = make_store(c, dir.path(), options);
  for (std::int64_t p = 0; p < c.layout().piece_count(); ++p) ASSERT_FALSE(write_piece(*s, c, p));
  EXPECT_LE(s->open_files(), 4u);
  EXPECT_EQ(fsys.opens, 20);  // in-order writes open each file once
  for (std::int64_t p = 0; p < c.layout().piece_count(); ++p) {
    EXPECT_EQ(read_piece(*s, c, p), c.piece(p));
  }
  EXPECT_LE(s->open_files(), 4u);
}

TEST(FileStore, ReadingMissingOrShortFilesIsTyped) {
  TempDir dir;
  const Content c = sample();
  auto s = make_store(c, dir.path());
  DiskError e;
  EXPECT_EQ(read_piece(*s, c, 0, &e), "");
  EXPECT_EQ(e.kind, DiskErrorKind::file_deleted);
  EXPECT_EQ(e.message(), "file deleted reading 't/f0'");
  testing::write_file(dir / "t/f0", c.file_bytes(0).substr(0, 100));
  EXPECT_EQ(read_piece(*s, c, 0, &e), "");
  EXPECT_EQ(e.message(), "file truncated reading 't/f0' at offset 100");
}

TEST(FileStore, FileDeletedUnderRunningTorrentIsReportedNotRecreated) {
  TempDir dir;
  const Content c = make_content({5 * kPiece}, kPiece);
  auto s = make_store(c, dir.path());
  ASSERT_FALSE(write_piece(*s, c, 0));
  fs::remove(dir / "t/f0");
  auto e = write_piece(*s, c, 1);  // through the cached fd of the deleted file
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, DiskErrorKind::file_deleted);
  EXPECT_EQ(e->message(), "file deleted writing 't/f0' at offset 16384");
  e = write_piece(*s, c, 2);  // a fresh open must not silently create a new file
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, DiskErrorKind::file_deleted);
  EXPECT_FALSE(fs::exists(dir / "t/f0"));
}

TEST(FileStore, FileTruncatedUnderRunningTorrentIsReported) {
  TempDir dir;
  const Content c = make_content({5 * kPiece}, kPiece);
  auto s = make_store(c, dir.path());
  ASSERT_FALSE(write_piece(*s, c, 2));
  ASSERT_EQ(::truncate((dir / "t/f0").c_str(), 100), 0);
  auto e = write_piece(*s, c, 0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, DiskErrorKind::file_truncated);
  DiskError r;
  EXPECT_EQ(read_piece(*s, c, 2, &r), "");
  EXPECT_EQ(r.kind, DiskErrorKind::file_truncated);
}

// posix_file_system() whose first fstat, once armed, holds its result until
// released: it freezes a worker between its stat and its size comparison.
class PausingStatFileSystem final : public testing::FaultyFileSystem {
 public:
  int fstat(int fd, struct stat* st) override {
    const int r = posix_file_system().fstat(fd, st);
    if (armed_.exchange(false)) {
      std::unique_lock lock(mutex_);
      paused_ = true;
      changed_.notify_all();
      changed_.wait_for(lock, std::chrono::seconds(10), [this] { return released_; });
    }
    return r;
  }
  void arm() { armed_ = true; }
  bool wait_paused() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [this] { return paused_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::atomic<bool> armed_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool paused_ = false;
  bool released_ = false;
};

// Two workers writing pieces of one file: one extends the file while the
// other sits between its fstat and the comparison. That is not a truncation.
TEST(FileStore, ConcurrentWriteThatExtendsTheFileIsNotATruncation) {
  TempDir dir;
  const Content c = make_content({4 * kPiece}, kPiece);
  PausingStatFileSystem pausing;
  auto s = make_store(c, dir.path(), {.fs = &pausing});
  pausing.arm();
  std::optional<DiskError> first;
  std::thread worker([&] { first = write_piece(*s, c, 0); });
  ASSERT_TRUE(pausing.wait_paused());
  const auto last = write_piece(*s, c, 3);  // grows the file to its full size
  pausing.release();
  worker.join();
  EXPECT_FALSE(last) << last->message();
  EXPECT_FALSE(first) << first->message();
  EXPECT_EQ(read_piece(*s, c, 0), c.piece(0));
  EXPECT_EQ(read_piece(*s, c, 3), c.piece(3));
}

TEST(FileStore, TruncationOfAFileFoundAtStartIsReported) {
  TempDir dir;
  const Content c = make_content({5 * kPiece}, kPiece);
  testing::write_file(dir / "t/f0", c.all);
  auto s = make_store(c, dir.path());
  ASSERT_TRUE(s->stat_files()[0]);
  ASSERT_EQ(::truncate((dir / "t/f0").c_str(), kPiece), 0);
  auto e = write_piece(*s, c, 0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, DiskErrorKind::file_truncated);
}

struct Injected {
  int code;
  DiskErrorKind kind;
  const char* words;
};

class FileStoreInjected : public ::testing::TestWithParam<Injected> {};

TEST_P(FileStoreInjected, EveryOperationEndsInTheTypedError) {
  const Injected in = GetParam();
  const Content c = sample();
  const std::string words = in.words;
  auto run = [&](std::atomic<int> FaultyFileSystem::*field, auto op) {
    TempDir dir;
    FaultyFileSystem fsys;
    FileStoreOptions options;
    options.fs = &fsys;
    options.preallocate = field == &FaultyFileSystem::fallocate_errno;
    auto s = make_store(c, dir.path(), options);
    testing::write_file(dir / "t/f0", c.file_bytes(0));  // for the read case
    (fsys.*field) = in.code;
    std::optional<DiskError> e = op(*s);
    EXPECT_TRUE(e.has_value());
    return e.value_or(DiskError{});
  };
  auto e = run(&FaultyFileSystem::pwrite_errno, [&](FileStore& s) { return write_piece(s, c, 1); });
  EXPECT_EQ(e.kind, in.kind);
  EXPECT_EQ(e.message(), words + " writing 't/d/f3' at offset 3384");
  e = run(&FaultyFileSystem::open_errno, [&](FileStore& s) { return write_piece(s, c, 1); });
  EXPECT_EQ(e.message(), words + " creating 't/d/f3'");
  e = run(&FaultyFileSystem::mkdir_errno, [&](FileStore& s) { return write_piece(s, c, 1); });
  EXPECT_EQ(e.message(), words + " creating 't/d/f3'");
  e = run(&FaultyFileSystem::pread_errno, [&](FileStore& s) {
    std::string out(100, '\0');
    return s.read(0, out);
  });
  EXPECT_EQ(e.message(), words + " reading 't/f0' at offset 0");
  e = run(&FaultyFileSystem::fallocate_errno, [&](FileStore& s) { return s.create_files(); });
  EXPECT_EQ(e.message(), words + " preallocating 't/f0' at offset 0");
  e = run(&FaultyFileSystem::fdatasync_errno, [&](FileStore& s) {
    EXPECT_FALSE(write_piece(s, c, 3));
    return s.flush();
  });
  EXPECT_EQ(e.message(), words + " syncing 't/d/f3'");
}

INSTANTIATE_TEST_SUITE_P(
    Errno, FileStoreInjected,
    ::testing::Values(Injected{ENOSPC, DiskErrorKind::disk_full, "disk full"},
                      Injected{EDQUOT, DiskErrorKind::quota, "disk quota exceeded"},
                      Injected{EACCES, DiskErrorKind::permission, "permission denied"},
                      Injected{EROFS, DiskErrorKind::read_only, "read-only file system"},
                      Injected{EIO, DiskErrorKind::io, "I/O error"},
                      Injected{EFBIG, DiskErrorKind::file_too_large, "file too large"},
                      Injected{ENAMETOOLONG, DiskErrorKind::name_too_long, "file name too long"}));

TEST(FileStore, FailedFlushIsRetriedNextTime) {
  TempDir dir;
  const Content c = sample();
  FaultyFileSystem fsys;
  FileStoreOptions options;
  options.fs = &fsys;
  auto s = make_store(c, dir.path(), options);
  ASSERT_FALSE(write_piece(*s, c, 0));
  fsys.fdatasync_errno = EIO;
  ASSERT_TRUE(s->flush());
  fsys.fdatasync_errno = 0;
  EXPECT_FALSE(s->flush());
}

TEST(FileStore, StatFilesReportsSizeAndNanosecondMtime) {
  TempDir dir;
  const Content c = sample();
  auto s = make_store(c, dir.path());
  ASSERT_FALSE(write_piece(*s, c, 0));
  const auto stats = s->stat_files();
  ASSERT_EQ(stats.size(), c.files.size());
  ASSERT_TRUE(stats[0]);
  EXPECT_EQ(stats[0]->size, 10000);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "t/f0").c_str(), &st), 0);
  EXPECT_EQ(stats[0]->mtime_ns, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec);
  EXPECT_FALSE(stats[2]);  // pad
  EXPECT_FALSE(stats[5]);  // not written yet
}

TEST(FileStore, SymlinkPlantedInTheDownloadDirIsNotFollowed) {
  TempDir dir;
  TempDir outside;
  const Content c = sample();
  fs::create_directories(dir / "t");
  fs::create_directory_symlink(outside.path(), dir / "t/d");
  auto s = make_store(c, dir.path());
  auto e = write_piece(*s, c, 1);  // lands in t/d/f3
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, DiskErrorKind::not_a_file);
  EXPECT_TRUE(fs::is_empty(outside.path()));
}

// ---- real filesystems: where the environment allows mounting (CI runs as root).

class Mount {
 public:
  Mount(const fs::path& target, const char* type, const char* data, unsigned long flags = 0,
        const char* source = "tmpfs")
      : target_(target) {
    ok_ = ::mount(source, target.c_str(), type, flags, data) == 0;
    error_ = ok_ ? "" : std::strerror(errno);
  }
  ~Mount() {
    if (ok_) ::umount2(target_.c_str(), MNT_DETACH);
  }
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  fs::path target_;
  bool ok_ = false;
  std::string error_;
};

TEST(FileStoreRealDisk, FullTmpfsEndsInDiskFull) {
  TempDir dir;
  Mount tmpfs(dir.path(), "tmpfs", "size=64k");
  if (!tmpfs.ok()) GTEST_SKIP() << "cannot mount a 64 KiB tmpfs (" << tmpfs.error() << ")";
  const Content c = make_content({256 << 10}, kPiece);
  auto s = make_store(c, dir.path());
  std::optional<DiskError> e;
  for (std::int64_t p = 0; p < c.layout().piece_count() && !e; ++p) e = write_piece(*s, c, p);
  ASSERT_TRUE(e) << "256 KiB fitted into a 64 KiB tmpfs";
  EXPECT_EQ(e->kind, DiskErrorKind::disk_full);
  EXPECT_THAT(e->message(), HasSubstr("disk full writing 't/f0' at offset "));
}

TEST(FileStoreRealDisk, FileSizeLimitEndsInFileTooLarge) {
  TempDir dir;
  const Content c = make_content({256 << 10}, kPiece);
  auto s = make_store(c, dir.path());
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // so the write fails with EFBIG instead
  rlimit small = old;
  small.rlim_cur = 64 << 10;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::optional<DiskError> e;
  for (std::int64_t p = 0; p < c.layout().piece_count() && !e; ++p) e = write_piece(*s, c, p);
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, DiskErrorKind::file_too_large);
  EXPECT_EQ(e->message(), "file too large writing 't/f0' at offset 65536");
}

TEST(FileStoreRealDisk, ReadOnlyDirectoryEndsInTypedError) {
  TempDir dir;
  const Content c = sample();
  if (::geteuid() != 0) {  // permission bits work for everyone but root
    fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
    auto e = write_piece(*make_store(c, dir.path()), c, 0);
    fs::permissions(dir.path(), fs::perms::owner_all);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->message(), "permission denied creating 't/f0'");
    return;
  }
  // Root ignores permission bits, so use a read-only bind mount instead.
  Mount bind(dir.path(), nullptr, nullptr, MS_BIND, dir.path().c_str());
  if (!bind.ok()) GTEST_SKIP() << "cannot bind-mount as root (" << bind.error() << ")";
  Mount ro(dir.path(), nullptr, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, dir.path().c_str());
  if (!ro.ok()) GTEST_SKIP() << "cannot remount read-only (" << ro.error() << ")";
  auto e = write_piece(*make_store(c, dir.path()), c, 0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, DiskErrorKind::read_only);
  EXPECT_EQ(e->message(), "read-only file system creating 't/f0'");
}

}  // namespace
}  // namespace btnode::storage
