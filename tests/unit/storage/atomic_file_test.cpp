#include "storage/atomic_file.h"

#include <gmock/gmock.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include "tests/unit/storage/storage_test_support.h"

namespace btnode::storage {
namespace {

using ::testing::HasSubstr;

std::filesystem::path temp_of(const std::filesystem::path& path) {
  std::filesystem::path t = path;
  t += ".tmp." + std::to_string(::getpid());
  return t;
}

std::size_t entries(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}
using testing::read_file;
using testing::TempDir;

TEST(AtomicFile, WritesAndReplacesWithoutLeavingTheTemporary) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir / "state", "one"));
  EXPECT_EQ(read_file(dir / "state"), "one");
  ASSERT_TRUE(write_file_atomically(dir / "state", "two, longer"));
  EXPECT_EQ(read_file(dir / "state"), "two, longer");
  EXPECT_EQ(entries(dir.path()), 1u) << "no temporary left beside it";
}

TEST(AtomicFile, StaleTemporaryFromACrashIsOverwritten) {
  TempDir dir;
  testing::write_file(temp_of(dir / "state"), std::string(1000, 'x'));
  ASSERT_TRUE(write_file_atomically(dir / "state", "new"));
  EXPECT_EQ(read_file(dir / "state"), "new");
}

TEST(AtomicFile, FailureNamesTheFileAndKeepsTheOldContent) {
  TempDir dir;
  auto r = write_file_atomically(dir / "missing/state", "x");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("creating '" + temp_of(dir / "missing/state").string()));
  std::filesystem::create_directory(dir / "state");  // rename over a directory fails
  testing::write_file(dir / "state/keep", "old");
  EXPECT_FALSE(write_file_atomically(dir / "state", "x"));
  EXPECT_FALSE(std::filesystem::exists(temp_of(dir / "state")));
  EXPECT_EQ(read_file(dir / "state/keep"), "old");
}

TEST(AtomicFile, BinaryContentRoundTrips) {
  TempDir dir;
  const std::string bytes("second\0bytes", 12);
  ASSERT_TRUE(write_file_atomically(dir / "state", bytes));
  auto read = read_small_file(dir / "state", 100);
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, bytes);
}

TEST(AtomicFile, MissingFileIsNoValueNotAnError) {
  TempDir dir;
  auto read = read_small_file(dir / "absent", 100);
  ASSERT_TRUE(read);
  EXPECT_FALSE(read->has_value());
}

TEST(AtomicFile, OversizedOrUnreadableFileIsAnError) {
  TempDir dir;
  testing::write_file(dir / "big", std::string(200, 'x'));
  auto big = read_small_file(dir / "big", 100);
  ASSERT_FALSE(big);
  EXPECT_THAT(big.error().message, HasSubstr("too large"));
  std::filesystem::create_directory(dir / "sub");
  EXPECT_FALSE(read_small_file(dir / "sub", 100)) << "a directory is not a state file";
}

}  // namespace
}  // namespace btnode::storage
