#include "storage/resume_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/storage/storage_test_support.h"

namespace btnode::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

ResumeData sample() {
  ResumeData d;
  for (std::size_t i = 0; i < 20; ++i) d.info_hash[i] = static_cast<std::uint8_t>(i * 7);
  d.pieces = Bitfield(11);
  d.pieces.set(0);
  d.pieces.set(10);
  d.files = {FileStat{100, 1'700'000'000'123'456'789}, std::nullopt, FileStat{0, -5}};
  return d;
}

TEST(ResumeData, RoundTrips) {
  const ResumeData d = sample();
  const std::string bytes = encode_resume(d);
  EXPECT_THAT(bytes, StartsWith("d11:file-format13:btnode resume12:file-versioni1e5:filesl"));
  auto back = decode_resume(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, d);
}

TEST(ResumeData, EveryTruncationIsAnError) {
  const std::string bytes = encode_resume(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_resume(bytes.substr(0, n))) << n;
  }
}

// The decoder accepts only the canonical encoding, so whatever survives
// corruption is exactly what its bytes say (no lenient reinterpretation).
TEST(ResumeData, RandomCorruptionIsRejectedOrDecodesCanonically) {
  const std::string bytes = encode_resume(sample());
  std::mt19937 rng(99);
  for (int i = 0; i < 3000; ++i) {
    std::string bad = bytes;
    const auto at = std::uniform_int_distribution<std::size_t>(0, bad.size() - 1)(rng);
    bad[at] = static_cast<char>(rng());
    auto d = decode_resume(bad);
    if (d) {
      EXPECT_EQ(encode_resume(*d), bad);
    }
  }
}

TEST(ResumeData, RejectsStructuralProblems) {
  auto err = [](std::string_view s) {
    auto d = decode_resume(s);
    return d ? std::string("decoded") : d.error().message;
  };
  EXPECT_THAT(err("le"), HasSubstr("not a dictionary"));
  EXPECT_THAT(err("d11:file-format5:othere"), HasSubstr("not a btnode file"));
  const std::string head = "d11:file-format13:btnode resume12:file-versioni";
  EXPECT_THAT(err(head + "2ee"), HasSubstr("unknown version"));
  const std::string ok = head + "1e5:filesld4:sizei1e5:mtimei2eee";  // keys unsorted
  EXPECT_THAT(err(ok), StartsWith("resume data: bencode"));
  const std::string v1 = head + "1e5:filesl";
  const std::string hash = "9:info-hash20:" + std::string(20, 'h');
  EXPECT_THAT(err(v1 + "de" + "e" + "9:info-hash3:abc11:piece-counti1e6:pieces1:\x80" + "e"),
              HasSubstr("20 bytes"));
  EXPECT_THAT(err(v1 + "d4:sizei-1e5:mtimei0eee" + hash + "11:piece-counti1e6:pieces1:\x80" + "e"),
              StartsWith("resume data: bencode"));  // unsorted again: mtime < size
  EXPECT_THAT(err(v1 + "d5:mtimei0e4:sizei-1eee" + hash + "11:piece-counti1e6:pieces1:\x80" + "e"),
              HasSubstr("non-negative size"));
  EXPECT_THAT(err(v1 + "d5:mtimei0eee" + hash + "11:piece-counti1e6:pieces1:\x80" + "e"),
              HasSubstr("non-negative size"));
  EXPECT_THAT(err(v1 + "i1ee" + hash + "11:piece-counti1e6:pieces1:\x80" + "e"),
              HasSubstr("not a dictionary"));
  EXPECT_THAT(err(v1 + "e" + hash + "11:piece-counti1e6:pieces1:\xc0" + "e"),
              HasSubstr("does not match"));  // spare bit set
  EXPECT_THAT(err(v1 + "e" + hash + "11:piece-counti9e6:pieces1:\x80" + "e"),
              HasSubstr("does not match"));
  EXPECT_THAT(err(v1 + "e" + hash + "6:pieces1:\x80" + "e"), HasSubstr("missing"));
  EXPECT_EQ(err(v1 + "e" + hash + "11:piece-counti1e6:pieces1:\x80" + "e"), "decoded");
}

TEST(ResumeData, MatchesOnlyItsOwnTorrent) {
  const ResumeData d = sample();
  const auto layout = *FileLayout::create({{110, false}, {0, true}, {0, false}}, 10);
  EXPECT_TRUE(check_resume_matches(d, d.info_hash, layout));
  auto other = d.info_hash;
  other[0] ^= 1;
  EXPECT_THAT(check_resume_matches(d, other, layout).error().message, HasSubstr("another"));
  const auto more = *FileLayout::create({{111, false}, {0, true}, {0, false}}, 10);
  EXPECT_THAT(check_resume_matches(d, d.info_hash, more).error().message, HasSubstr("piece"));
  const auto fewer = *FileLayout::create({{110, false}}, 10);
  EXPECT_THAT(check_resume_matches(d, d.info_hash, fewer).error().message, HasSubstr("file"));
}

TEST(ResumeData, ReadsFilesWithASizeLimit) {
  testing::TempDir dir;
  testing::write_file(dir / "r", "abc");
  auto ok = read_resume_file(dir / "r");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "abc");
  EXPECT_THAT(read_resume_file(dir / "r", 2).error().message, HasSubstr("too large"));
  EXPECT_THAT(read_resume_file(dir / "missing").error().message,
              HasSubstr("does not exist"));
}

}  // namespace
}  // namespace btnode::storage
