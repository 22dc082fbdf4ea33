// The real system-call layer: results and the -errno convention that the
// rest of storage relies on for its typed errors.
#include "storage/file_system.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "tests/unit/core/test_files.h"

namespace btnode::storage {
namespace {

using btnode::testing::TempDir;

class PosixFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_fd_ = fs_.openat(AT_FDCWD, dir_.path().c_str(), O_PATH | O_DIRECTORY, 0);
    ASSERT_GE(dir_fd_, 0);
  }
  void TearDown() override {
    if (dir_fd_ >= 0) fs_.close(dir_fd_);
  }

  FileSystem& fs_ = posix_file_system();
  TempDir dir_;
  int dir_fd_ = -1;
};

TEST_F(PosixFileSystemTest, WritesReadsAndStatsThroughDescriptors) {
  const int fd = fs_.openat(dir_fd_, "f.bin", O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  const std::string data = "hello, pieces";
  EXPECT_EQ(fs_.pwrite(fd, data.data(), data.size(), 100), static_cast<std::int64_t>(data.size()));
  std::string back(data.size(), '\0');
  EXPECT_EQ(fs_.pread(fd, back.data(), back.size(), 100), static_cast<std::int64_t>(data.size()));
  EXPECT_EQ(back, data);
  struct stat st {};
  ASSERT_EQ(fs_.fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 100 + static_cast<off_t>(data.size()));  // the gap before 100 is a hole
  EXPECT_EQ(fs_.fdatasync(fd), 0);
  EXPECT_EQ(fs_.pread(fd, back.data(), back.size(), 1000), 0) << "reading past the end is 0 bytes";
  EXPECT_EQ(fs_.close(fd), 0);
}

TEST_F(PosixFileSystemTest, FailuresReturnNegativeErrno) {
  EXPECT_EQ(fs_.openat(dir_fd_, "missing", O_RDONLY, 0), -ENOENT);
  ASSERT_EQ(fs_.mkdirat(dir_fd_, "sub", 0755), 0);
  EXPECT_EQ(fs_.mkdirat(dir_fd_, "sub", 0755), -EEXIST);
  struct stat st {};
  EXPECT_EQ(fs_.fstatat(dir_fd_, "missing", &st, 0), -ENOENT);
  EXPECT_EQ(fs_.fstat(-1, &st), -EBADF);
  char byte = 0;
  EXPECT_EQ(fs_.pread(-1, &byte, 1, 0), -EBADF);
  EXPECT_EQ(fs_.pwrite(-1, &byte, 1, 0), -EBADF);
  EXPECT_EQ(fs_.fdatasync(-1), -EBADF);
  EXPECT_EQ(fs_.close(-1), -EBADF);
}

TEST_F(PosixFileSystemTest, WritingToAReadOnlyDescriptorIsEbadf) {
  const int w = fs_.openat(dir_fd_, "r.bin", O_RDWR | O_CREAT, 0644);
  ASSERT_GE(w, 0);
  fs_.close(w);
  const int r = fs_.openat(dir_fd_, "r.bin", O_RDONLY, 0);
  ASSERT_GE(r, 0);
  const char byte = 1;
  EXPECT_EQ(fs_.pwrite(r, &byte, 1, 0), -EBADF);
  fs_.close(r);
}

TEST_F(PosixFileSystemTest, FallocateGrowsTheFileOrSaysItCannot) {
  const int fd = fs_.openat(dir_fd_, "big.bin", O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  const int r = fs_.fallocate(fd, 0, 1 << 20);
  if (r == -EOPNOTSUPP) GTEST_SKIP() << "this filesystem has no fallocate";
  ASSERT_EQ(r, 0);
  struct stat st {};
  ASSERT_EQ(fs_.fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 1 << 20);
  fs_.close(fd);
}

TEST_F(PosixFileSystemTest, DescriptorsAreCloseOnExec) {
  const int fd = fs_.openat(dir_fd_, "c.bin", O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC) << "a spawned child must not inherit our files";
  fs_.close(fd);
}

}  // namespace
}  // namespace btnode::storage
