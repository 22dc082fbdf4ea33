#include "wire/metadata_assembler.h"

#include <gtest/gtest.h>

#include <string>

#include "core/digest.h"

namespace btnode::wire {
namespace {

// An info dict of 40,000 bytes: three pieces (16384, 16384, 7232).
std::string info_dict() {
  std::string body(40000 - 14, 'x');  // "d4:name39986:" + body + "e"
  return "d4:name" + std::to_string(body.size()) + ":" + body + "e";
}

MetadataMessage piece_of(const std::string& meta, std::uint32_t piece) {
  const auto begin = std::size_t{piece} * kMetadataPieceSize;
  return MetadataMessage{MetadataMessageType::data, piece, static_cast<std::uint32_t>(meta.size()),
                         std::string_view(meta).substr(begin, kMetadataPieceSize)};
}

TEST(MetadataAssembler, AssemblesAndVerifiesOutOfOrder) {
  const auto meta = info_dict();
  ASSERT_EQ(meta.size(), 40000u);
  auto a = MetadataAssembler::create(InfoHash::from_v1(sha1(meta)), 40000);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->piece_count(), 3u);
  EXPECT_EQ(a->piece_size(2), 40000u - 2 * kMetadataPieceSize);
  EXPECT_EQ(*a->add(1, piece_of(meta, 2)), MetadataAssembler::Outcome::stored);
  EXPECT_EQ(*a->add(2, piece_of(meta, 0)), MetadataAssembler::Outcome::stored);
  EXPECT_EQ(*a->add(2, piece_of(meta, 0)), MetadataAssembler::Outcome::duplicate);
  EXPECT_EQ(a->missing(), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(*a->add(1, piece_of(meta, 1)), MetadataAssembler::Outcome::complete);
  EXPECT_TRUE(a->complete());
  EXPECT_EQ(a->metadata(), meta);
  EXPECT_TRUE(a->missing().empty());
}

TEST(MetadataAssembler, VerifiesV2OnlyWithSha256) {
  const auto meta = info_dict();
  auto a = MetadataAssembler::create(InfoHash::from_v2(sha256(meta)), 40000);
  ASSERT_TRUE(a);
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(a->add(9, piece_of(meta, i)));
  EXPECT_TRUE(a->complete());
}

TEST(MetadataAssembler, HashMismatchDropsEverythingAndNamesSources) {
  const auto meta = info_dict();
  std::string lie = meta;
  lie[kMetadataPieceSize + 5] = 'L';
  auto a = MetadataAssembler::create(InfoHash::from_v1(sha1(meta)), 40000);
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->add(10, piece_of(meta, 0)));
  ASSERT_TRUE(a->add(66, piece_of(lie, 1)));
  EXPECT_EQ(*a->add(10, piece_of(meta, 2)), MetadataAssembler::Outcome::hash_mismatch);
  EXPECT_FALSE(a->complete());
  EXPECT_EQ(a->metadata(), "");
  EXPECT_EQ(a->failed_sources(), (std::vector<MetadataPeer>{10, 66, 10}));
  EXPECT_EQ(a->missing(), (std::vector<std::uint32_t>{0, 1, 2}));
  // A second, honest attempt succeeds.
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(a->add(10, piece_of(meta, i)));
  EXPECT_TRUE(a->complete());
}

TEST(MetadataAssembler, RejectsBadSizesAndIndices) {
  const auto meta = info_dict();
  EXPECT_FALSE(MetadataAssembler::create(InfoHash::from_v1(sha1(meta)), 0));
  MetadataAssemblerLimits small;
  small.max_size = 1000;
  EXPECT_FALSE(MetadataAssembler::create(InfoHash::from_v1(sha1(meta)), 40000, small));
  EXPECT_FALSE(MetadataAssembler::create(InfoHash{}, 40000));

  auto a = MetadataAssembler::create(InfoHash::from_v1(sha1(meta)), 40000);
  ASSERT_TRUE(a);
  auto wrong_total = piece_of(meta, 0);
  wrong_total.total_size = 50000;
  EXPECT_FALSE(a->add(1, wrong_total));
  auto short_piece = piece_of(meta, 0);
  short_piece.data = short_piece.data.substr(0, 100);
  auto r = a->add(1, short_piece);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "ut_metadata piece 0 has 100 bytes, expected 16384");
  auto out_of_range = piece_of(meta, 0);
  out_of_range.piece = 3;
  EXPECT_FALSE(a->add(1, out_of_range));
}

}  // namespace
}  // namespace btnode::wire
