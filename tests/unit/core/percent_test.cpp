#include "core/percent.h"

#include <gtest/gtest.h>

#include <string>

namespace btnode {
namespace {

TEST(Percent, QueryValueKeepsUrlPunctuation) {
  EXPECT_EQ(percent_encode("http://t.example:80/a b&c=d+e#%", PercentSet::query_value),
            "http://t.example:80/a%20b%26c%3Dd%2Be%23%25");
}

TEST(Percent, UnreservedEscapesEverythingElse) {
  EXPECT_EQ(percent_encode("a:/@~-._Z9", PercentSet::unreserved), "a%3A%2F%40~-._Z9");
  std::string binary("\x00\xff\x12", 3);
  EXPECT_EQ(percent_encode(binary, PercentSet::unreserved), "%00%FF%12");
}

TEST(Percent, DecodeRoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (auto set : {PercentSet::unreserved, PercentSet::query_value}) {
    auto back = percent_decode(percent_encode(all, set));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, all);
  }
}

TEST(Percent, DecodeKeepsPlusAndAcceptsLowerCaseHex) {
  EXPECT_EQ(percent_decode("a+b%2fc%2F"), "a+b/c/");
}

TEST(Percent, MalformedEscapesAreRejectedWithTheirOffset) {
  for (auto [text, at] : {std::pair{"ab%", 2}, {"ab%4", 2}, {"%zz", 0}, {"x%4g", 1}}) {
    std::size_t bad = 99;
    EXPECT_FALSE(percent_decode(text, &bad)) << text;
    EXPECT_EQ(bad, std::size_t(at)) << text;
  }
}

}  // namespace
}  // namespace btnode
