#include "wire/rc4.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/ids.h"

namespace btnode::wire {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view hex) {
  const auto raw = from_hex(hex);
  EXPECT_TRUE(raw.has_value()) << hex;
  return raw ? std::vector<std::uint8_t>(raw->begin(), raw->end()) : std::vector<std::uint8_t>{};
}

// Keystream bytes [offset, offset + n).
std::string keystream(const std::vector<std::uint8_t>& key, std::size_t offset, std::size_t n) {
  Rc4 rc4(key);
  rc4.discard(offset);
  std::string out(n, '\0');
  rc4.apply(std::span<char>(out));
  return to_hex(out);
}

struct Vector {
  const char* key;
  std::size_t offset;
  const char* stream;
};

// RFC 6229 section 2, "Test Vectors for RC4", a selection of keys and offsets
// (including 1024, the MSE drop point, and 4096).
const Vector kRfc6229[] = {
    {"0102030405", 0, "b2396305f03dc027ccc3524a0a1118a8"},
    {"0102030405", 16, "6982944f18fc82d589c403a47a0d0919"},
    {"0102030405", 240, "28cb1132c96ce286421dcaadb8b69eae"},
    {"0102030405", 1024, "30abbcc7c20b01609f23ee2d5f6bb7df"},
    {"0102030405", 4096, "ff25b58995996707e51fbdf08b34d875"},
    {"0102030405060708", 0, "97ab8a1bf0afb96132f2f67258da15a8"},
    {"0102030405060708", 1024, "c6d0e7b226259fa9023490b26167ad1d"},
    {"0102030405060708090a0b0c0d0e0f10", 0, "9ac7cc9a609d1ef7b2932899cde41b97"},
    {"0102030405060708090a0b0c0d0e0f10", 1008, "e7a72574f8782ae26aabcf9ebcd66065"},
    {"0102030405060708090a0b0c0d0e0f10", 1024, "bdf0324e6083dcc6d3cedd3ca8c53c16"},
    {"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 0,
     "eaa6bd25880bf93d3f5d1e4ca2611d91"},
    {"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 1024,
     "7fec5bfd9f9b89ce6548309092d7e958"},
    {"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 4096,
     "f3e4c0a2e02d1d01f7f0a74618af2b48"},
};

TEST(Rc4, MatchesRfc6229Vectors) {
  for (const auto& v : kRfc6229) {
    EXPECT_EQ(keystream(bytes_of(v.key), v.offset, 16), v.stream)
        << "key " << v.key << " offset " << v.offset;
  }
}

TEST(Rc4, MseHelperDropsTheFirst1024Bytes) {
  const auto key = bytes_of("0102030405");
  Rc4 rc4 = make_mse_rc4(key);
  std::string out(16, '\0');
  rc4.apply(std::span<char>(out));
  EXPECT_EQ(to_hex(out), "30abbcc7c20b01609f23ee2d5f6bb7df");
}

TEST(Rc4, ChunkedApplicationEqualsOneShot) {
  const auto key = bytes_of("0102030405060708090a0b0c0d0e0f10");
  std::string whole(5000, 'x');
  for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = static_cast<char>(i * 31);
  std::string chunked = whole;
  Rc4 one(key);
  one.apply(std::span<char>(whole));
  Rc4 many(key);
  for (std::size_t pos = 0, step = 1; pos < chunked.size(); pos += step, step = step % 97 + 1) {
    const std::size_t n = std::min(step, chunked.size() - pos);
    many.apply(std::span<char>(chunked.data() + pos, n));
  }
  EXPECT_EQ(whole, chunked);
}

TEST(Rc4, EncryptThenDecryptRestoresPlaintext) {
  const auto key = bytes_of("00112233445566778899aabbccddeeff00112233");
  const std::string plain =
      "\x13"
      "BitTorrent protocol and some more bytes";
  std::string data = plain;
  make_mse_rc4(key).apply(std::span<char>(data));
  EXPECT_NE(data, plain);
  make_mse_rc4(key).apply(std::span<char>(data));
  EXPECT_EQ(data, plain);
}

}  // namespace
}  // namespace btnode::wire
