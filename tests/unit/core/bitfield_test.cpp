#include "core/bitfield.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace btnode {
namespace {

TEST(Bitfield, SetTestCountAllNone) {
  Bitfield b(10);
  EXPECT_EQ(b.size(), 10);
  EXPECT_TRUE(b.none());
  EXPECT_FALSE(b.all());
  b.set(0);
  b.set(9);
  b.set(9);  // idempotent: the count must not drift
  EXPECT_TRUE(b.test(0));
  EXPECT_TRUE(b.test(9));
  EXPECT_FALSE(b.test(5));
  EXPECT_EQ(b.count(), 2);
  b.reset(9);
  b.reset(9);
  EXPECT_EQ(b.count(), 1);
  EXPECT_FALSE(b.all());
  b.set_all();
  EXPECT_TRUE(b.all());
  EXPECT_EQ(b.count(), 10);
  b.reset_all();
  EXPECT_TRUE(b.none());
}

TEST(Bitfield, WireFormatIsHighBitFirstWithZeroSpareBits) {
  Bitfield b(10);
  b.set(0);
  b.set(9);
  EXPECT_EQ(b.wire(), std::string("\x80\x40", 2));
  EXPECT_TRUE(b.test(0));
  EXPECT_FALSE(b.test(1));
  b.reset(0);
  EXPECT_EQ(b.wire(), std::string("\x00\x40", 2));
  Bitfield full(10, true);
  EXPECT_EQ(full.wire(), std::string("\xFF\xC0", 2));
}

TEST(Bitfield, RoundTripsThroughTheWire) {
  Bitfield b(17);
  for (std::int64_t i : {1, 3, 8, 16}) b.set(i);
  auto back = Bitfield::from_wire(b.wire(), 17);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, b);
  EXPECT_EQ(back->count(), 4);
}

TEST(Bitfield, AcceptsZeroSpareBits) {
  auto b = Bitfield::from_wire(std::string("\xFF\xC0", 2), 10);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_TRUE(b->all());
  EXPECT_EQ(*b, Bitfield(10, true));
}

TEST(Bitfield, RejectsSpareBitsAndWrongLength) {
  auto spare = Bitfield::from_wire(std::string("\xFF\xE0", 2), 10);  // bit 10 set
  ASSERT_FALSE(spare);
  EXPECT_EQ(spare.error().message, "bitfield has spare bits set after piece 9");
  auto short_one = Bitfield::from_wire(std::string("\xFF", 1), 10);
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().message, "bitfield of 1 bytes for 10 pieces, expected 2");
  EXPECT_FALSE(Bitfield::from_wire(std::string(3, '\0'), 10));
  EXPECT_FALSE(Bitfield::from_wire(std::string("\xFF\x00\x00", 3), 10));
}

TEST(Bitfield, RejectsNegativeSize) {
  // Resume files carry the piece count, so a negative one is input, not a bug.
  auto negative = Bitfield::from_wire("", -1);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().message, "bitfield for -1 pieces");
}

TEST(Bitfield, ExactMultipleOfEightHasNoSpareBits) {
  auto b = Bitfield::from_wire(std::string("\xFF\xFF", 2), 16);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->all());
  auto one_byte = Bitfield::from_wire(std::string("\xFF", 1), 8);
  ASSERT_TRUE(one_byte);
  EXPECT_TRUE(one_byte->all());
  auto empty = Bitfield::from_wire("", 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->all());
  EXPECT_TRUE(empty->none());
}

TEST(Bitfield, WireSizeDoesNotOverflow) {
  EXPECT_EQ(Bitfield::wire_size(0), 0u);
  EXPECT_EQ(Bitfield::wire_size(1), 1u);
  EXPECT_EQ(Bitfield::wire_size(8), 1u);
  EXPECT_EQ(Bitfield::wire_size(9), 2u);
  // A hostile resume file may claim any count; the length check must not wrap.
  EXPECT_FALSE(Bitfield::from_wire("", INT64_MAX));
}

}  // namespace
}  // namespace btnode
