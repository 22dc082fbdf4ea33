#include "wire/bitfield.h"

#include <gtest/gtest.h>

#include <string>

namespace btnode::wire {
namespace {

TEST(Bitfield, SetTestCountAllNone) {
  Bitfield b(10);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_TRUE(b.none());
  EXPECT_FALSE(b.all());
  b.set(0);
  b.set(9);
  b.set(9);  // idempotent: the count must not drift
  EXPECT_TRUE(b.test(0));
  EXPECT_TRUE(b.test(9));
  EXPECT_FALSE(b.test(5));
  EXPECT_EQ(b.count(), 2u);
  b.reset(9);
  b.reset(9);
  EXPECT_EQ(b.count(), 1u);
  b.set_all();
  EXPECT_TRUE(b.all());
  EXPECT_EQ(b.count(), 10u);
  b.reset_all();
  EXPECT_TRUE(b.none());
}

TEST(Bitfield, WireFormatIsHighBitFirstWithZeroSpareBits) {
  Bitfield b(10);
  b.set(0);
  b.set(9);
  EXPECT_EQ(b.wire(), std::string("\x80\x40", 2));
  Bitfield full(10, true);
  EXPECT_EQ(full.wire(), std::string("\xFF\xC0", 2));
}

TEST(Bitfield, RoundTripsThroughTheWire) {
  Bitfield b(17);
  for (std::uint32_t i : {1u, 3u, 8u, 16u}) b.set(i);
  auto back = Bitfield::from_wire(b.wire(), 17);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, b);
  EXPECT_EQ(back->count(), 4u);
}

TEST(Bitfield, RejectsSpareBitsAndWrongLength) {
  auto spare = Bitfield::from_wire(std::string("\xFF\xE0", 2), 10);
  ASSERT_FALSE(spare);
  EXPECT_EQ(spare.error().message, "bitfield has spare bits set after piece 9");
  auto short_one = Bitfield::from_wire(std::string("\xFF", 1), 10);
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().message, "bitfield of 1 bytes for 10 pieces, expected 2");
  EXPECT_FALSE(Bitfield::from_wire(std::string(3, '\0'), 10));
}

TEST(Bitfield, ExactMultipleOfEightHasNoSpareBits) {
  auto b = Bitfield::from_wire(std::string("\xFF\xFF", 2), 16);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->all());
  auto empty = Bitfield::from_wire("", 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->all());
  EXPECT_TRUE(empty->none());
}

}  // namespace
}  // namespace btnode::wire
