#include "storage/confined_open.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "tests/unit/storage/storage_test_support.h"

namespace btnode::storage {
namespace {

using testing::TempDir;

class ConfinedOpenTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = ::open(dir_.path().c_str(), O_PATH | O_DIRECTORY); }
  void TearDown() override { ::close(root_); }
  int open(std::string_view rel, ConfinedOpen how) {
    const int fd = open_confined(posix_file_system(), root_, rel, how);
    if (fd >= 0) ::close(fd);
    return fd;
  }
  TempDir dir_;
  TempDir outside_;
  int root_ = -1;
};

TEST_F(ConfinedOpenTest, CreatesDirectoriesOnlyWhenAsked) {
  EXPECT_EQ(open("a/b/c.bin", {O_RDWR | O_CREAT, false}), -ENOENT);
  EXPECT_GE(open("a/b/c.bin", {O_RDWR | O_CREAT, true}), 0);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir_ / "a/b/c.bin"));
  EXPECT_GE(open("a/b/c.bin", {O_RDONLY, false}), 0);
}

TEST_F(ConfinedOpenTest, RejectsTraversalComponents) {
  for (auto rel : {"../x", "a/../x", "./x", "a//x", "", "x/"}) {
    EXPECT_EQ(open(rel, {O_RDWR | O_CREAT, true}), -EINVAL) << rel;
  }
}

TEST_F(ConfinedOpenTest, NeverFollowsSymlinks) {
  std::filesystem::create_directory_symlink(outside_.path(), dir_ / "link");
  std::filesystem::create_symlink(outside_ / "f", dir_ / "file");
  EXPECT_LT(open("link/x", {O_RDWR | O_CREAT, true}), 0);  // ENOTDIR or ELOOP
  EXPECT_EQ(open("file", {O_RDWR | O_CREAT, true}), -ELOOP);
  EXPECT_TRUE(std::filesystem::is_empty(outside_.path()));
}

}  // namespace
}  // namespace btnode::storage
