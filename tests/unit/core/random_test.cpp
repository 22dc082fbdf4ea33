#include "core/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <thread>
#include <vector>

namespace btnode {
namespace {

TEST(Random, BytesAreNotAllZero) {
  std::array<std::uint8_t, 64> buf{};
  random_bytes(buf.data(), buf.size());
  // The chance of 64 zero bytes from a CSPRNG is 2^-512.
  EXPECT_TRUE(std::any_of(buf.begin(), buf.end(), [](std::uint8_t b) { return b != 0; }));
}

TEST(Random, TwoDrawsDiffer) {
  std::array<std::uint8_t, 32> a{}, b{};
  random_bytes(a.data(), a.size());
  random_bytes(b.data(), b.size());
  EXPECT_NE(a, b);
}

TEST(Random, ZeroLengthIsANoOp) {
  std::uint8_t sentinel = 0x5a;
  random_bytes(&sentinel, 0);
  EXPECT_EQ(sentinel, 0x5a);
}

TEST(Random, UniformRespectsBoundAndCoversRange) {
  constexpr std::uint32_t kUpper = 7;
  std::array<int, kUpper> seen{};
  for (int i = 0; i < 7000; ++i) {
    std::uint32_t v = random_uniform(kUpper);
    ASSERT_LT(v, kUpper);
    ++seen[v];
  }
  // Expected 1000 each; 700 is more than 9 standard deviations away.
  for (int count : seen) EXPECT_GT(count, 700);
}

TEST(Random, UniformDegenerateBounds) {
  EXPECT_EQ(random_uniform(0), 0u);
  EXPECT_EQ(random_uniform(1), 0u);
  for (int i = 0; i < 100; ++i) EXPECT_LT(random_uniform(2), 2u);
  std::uint32_t big = 0xffffffffu;
  for (int i = 0; i < 100; ++i) EXPECT_LT(random_uniform(big), big);
}

TEST(Random, SafeFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<std::array<std::uint8_t, 16>> out(8);
  for (auto& o : out) threads.emplace_back([&o] { random_bytes(o.data(), o.size()); });
  for (auto& t : threads) t.join();
  std::sort(out.begin(), out.end());
  EXPECT_EQ(std::adjacent_find(out.begin(), out.end()), out.end());
}

}  // namespace
}  // namespace btnode

TEST(Random, SeedOrRandomKeepsAGivenSeed) {
  EXPECT_EQ(btnode::seed_or_random(std::uint64_t{42}), 42u);
  // Two draws of 64 random bits colliding would be a 2^-64 event.
  EXPECT_NE(btnode::seed_or_random(std::nullopt), btnode::seed_or_random(std::nullopt));
}
