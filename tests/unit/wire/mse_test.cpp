#include "wire/mse.h"

#include <gtest/gtest.h>

#include <string>

#include "core/digest.h"

namespace btnode::wire {
namespace {

TEST(Mse, HashIsSha1OverTheConcatenation) {
  EXPECT_EQ(mse_hash("req1", "secret"), sha1("req1secret"));
  EXPECT_EQ(mse_hash("keyA", "S", "SKEY"), sha1("keyASSKEY"));
  MseSkey skey{};
  skey.fill(0xAB);
  EXPECT_EQ(mse_req2_hash(skey), sha1("req2" + std::string(20, '\xAB')));
}

TEST(Mse, CiphersAreKeyAAndKeyBAfterTheDrop) {
  DhSecret s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(i);
  MseSkey skey{};
  skey.fill(0x42);
  auto ciphers = mse_ciphers(s, skey);
  Rc4 expect_a = make_mse_rc4(mse_hash("keyA", mse_view(s), mse_view(skey)));
  Rc4 expect_b = make_mse_rc4(mse_hash("keyB", mse_view(s), mse_view(skey)));
  std::string a1(32, '\0'), a2(32, '\0'), b1(32, '\0'), b2(32, '\0');
  ciphers.a_to_b.apply(std::span<char>(a1));
  expect_a.apply(std::span<char>(a2));
  ciphers.b_to_a.apply(std::span<char>(b1));
  expect_b.apply(std::span<char>(b2));
  EXPECT_EQ(a1, a2);
  EXPECT_EQ(b1, b2);
  EXPECT_NE(a1, b1);
}

TEST(Mse, PadLengthsAreBounded) {
  EXPECT_EQ(mse_pad(0).size(), 0u);
  EXPECT_EQ(mse_pad(17).size(), 17u);
  EXPECT_EQ(mse_pad(5000).size(), kMseMaxPad);
  bool saw_different = false;
  for (int i = 0; i < 50; ++i) {
    const auto n = mse_pad(std::nullopt).size();
    EXPECT_LE(n, kMseMaxPad);
    saw_different |= n != mse_pad(std::nullopt).size();
  }
  EXPECT_TRUE(saw_different);
}

TEST(Mse, BigEndianFields) {
  std::string out;
  mse_put_u32(out, 0x01020304);
  mse_put_u16(out, 0xA0B0);
  EXPECT_EQ(out, std::string("\x01\x02\x03\x04\xA0\xB0"));
  EXPECT_EQ(mse_get_u32(out), 0x01020304u);
  EXPECT_EQ(mse_get_u16(std::string_view(out).substr(4)), 0xA0B0);
}

}  // namespace
}  // namespace btnode::wire
