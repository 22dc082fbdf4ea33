#include "wire/ut_metadata.h"

#include <gtest/gtest.h>

#include <string>

namespace btnode::wire {
namespace {

TEST(UtMetadata, EncodesTheBep9Examples) {
  EXPECT_EQ(encode_metadata_request(0), "d8:msg_typei0e5:piecei0ee");
  EXPECT_EQ(encode_metadata_reject(0), "d8:msg_typei2e5:piecei0ee");
  EXPECT_EQ(encode_metadata_data(0, 3425, "xx"), "d8:msg_typei1e5:piecei0e10:total_sizei3425eexx");
}

TEST(UtMetadata, DecodesRequestAndReject) {
  auto r = decode_metadata_message("d8:msg_typei0e5:piecei7ee");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->type, MetadataMessageType::request);
  EXPECT_EQ(r->piece, 7u);
  auto j = decode_metadata_message(encode_metadata_reject(2));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->type, MetadataMessageType::reject);
  EXPECT_EQ(j->piece, 2u);
}

TEST(UtMetadata, DecodesDataWithTrailingPiece) {
  const std::string piece(kMetadataPieceSize, 'p');
  const std::string wire = encode_metadata_data(1, 20000, piece);  // data views it
  auto d = decode_metadata_message(wire);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->type, MetadataMessageType::data);
  EXPECT_EQ(d->piece, 1u);
  EXPECT_EQ(d->total_size, 20000u);
  EXPECT_EQ(d->data, piece);
}

TEST(UtMetadata, UnknownMessageTypeIsIgnoredNotAnError) {
  auto u = decode_metadata_message("d8:msg_typei9e5:piecei0ee");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->type, MetadataMessageType::unknown);
}

TEST(UtMetadata, RejectsMalformedMessages) {
  EXPECT_FALSE(decode_metadata_message("d5:piecei0ee"));                   // no msg_type
  EXPECT_FALSE(decode_metadata_message("d8:msg_typei0ee"));                // no piece
  EXPECT_FALSE(decode_metadata_message("d8:msg_typei0e5:piecei-1ee"));     // negative piece
  EXPECT_FALSE(decode_metadata_message("le"));                             // not a dict
  EXPECT_FALSE(decode_metadata_message("d8:msg_typei1e5:piecei0eexx"));    // data without total
  EXPECT_FALSE(decode_metadata_message(encode_metadata_data(0, 10, "")));  // empty data
  EXPECT_FALSE(decode_metadata_message(encode_metadata_data(0, 99999, std::string(16385, 'x'))));
  auto past = decode_metadata_message(encode_metadata_data(2, 20000, "x"));
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().message, "ut_metadata piece 2 is past total_size 20000");
}

}  // namespace
}  // namespace btnode::wire
