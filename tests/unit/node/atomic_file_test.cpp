#include "node/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace btnode::node {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("btnode-atomic-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(AtomicFileTest, WritesThenReplacesWithoutLeavingTempFiles) {
  const auto path = dir_ / "state";
  ASSERT_TRUE(write_file_atomically(path, "first"));
  ASSERT_TRUE(write_file_atomically(path, std::string("second\0bytes", 12)));
  auto read = read_small_file(path, 100);
  ASSERT_TRUE(read);
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, std::string("second\0bytes", 12));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_F(AtomicFileTest, MissingFileIsNoValueNotAnError) {
  auto read = read_small_file(dir_ / "absent", 100);
  ASSERT_TRUE(read);
  EXPECT_FALSE(read->has_value());
}

TEST_F(AtomicFileTest, OversizedFileIsAnError) {
  std::ofstream(dir_ / "big") << std::string(200, 'x');
  EXPECT_FALSE(read_small_file(dir_ / "big", 100));
}

TEST_F(AtomicFileTest, UnwritableDirectoryIsAnError) {
  const auto result = write_file_atomically(dir_ / "no-such-dir" / "state", "x");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("cannot create"), std::string::npos);
}

}  // namespace
}  // namespace btnode::node
