#include "wire/message_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace btnode::wire {
namespace {

using namespace std::string_literals;

// A message as owned bytes (views die at the next feed); Unknown as text.
std::string snapshot(const Message& m) {
  if (const auto* u = std::get_if<Unknown>(&m)) {
    return "unknown " + std::to_string(u->id) + "/" + std::to_string(u->length);
  }
  return encode_message(m);
}

struct Drained {
  std::vector<std::string> messages;
  std::string error;
};

// Feeds `stream` in chunks of `chunk` bytes and drains after every feed.
Drained read_all(const std::string& stream, std::size_t chunk, ReaderLimits limits = {}) {
  MessageReader reader(limits);
  Drained out;
  for (std::size_t at = 0; at < stream.size() && out.error.empty(); at += chunk) {
    reader.feed(std::string_view(stream).substr(at, chunk));
    for (int i = 0; i < 100000; ++i) {  // bounded drain
      auto next = reader.next();
      if (!next) {
        out.error = next.error().message;
        break;
      }
      if (!*next) break;
      out.messages.push_back(snapshot(**next));
    }
  }
  return out;
}

std::string every_message() {
  const std::string block(kBlockSize, 'b');
  std::string s;
  for (const Message& m : std::vector<Message>{
           KeepAlive{}, Choke{}, Unchoke{}, Interested{}, NotInterested{}, Have{42},
           BitfieldMessage{"\xff\x80"}, Request{{1, 2, 3}}, Piece{1, 0, block}, Cancel{{1, 2, 3}},
           Port{6881}, Suggest{5}, HaveAll{}, HaveNone{}, Reject{{4, 5, 6}}, AllowedFast{9},
           Extended{0, "d1:md11:ut_metadatai3eee"}, Extended{3, ""}, KeepAlive{}}) {
    append_message(s, m);
  }
  return s;
}

TEST(MessageReader, ByteAtATimeAndMegabyteChunksYieldTheSameMessages) {
  std::string stream;
  for (int i = 0; i < 20; ++i) stream += every_message();
  const auto whole = read_all(stream, 1024 * 1024);
  const auto bytes = read_all(stream, 1);
  const auto odd = read_all(stream, 7);
  ASSERT_EQ(whole.error, "");
  ASSERT_EQ(whole.messages.size(), 20u * 19u);
  EXPECT_EQ(bytes.messages, whole.messages);
  EXPECT_EQ(odd.messages, whole.messages);
  std::string reencoded;
  for (const auto& m : whole.messages) reencoded += m;
  EXPECT_EQ(reencoded, stream);
}

TEST(MessageReader, WaitsForTheWholeMessage) {
  MessageReader reader;
  const auto have = encode_message(Have{3});
  reader.feed(have.substr(0, 6));
  EXPECT_FALSE(*reader.next());
  reader.feed(have.substr(6));
  auto m = reader.next();
  ASSERT_TRUE(m && *m);
  EXPECT_EQ(std::get<Have>(**m).piece, 3u);
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(MessageReader, RejectsWrongLengthBeforeTheBodyArrives) {
  MessageReader reader;
  reader.feed("\0\0\0\x09\x04"s);  // have of length 9, body not sent
  auto r = reader.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "peer sent a have message of length 9, expected 5");
  EXPECT_FALSE(reader.next());  // sticky
}

TEST(MessageReader, LengthRulesPerType) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\0\0\0\x02\x00"s, "peer sent a choke message of length 2, expected 1"},
      {"\0\0\0\x0c\x06"s, "peer sent a request message of length 12, expected 13"},
      {"\0\0\0\x0e\x08"s, "peer sent a cancel message of length 14, expected 13"},
      {"\0\0\0\x0c\x10"s, "peer sent a reject message of length 12, expected 13"},
      {"\0\0\0\x02\x09"s, "peer sent a port message of length 2, expected 3"},
      {"\0\0\0\x09\x07"s, "peer sent a piece message of length 9, expected 10 to 16393"},
      {"\0\0\x40\x0a\x07"s, "peer sent a piece message of length 16394, expected 10 to 16393"},
      {"\0\0\0\x01\x14"s, "peer sent an extended message of length 1, expected 2 to 1048578"},
      {"\0\0\0\x02\x0e"s, "peer sent a have all message of length 2, expected 1"},
  };
  for (const auto& [bytes, error] : cases) {
    MessageReader reader;
    reader.feed(bytes);
    auto r = reader.next();
    ASSERT_FALSE(r) << error;
    EXPECT_EQ(r.error().message, error);
  }
}

TEST(MessageReader, ConfigurableBlockCap) {
  const std::string big(32 * 1024, 'x');
  const auto stream = encode_message(Piece{0, 0, big});
  EXPECT_NE(read_all(stream, 4096).error, "");
  ReaderLimits limits;
  limits.max_block_size = 32 * 1024;
  const auto ok = read_all(stream, 4096, limits);
  ASSERT_EQ(ok.error, "");
  ASSERT_EQ(ok.messages.size(), 1u);
}

TEST(MessageReader, BitfieldLengthFollowsThePieceCountOnceKnown) {
  MessageReader reader;
  reader.set_piece_count(10);
  reader.feed(encode_message(BitfieldMessage{"\xff"}));
  auto r = reader.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "peer sent a bitfield message of length 2, expected 3");

  MessageReader unknown_count;
  unknown_count.feed(encode_message(BitfieldMessage{"\xff"}));
  auto ok = unknown_count.next();
  ASSERT_TRUE(ok && *ok);
  EXPECT_EQ(std::get<BitfieldMessage>(**ok).bits, "\xff");
}

TEST(MessageReader, SkipsUnknownIdsWithoutBufferingTheBody) {
  MessageReader reader;
  reader.feed("\0\0\x10\x01\x63"s);  // id 99, 4096-byte body
  auto u = reader.next();
  ASSERT_TRUE(u && *u);
  EXPECT_EQ(std::get<Unknown>(**u), (Unknown{99, 4096}));
  for (int i = 0; i < 4; ++i) {
    reader.feed(std::string(1024, 'z'));
    EXPECT_EQ(reader.buffered(), 0u);  // dropped as it arrives
    EXPECT_FALSE(*reader.next());
  }
  reader.feed(encode_message(Have{1}));
  auto h = reader.next();
  ASSERT_TRUE(h && *h);
  EXPECT_EQ(std::get<Have>(**h).piece, 1u);
}

TEST(MessageReader, CapsUnknownLengths) {
  MessageReader reader;
  reader.feed("\x00\x10\x00\x02\x63"s);  // 1048578: allowed for extended, not for unknown
  auto r = reader.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "peer sent an unknown message (id 99) of length 1048578, more than we skip "
            "(1048577)");
}

TEST(MessageReader, RejectsALengthLongerThanAnyMessageWithoutWaitingForTheId) {
  MessageReader reader;
  reader.feed("\xff\xff\xff\xff"s);  // the id byte never comes
  auto r = reader.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "peer sent a message length of 4294967295, longer than any message (1048578)");
  EXPECT_FALSE(reader.next());  // sticky
}

TEST(MessageReader, PieceDataViewsTheBufferUntilTheNextFeed) {
  MessageReader reader;
  reader.feed(encode_message(Piece{1, 2, "abc"}) + encode_message(Piece{3, 4, "def"}));
  auto a = reader.next();
  auto b = reader.next();
  ASSERT_TRUE(a && *a && b && *b);
  // Both views stay valid together: next() does not move the buffer.
  EXPECT_EQ(std::get<Piece>(**a).data, "abc");
  EXPECT_EQ(std::get<Piece>(**b).data, "def");
  EXPECT_EQ(std::get<Piece>(**b).ref(), (BlockRef{3, 4, 3}));
}

TEST(MessageReader, PrepareCommitWritesStraightIntoTheBuffer) {
  MessageReader reader;
  const auto bytes = encode_message(Interested{});
  auto area = reader.prepare(64);
  ASSERT_GE(area.size(), bytes.size());
  std::copy(bytes.begin(), bytes.end(), area.begin());
  reader.commit(bytes.size());
  auto m = reader.next();
  ASSERT_TRUE(m && *m);
  EXPECT_TRUE(std::holds_alternative<Interested>(**m));
}

}  // namespace
}  // namespace btnode::wire
