#include "core/digest.h"

#include <gtest/gtest.h>

#include <string>

#include "core/ids.h"

namespace btnode {
namespace {

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& d) {
  return to_hex({reinterpret_cast<const char*>(d.data()), N});
}

struct Vector {
  std::string input;
  const char* sha1;
  const char* sha256;
};

// FIPS 180-2 appendix examples plus the empty message.
const Vector kVectors[] = {
    {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
};

constexpr const char* kMillionASha1 = "34aa973cd4c4daa4f61eeb2bdbad27316534016f";
constexpr const char* kMillionASha256 =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Digest, OneShotKnownVectors) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(hex(sha1(v.input)), v.sha1) << v.input;
    EXPECT_EQ(hex(sha256(v.input)), v.sha256) << v.input;
  }
}

TEST(Digest, IncrementalKnownVectors) {
  Sha1 h1;
  Sha256 h256;
  for (const auto& v : kVectors) {
    // Byte by byte, so every block boundary is crossed mid-update.
    for (char c : v.input) {
      h1.update(std::string_view(&c, 1));
      h256.update(std::string_view(&c, 1));
    }
    EXPECT_EQ(hex(h1.finish()), v.sha1) << v.input;
    EXPECT_EQ(hex(h256.finish()), v.sha256) << v.input;
  }
}

// Feeds `data` in chunks whose sizes cycle through awkward primes.
template <class H>
auto hash_in_odd_chunks(H& h, std::string_view data) {
  static constexpr std::size_t kSizes[] = {1, 3, 7, 63, 64, 65, 127, 1009, 4099};
  std::size_t i = 0;
  for (std::size_t pos = 0; pos < data.size(); ++i) {
    std::size_t n = std::min(kSizes[i % std::size(kSizes)], data.size() - pos);
    h.update(data.substr(pos, n));
    pos += n;
  }
  return h.finish();
}

TEST(Digest, MillionAIncrementalInOddChunks) {
  const std::string million(1'000'000, 'a');
  Sha1 h1;
  Sha256 h256;
  EXPECT_EQ(hex(hash_in_odd_chunks(h1, million)), kMillionASha1);
  EXPECT_EQ(hex(hash_in_odd_chunks(h256, million)), kMillionASha256);
  EXPECT_EQ(hex(sha1(million)), kMillionASha1);
  EXPECT_EQ(hex(sha256(million)), kMillionASha256);
}

TEST(Digest, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 10'000; ++i) data.push_back(static_cast<char>(i * 131 + (i >> 3)));
  for (std::size_t len : {0u, 1u, 55u, 56u, 64u, 119u, 120u, 128u, 9999u, 10000u}) {
    std::string_view part(data.data(), len);
    Sha1 h1;
    Sha256 h256;
    EXPECT_EQ(hash_in_odd_chunks(h1, part), sha1(part)) << len;
    EXPECT_EQ(hash_in_odd_chunks(h256, part), sha256(part)) << len;
  }
}

TEST(Digest, ResetDiscardsPendingInput) {
  Sha1 h1;
  Sha256 h256;
  h1.update("garbage");
  h256.update("garbage");
  h1.reset();
  h256.reset();
  h1.update("abc");
  h256.update("abc");
  EXPECT_EQ(hex(h1.finish()), kVectors[0].sha1);
  EXPECT_EQ(hex(h256.finish()), kVectors[0].sha256);
}

TEST(Digest, FinishStartsTheNextMessage) {
  Sha256 h;
  h.update("abc");
  (void)h.finish();
  EXPECT_EQ(hex(h.finish()), kVectors[1].sha256);  // nothing fed since: the empty message
}

TEST(Digest, MoveKeepsState) {
  Sha1 a;
  a.update("ab");
  Sha1 b(std::move(a));
  b.update("c");
  EXPECT_EQ(hex(b.finish()), kVectors[0].sha1);
  Sha256 c;
  c.update("ab");
  Sha256 d;
  d = std::move(c);
  d.update("c");
  EXPECT_EQ(hex(d.finish()), kVectors[0].sha256);
}

}  // namespace
}  // namespace btnode
