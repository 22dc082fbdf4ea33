#include "core/path_sanitize.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace btnode {
namespace {

std::string component_error(std::string_view c) {
  auto r = check_path_component(c);
  return r ? std::string() : r.error().message;
}

TEST(PathSanitize, AcceptsOrdinaryNames) {
  for (std::string_view ok : {"a", "file.txt", ".hidden", "...", "a b", "CON", "c:d", "\xff\xfe"}) {
    EXPECT_TRUE(check_path_component(ok)) << ok;
  }
  EXPECT_TRUE(check_path_component(std::string(255, 'x')));
}

TEST(PathSanitize, RejectsTraversal) {
  EXPECT_EQ(component_error(".."), "path component '..' would escape the download directory");
  EXPECT_EQ(component_error("."), "path component '.' would escape the download directory");
}

TEST(PathSanitize, RejectsSeparatorsNulAndEmpty) {
  EXPECT_EQ(component_error(""), "empty path component");
  EXPECT_NE(component_error("/etc").find("contains '/'"), std::string::npos);
  EXPECT_NE(component_error("a/b").find("contains '/'"), std::string::npos);
  EXPECT_NE(component_error("..\\x").find("contains '\\'"), std::string::npos);
  EXPECT_NE(component_error(std::string("a\0b", 3)).find("NUL"), std::string::npos);
}

TEST(PathSanitize, RejectsOverlongComponent) {
  EXPECT_NE(component_error(std::string(256, 'x')).find("longer than 255"), std::string::npos);
}

TEST(PathSanitize, ErrorsDoNotEchoControlBytesOrHugeNames) {
  const std::string msg = component_error(std::string("\x1b[2J/") + std::string(1000, 'y'));
  EXPECT_EQ(msg.find('\x1b'), std::string::npos);
  EXPECT_NE(msg.find("\\x1b"), std::string::npos);
  EXPECT_LT(msg.size(), 200u);
}

TEST(PathSanitize, JoinsComponents) {
  auto r = sanitize_relative_path({"dir", "sub", "f.bin"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "dir/sub/f.bin");
}

TEST(PathSanitize, RejectsBadListsAnywhere) {
  EXPECT_FALSE(sanitize_relative_path({}));
  EXPECT_FALSE(sanitize_relative_path({"a", "..", "b"}));
  EXPECT_FALSE(sanitize_relative_path({"a", ""}));
  EXPECT_FALSE(sanitize_relative_path({"", "etc", "passwd"}));  // "/etc/passwd" split naively
}

TEST(PathSanitize, RejectsOverlongJoinedPath) {
  std::vector<std::string> parts(21, std::string(200, 'd'));  // 21 * 201 - 1 > 4095
  auto r = sanitize_relative_path(parts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("longer than 4095"), std::string::npos);
  parts.resize(20);  // 4019 bytes: fine
  EXPECT_TRUE(sanitize_relative_path(parts));
}

}  // namespace
}  // namespace btnode
