#include "storage/bitfield.h"

#include <gtest/gtest.h>

namespace btnode::storage {
namespace {

TEST(Bitfield, Bep3BitOrder) {
  Bitfield b(10);
  b.set(0);
  b.set(9);
  EXPECT_EQ(b.bytes(), std::string("\x80\x40", 2));
  EXPECT_TRUE(b.test(0));
  EXPECT_FALSE(b.test(1));
  EXPECT_EQ(b.count(), 2);
  b.set(0, false);
  EXPECT_EQ(b.count(), 1);
  EXPECT_FALSE(b.all());
}

TEST(Bitfield, FromBytesChecksLengthAndSpareBits) {
  EXPECT_TRUE(Bitfield::from_bytes(std::string("\xff\xc0", 2), 10));
  EXPECT_FALSE(Bitfield::from_bytes(std::string("\xff\xe0", 2), 10));  // bit 10 set
  EXPECT_FALSE(Bitfield::from_bytes(std::string("\xff", 1), 10));
  EXPECT_FALSE(Bitfield::from_bytes(std::string("\xff\x00\x00", 3), 10));
  EXPECT_FALSE(Bitfield::from_bytes("", -1));
  auto empty = Bitfield::from_bytes("", 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->all());
  auto full = Bitfield::from_bytes(std::string("\xff", 1), 8);
  ASSERT_TRUE(full);
  EXPECT_TRUE(full->all());
}

}  // namespace
}  // namespace btnode::storage
