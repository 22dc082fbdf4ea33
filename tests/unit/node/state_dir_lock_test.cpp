#include "node/state_dir_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace btnode::node {
namespace {

class StateDirLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("btnode-lock-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(StateDirLockTest, CreatesTheDirectoryAndTakesTheLock) {
  auto lock = StateDirLock::acquire(dir_ / "nested");
  ASSERT_TRUE(lock) << lock.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "nested" / "lock"));
}

TEST_F(StateDirLockTest, ASecondHolderIsRefusedWithAClearReason) {
  auto first = StateDirLock::acquire(dir_);
  ASSERT_TRUE(first);
  auto second = StateDirLock::acquire(dir_);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use by another btnode"), std::string::npos)
      << second.error().message;
}

TEST_F(StateDirLockTest, ReleasedWhenTheHolderGoesAway) {
  {
    auto first = StateDirLock::acquire(dir_);
    ASSERT_TRUE(first);
    StateDirLock moved = std::move(*first);  // the moved-from object must not release it
    EXPECT_FALSE(StateDirLock::acquire(dir_));
  }
  EXPECT_TRUE(StateDirLock::acquire(dir_));
}

TEST_F(StateDirLockTest, OtherProcessesSeeTheLockUntilItIsReleased) {
  // flock(1) from util-linux asks the kernel the way another btnode would.
  const std::string probe = "flock -n '" + (dir_ / "lock").string() + "' true";
  auto mine = std::optional<Result<StateDirLock>>(StateDirLock::acquire(dir_));
  ASSERT_TRUE(*mine);
  EXPECT_NE(std::system(probe.c_str()), 0) << "another process took a held state dir";
  mine.reset();
  EXPECT_EQ(std::system(probe.c_str()), 0);
}

}  // namespace
}  // namespace btnode::node
