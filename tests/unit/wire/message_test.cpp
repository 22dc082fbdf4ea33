#include "wire/message.h"

#include <gtest/gtest.h>

#include <string>

namespace btnode::wire {
namespace {

using namespace std::string_literals;

TEST(Message, EncodesFixedMessages) {
  EXPECT_EQ(encode_message(KeepAlive{}), "\0\0\0\0"s);
  EXPECT_EQ(encode_message(Choke{}), "\0\0\0\x01\x00"s);
  EXPECT_EQ(encode_message(Unchoke{}), "\0\0\0\x01\x01"s);
  EXPECT_EQ(encode_message(Interested{}), "\0\0\0\x01\x02"s);
  EXPECT_EQ(encode_message(NotInterested{}), "\0\0\0\x01\x03"s);
  EXPECT_EQ(encode_message(HaveAll{}), "\0\0\0\x01\x0e"s);
  EXPECT_EQ(encode_message(HaveNone{}), "\0\0\0\x01\x0f"s);
}

TEST(Message, EncodesIndexMessagesBigEndian) {
  EXPECT_EQ(encode_message(Have{0x01020304}), "\0\0\0\x05\x04\x01\x02\x03\x04"s);
  EXPECT_EQ(encode_message(Suggest{7}), "\0\0\0\x05\x0d\0\0\0\x07"s);
  EXPECT_EQ(encode_message(AllowedFast{7}), "\0\0\0\x05\x11\0\0\0\x07"s);
  EXPECT_EQ(encode_message(Port{6881}), "\0\0\0\x03\x09\x1a\xe1"s);
}

TEST(Message, EncodesBlockMessages) {
  const BlockRef b{1, 0x4000, 0x4000};
  const auto body = "\0\0\0\x01\0\0\x40\0\0\0\x40\0"s;
  EXPECT_EQ(encode_message(Request{b}), "\0\0\0\x0d\x06"s + body);
  EXPECT_EQ(encode_message(Cancel{b}), "\0\0\0\x0d\x08"s + body);
  EXPECT_EQ(encode_message(Reject{b}), "\0\0\0\x0d\x10"s + body);
}

TEST(Message, EncodesVariableMessages) {
  EXPECT_EQ(encode_message(BitfieldMessage{"\xf0"}), "\0\0\0\x02\x05\xf0"s);
  EXPECT_EQ(encode_message(Piece{2, 16, "abc"}),
            "\0\0\0\x0c\x07\0\0\0\x02\0\0\0\x10"
            "abc"s);
  EXPECT_EQ(encode_message(Extended{0, "de"}),
            "\0\0\0\x04\x14\x00"
            "de"s);
}

TEST(Message, PieceHeaderMatchesTheFullEncoding) {
  std::string header;
  append_piece_header(header, 2, 16, 3);
  EXPECT_EQ(header + "abc", encode_message(Piece{2, 16, "abc"}));
  EXPECT_EQ((Piece{2, 16, "abc"}.ref()), (BlockRef{2, 16, 3}));
}

TEST(Message, NamesForLogs) {
  EXPECT_EQ(message_name(KeepAlive{}), "keep-alive");
  EXPECT_EQ(message_name(AllowedFast{}), "allowed fast");
  EXPECT_EQ(message_name(Unknown{}), "unknown");
}

}  // namespace
}  // namespace btnode::wire
