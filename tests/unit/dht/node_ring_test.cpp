#include "dht/node_ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace btnode::dht {
namespace {

NodeRingV4::Entry entry(std::uint32_t i) {
  NodeRingV4::Entry e{};
  std::memcpy(e.data(), &i, sizeof i);
  e[20] = 25;
  return e;
}

std::uint32_t number(const NodeRingV4::Entry& e) {
  std::uint32_t i;
  std::memcpy(&i, e.data(), sizeof i);
  return i;
}

TEST(NodeRing, NeverExceedsCapacityAndOverwritesTheOldest) {
  NodeRingV4 ring(5);
  for (std::uint32_t i = 0; i < 3; ++i) ring.push(entry(i));
  EXPECT_EQ(ring.size(), 3u);
  for (std::uint32_t i = 3; i < 1000; ++i) {
    ring.push(entry(i));
    EXPECT_LE(ring.size(), 5u);
  }
  EXPECT_EQ(ring.size(), 5u);
  std::vector<std::uint32_t> held;
  for (std::size_t k = 0; k < ring.size(); ++k) held.push_back(number(ring.at(k)));
  std::sort(held.begin(), held.end());
  EXPECT_EQ(held, (std::vector<std::uint32_t>{995, 996, 997, 998, 999}));
}

TEST(NodeRing, SavesOldestFirstAndReloadsInAgeOrder) {
  NodeRingV4 ring(4);
  for (std::uint32_t i = 0; i < 6; ++i) ring.push(entry(i));  // holds 2..5
  std::string saved;
  ring.save(saved);
  ASSERT_EQ(saved.size(), 4 * 26u);
  NodeRingV4 back(3);  // smaller: keeps the newest 3
  ASSERT_TRUE(back.load(saved));
  std::vector<std::uint32_t> held;
  for (std::size_t k = 0; k < back.size(); ++k) held.push_back(number(back.at(k)));
  std::sort(held.begin(), held.end());
  EXPECT_EQ(held, (std::vector<std::uint32_t>{3, 4, 5}));
  back.push(entry(6));  // and the oldest of those (3) goes first
  held.clear();
  for (std::size_t k = 0; k < back.size(); ++k) held.push_back(number(back.at(k)));
  std::sort(held.begin(), held.end());
  EXPECT_EQ(held, (std::vector<std::uint32_t>{4, 5, 6}));
}

TEST(NodeRing, RejectsAPartialEntry) {
  NodeRingV6 ring(4);
  EXPECT_FALSE(ring.load(std::string(37, 'x')));
  EXPECT_TRUE(ring.load(std::string(38, 'x')));
  EXPECT_EQ(ring.size(), 1u);
}

}  // namespace
}  // namespace btnode::dht
