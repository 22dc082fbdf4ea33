#include "storage/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/storage/storage_test_support.h"

namespace btnode::storage {
namespace {

using ::testing::HasSubstr;
using testing::read_file;
using testing::TempDir;

TEST(AtomicFile, WritesAndReplacesWithoutLeavingTheTemporary) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir / "state", "one"));
  EXPECT_EQ(read_file(dir / "state"), "one");
  ASSERT_TRUE(write_file_atomically(dir / "state", "two, longer"));
  EXPECT_EQ(read_file(dir / "state"), "two, longer");
  EXPECT_FALSE(std::filesystem::exists(dir / "state.tmp"));
}

TEST(AtomicFile, StaleTemporaryFromACrashIsOverwritten) {
  TempDir dir;
  testing::write_file(dir / "state.tmp", std::string(1000, 'x'));
  ASSERT_TRUE(write_file_atomically(dir / "state", "new"));
  EXPECT_EQ(read_file(dir / "state"), "new");
}

TEST(AtomicFile, FailureNamesTheFileAndKeepsTheOldContent) {
  TempDir dir;
  auto r = write_file_atomically(dir / "missing/state", "x");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("creating '" + (dir / "missing/state.tmp").string()));
  std::filesystem::create_directory(dir / "state");  // rename over a directory fails
  testing::write_file(dir / "state/keep", "old");
  EXPECT_FALSE(write_file_atomically(dir / "state", "x"));
  EXPECT_FALSE(std::filesystem::exists(dir / "state.tmp"));
  EXPECT_EQ(read_file(dir / "state/keep"), "old");
}

}  // namespace
}  // namespace btnode::storage
