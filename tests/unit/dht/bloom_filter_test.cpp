#include "dht/bloom_filter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/ids.h"

namespace btnode::dht {
namespace {

// BEP 33 test vector: 192.0.2.0..255 and 2001:DB8::..2001:DB8::3E7 inserted.
constexpr std::string_view kBep33Filter =
    "F6C3F5EAA07FFD91BDE89F777F26FB2BFF37BDB8FB2BBAA2FD3DDDE7BACFFF75EE7CCBAE"
    "FE5EEDB1FBFAFF67F6ABFF5E43DDBCA3FD9B9FFDF4FFD3E9DFF12D1BDF59DB53DBE9FA5B"
    "7FF3B8FDFCDE1AFB8BEDD7BE2F3EE71EBBBFE93BCDEEFE148246C2BC5DBFF7E7EFDCF24F"
    "D8DC7ADFFD8FFFDFDDFFF7A4BBEEDF5CB95CE81FC7FCFF1FF4FFFFDFE5F7FDCBB7FD79B3"
    "FA1FC77BFE07FFF905B7B7FFC7FEFEFFE0B8370BB0CD3F5B7F2BD93FEB4386CFDD6F7FD5"
    "BFAF2E9EBFFFFEECD67ADBF7C67F17EFD5D75EBA6FFEBA7FFF47A91EB1BFBB53E8ABFB57"
    "62ABE8FF237279BFEFBFEEF5FFC5FEBFDFE5ADFFADFEE1FB737FFFFBFD9F6AEFFEEE76B6"
    "FD8F72EF";

BloomFilter bep33_vector_filter() {
  BloomFilter f;
  for (int i = 0; i <= 255; ++i) {
    const char v4[4] = {char(192), 0, 2, static_cast<char>(i)};
    f.insert_address(std::string_view(v4, 4));
  }
  for (int i = 0; i <= 0x3E7; ++i) {
    std::string v6(16, '\0');
    v6[0] = 0x20, v6[1] = 0x01, v6[2] = 0x0D, v6[3] = static_cast<char>(0xB8);
    v6[14] = static_cast<char>(i >> 8), v6[15] = static_cast<char>(i & 0xFF);
    f.insert_address(v6);
  }
  return f;
}

TEST(BloomFilter, Bep33TestVectorBytes) {
  const BloomFilter f = bep33_vector_filter();
  std::string hex = to_hex(f.view());
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(hex, kBep33Filter);
}

TEST(BloomFilter, Bep33TestVectorEstimate) {
  EXPECT_NEAR(bep33_vector_filter().estimate_size(), 1224.9308, 0.0001);
}

TEST(BloomFilter, EmptyEstimatesUnderOne) {
  const BloomFilter f;
  EXPECT_TRUE(f.empty());
  EXPECT_NEAR(f.estimate_size(), 0.5, 0.001);  // BEP 33's min(m - 1, zeros)
}

TEST(BloomFilter, PortIgnoredAndSameAddressCountsOnce) {
  BloomFilter a, b;
  a.insert(Endpoint::v4({10, 0, 0, 1}, 1));
  b.insert(Endpoint::v4({10, 0, 0, 1}, 2));
  b.insert(Endpoint::v4({10, 0, 0, 1}, 3));
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a.empty());
  EXPECT_NEAR(a.estimate_size(), 1.0, 0.01);
}

TEST(BloomFilter, UnionOfDisjointHalvesEqualsWhole) {
  BloomFilter low, high, whole;
  for (int i = 0; i < 200; ++i) {
    const Endpoint e = Endpoint::v4({10, 1, static_cast<std::uint8_t>(i), 7}, 80);
    (i < 100 ? low : high).insert(e);
    whole.insert(e);
  }
  low |= high;
  EXPECT_EQ(low, whole);
  EXPECT_NEAR(whole.estimate_size(), 200.0, 20.0);
}

TEST(BloomFilter, FullFilterEstimateIsFinite) {
  const auto full = BloomFilter::from_bytes(std::string(BloomFilter::kBytes, '\xFF'));
  ASSERT_TRUE(full);
  EXPECT_TRUE(std::isfinite(full->estimate_size()));
  EXPECT_GT(full->estimate_size(), 7000.0);
  EXPECT_FALSE(BloomFilter::from_bytes("short"));
}

}  // namespace
}  // namespace btnode::dht
