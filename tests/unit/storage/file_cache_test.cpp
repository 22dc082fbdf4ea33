#include "storage/file_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace btnode::storage {
namespace {

std::shared_ptr<OpenFile> dev_null(bool writable) {
  return std::make_shared<OpenFile>(posix_file_system(), ::open("/dev/null", O_RDWR), writable);
}

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

TEST(FileCache, EvictsLeastRecentlyUsedBeyondLimit) {
  FileCache cache(2);
  const int fd0 = cache.insert(0, dev_null(true))->fd();
  cache.insert(1, dev_null(true));
  ASSERT_TRUE(cache.find(0, false));  // 0 is now the most recent
  cache.insert(2, dev_null(true));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find(0, true));
  EXPECT_FALSE(cache.find(1, false));
  EXPECT_TRUE(cache.find(2, false));
  EXPECT_TRUE(is_open(fd0));
}

TEST(FileCache, EvictedHandleStaysOpenWhileInUse) {
  FileCache cache(1);
  auto held = cache.insert(0, dev_null(true));
  const int fd = held->fd();
  cache.insert(1, dev_null(true));
  EXPECT_FALSE(cache.find(0, false));
  EXPECT_TRUE(is_open(fd));
  held.reset();
  EXPECT_FALSE(is_open(fd));
}

TEST(FileCache, ReadOnlyHandleIsNotUsedForWritingAndGetsReplaced) {
  FileCache cache(4);
  cache.insert(0, dev_null(false));
  EXPECT_TRUE(cache.find(0, false));
  EXPECT_FALSE(cache.find(0, true));
  auto w = cache.insert(0, dev_null(true));
  EXPECT_EQ(cache.find(0, true), w);
  // A read-only handle opened concurrently does not replace the writable one.
  EXPECT_EQ(cache.insert(0, dev_null(false)), w);
  EXPECT_EQ(cache.size(), 1u);
  cache.erase(0);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace btnode::storage
