#include "storage/disk_error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace btnode::storage {
namespace {

TEST(DiskError, ClassifiesEachErrno) {
  EXPECT_EQ(classify_errno(ENOSPC), DiskErrorKind::disk_full);
  EXPECT_EQ(classify_errno(EDQUOT), DiskErrorKind::quota);
  EXPECT_EQ(classify_errno(EACCES), DiskErrorKind::permission);
  EXPECT_EQ(classify_errno(EPERM), DiskErrorKind::permission);
  EXPECT_EQ(classify_errno(EROFS), DiskErrorKind::read_only);
  EXPECT_EQ(classify_errno(EIO), DiskErrorKind::io);
  EXPECT_EQ(classify_errno(EFBIG), DiskErrorKind::file_too_large);
  EXPECT_EQ(classify_errno(ENAMETOOLONG), DiskErrorKind::name_too_long);
  EXPECT_EQ(classify_errno(ENOENT), DiskErrorKind::file_deleted);
  EXPECT_EQ(classify_errno(ELOOP), DiskErrorKind::not_a_file);
  EXPECT_EQ(classify_errno(EBADF), DiskErrorKind::other);
}

TEST(DiskError, MessageIsOneActionableLine) {
  EXPECT_EQ(disk_error(ENOSPC, DiskOp::write, "x/y.bin", 1048576).message(),
            "disk full writing 'x/y.bin' at offset 1048576");
  EXPECT_EQ(disk_error(EROFS, DiskOp::create, "x/y.bin").message(),
            "read-only file system creating 'x/y.bin'");
  EXPECT_EQ(disk_error(EDQUOT, DiskOp::preallocate, "a", 0).message(),
            "disk quota exceeded preallocating 'a' at offset 0");
  EXPECT_EQ((DiskError{DiskErrorKind::file_truncated, DiskOp::read, 0, "a/b", 7}).message(),
            "file truncated reading 'a/b' at offset 7");
  // "other" carries the system's words, since the kind alone says nothing.
  EXPECT_EQ(disk_error(EBADF, DiskOp::sync, "f").message(),
            "disk error (Bad file descriptor) syncing 'f'");
}

}  // namespace
}  // namespace btnode::storage
