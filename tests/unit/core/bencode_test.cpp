#include "core/bencode.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace btnode::bencode {
namespace {

using namespace std::string_literals;

// "ok" or the error message.
std::string check(std::string_view input, DecodeOptions options = {}) {
  auto doc = decode(input, options);
  return doc ? "ok" : doc.error().message;
}

DecodeOptions strict() {
  DecodeOptions o;
  o.strict_keys = true;
  return o;
}

Document must_decode(std::string_view input, DecodeOptions options = {}) {
  auto doc = decode(input, options);
  EXPECT_TRUE(doc) << input << ": " << doc.error().message;
  return std::move(doc).value();
}

// ------------------------------------------------------------ scalars

TEST(BencodeDecode, EmptyString) {
  auto doc = must_decode("0:");
  Value v = doc.root();
  EXPECT_TRUE(v.is_string());
  EXPECT_EQ(v.as_string(), "");
  EXPECT_EQ(v.raw(), "0:");
  EXPECT_EQ(v.offset(), 0u);
  EXPECT_EQ(doc.consumed(), 2u);
}

TEST(BencodeDecode, Strings) {
  auto doc = must_decode("11:hello world");
  EXPECT_EQ(doc.root().as_string(), "hello world");
  std::string binary = "4:"s + std::string("\0\xff\x01:", 4);
  EXPECT_EQ(must_decode(binary).root().as_string(), std::string_view("\0\xff\x01:", 4));
}

TEST(BencodeDecode, EmptyInput) {
  EXPECT_EQ(check(""), "bencode: unexpected end of input at byte 0");
}

TEST(BencodeDecode, Integers) {
  EXPECT_EQ(must_decode("i0e").root().as_int(), 0);
  EXPECT_EQ(must_decode("i42e").root().as_int(), 42);
  EXPECT_EQ(must_decode("i-42e").root().as_int(), -42);
  EXPECT_EQ(must_decode("i10e").root().as_int(), 10);
  EXPECT_EQ(must_decode("i-1e").root().as_int(), -1);
}

TEST(BencodeDecode, IntegerLimits) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(must_decode("i9223372036854775807e").root().as_int(), max);
  EXPECT_EQ(must_decode("i-9223372036854775808e").root().as_int(), min);
  EXPECT_EQ(check("i9223372036854775808e"), "bencode: integer out of range at byte 1");
  EXPECT_EQ(check("i-9223372036854775809e"), "bencode: integer out of range at byte 1");
  EXPECT_EQ(check("i99999999999999999999999999e"), "bencode: integer out of range at byte 1");
  EXPECT_EQ(check("li1ei18446744073709551616ee"), "bencode: integer out of range at byte 5");
}

TEST(BencodeDecode, MalformedIntegers) {
  EXPECT_EQ(check("i-0e"), "bencode: negative zero in integer at byte 1");
  EXPECT_EQ(check("i03e"), "bencode: leading zero in integer at byte 1");
  EXPECT_EQ(check("i00e"), "bencode: leading zero in integer at byte 1");
  EXPECT_EQ(check("i-03e"), "bencode: leading zero in integer at byte 2");
  EXPECT_EQ(check("li1ei03ee"), "bencode: leading zero in integer at byte 5");
  EXPECT_EQ(check("ie"), "bencode: integer has no digits at byte 1");
  EXPECT_EQ(check("i-e"), "bencode: integer has no digits at byte 2");
  EXPECT_EQ(check("i+1e"), "bencode: unexpected byte '+' in integer at byte 1");
  EXPECT_EQ(check("i--1e"), "bencode: unexpected byte '-' in integer at byte 2");
  EXPECT_EQ(check("i1.5e"), "bencode: unexpected byte '.' in integer at byte 2");
  EXPECT_EQ(check("i 1e"), "bencode: unexpected byte ' ' in integer at byte 1");
  EXPECT_EQ(check("i1"), "bencode: unexpected end of input at byte 2");
  EXPECT_EQ(check("i"), "bencode: unexpected end of input at byte 1");
  EXPECT_EQ(check("i-"), "bencode: unexpected end of input at byte 2");
  EXPECT_EQ(check("i0"), "bencode: unexpected end of input at byte 2");
}

TEST(BencodeDecode, StringLengths) {
  EXPECT_EQ(check("5:abc"), "bencode: string length 5 exceeds the 3 bytes left at byte 0");
  EXPECT_EQ(check("d1:a500:xxxxxxxxxxxx"),
            "bencode: string length 500 exceeds the 12 bytes left at byte 4");
  EXPECT_EQ(check("1:"), "bencode: string length 1 exceeds the 0 bytes left at byte 0");
  EXPECT_EQ(check("03:abc"), "bencode: leading zero in string length at byte 0");
  EXPECT_EQ(check("00:"), "bencode: leading zero in string length at byte 0");
  EXPECT_EQ(check("l0:01:ae"), "bencode: leading zero in string length at byte 3");
  EXPECT_EQ(check("99999999999999999999:"), "bencode: string length out of range at byte 0");
  EXPECT_EQ(check("4294967296:abc"), "bencode: string length out of range at byte 0");
  EXPECT_EQ(check("4294967295:abc"),
            "bencode: string length 4294967295 exceeds the 3 bytes left at byte 0");
  EXPECT_EQ(check("3abc"), "bencode: unexpected byte 'a' in string length at byte 1");
  EXPECT_EQ(check("3-:abc"), "bencode: unexpected byte '-' in string length at byte 1");
  EXPECT_EQ(check("3"), "bencode: unexpected end of input at byte 1");
  EXPECT_EQ(check("12"), "bencode: unexpected end of input at byte 2");
}

TEST(BencodeDecode, UnexpectedBytes) {
  EXPECT_EQ(check("x"), "bencode: unexpected byte 'x' at byte 0");
  EXPECT_EQ(check("\x01"), "bencode: unexpected byte 0x01 at byte 0");
  EXPECT_EQ(check("l\xff"
                  "e"),
            "bencode: unexpected byte 0xff at byte 1");
  EXPECT_EQ(check("e"), "bencode: unexpected byte 'e' at byte 0");
  EXPECT_EQ(check("-1:a"), "bencode: unexpected byte '-' at byte 0");
}

TEST(BencodeDecode, UnexpectedEnd) {
  EXPECT_EQ(check("l"), "bencode: unexpected end of input at byte 1");
  EXPECT_EQ(check("li1e"), "bencode: unexpected end of input at byte 4");
  EXPECT_EQ(check("d3:fooi1e"), "bencode: unexpected end of input at byte 9");
  EXPECT_EQ(check("d3:foo"), "bencode: unexpected end of input at byte 6");
  EXPECT_EQ(check("lll"), "bencode: unexpected end of input at byte 3");
}

TEST(BencodeDecode, TrailingBytes) {
  EXPECT_EQ(check("i1ex"), "bencode: trailing bytes after the root element at byte 3");
  EXPECT_EQ(check("lee"), "bencode: trailing bytes after the root element at byte 2");
  EXPECT_EQ(check("0:0:"), "bencode: trailing bytes after the root element at byte 2");
  DecodeOptions o;
  o.allow_trailing = true;
  auto doc = must_decode("d1:ai1eegarbage", o);
  EXPECT_EQ(doc.consumed(), 8u);
  EXPECT_EQ(doc.input().size(), 15u);
  EXPECT_EQ(doc.root().raw(), "d1:ai1ee");
  EXPECT_EQ(doc.root().find_int("a"), 1);
  // The root must still be complete.
  EXPECT_EQ(check("d1:ai1e", o), "bencode: unexpected end of input at byte 7");
}

// ------------------------------------------------------------ nesting

TEST(BencodeDecode, DeepListsAreRejectedNotOverflowed) {
  const std::string deep = std::string(10'000, 'l') + std::string(10'000, 'e');
  EXPECT_EQ(check(deep), "bencode: nesting deeper than 32 at byte 32");
  // Unterminated, too.
  EXPECT_EQ(check(std::string(10'000, 'l')), "bencode: nesting deeper than 32 at byte 32");
}

TEST(BencodeDecode, DeepDictsAreRejectedNotOverflowed) {
  std::string deep;
  for (int i = 0; i < 10'000; ++i) deep += "d1:a";
  deep += "i0e";
  deep += std::string(10'000, 'e');
  EXPECT_EQ(check(deep), "bencode: nesting deeper than 32 at byte 128");
}

TEST(BencodeDecode, DepthIsNotLimitedByTheCallStack) {
  // The decoder is iterative: a generous limit costs no stack.
  DecodeOptions o;
  o.max_depth = 200'000;
  const std::string deep = std::string(100'000, 'l') + std::string(100'000, 'e');
  auto doc = must_decode(deep, o);
  EXPECT_EQ(doc.element_count(), 100'000u);
  EXPECT_EQ(doc.root().size(), 1u);
  EXPECT_EQ(doc.consumed(), deep.size());
}

TEST(BencodeDecode, DepthAtTheLimit) {
  const std::string at = std::string(32, 'l') + std::string(32, 'e');
  EXPECT_EQ(check(at), "ok");
  const std::string over = std::string(33, 'l') + std::string(33, 'e');
  EXPECT_EQ(check(over), "bencode: nesting deeper than 32 at byte 32");

  DecodeOptions o;
  o.max_depth = 2;
  EXPECT_EQ(check("ld1:ai0eee", o), "ok");
  EXPECT_EQ(check("ld1:aleee", o), "bencode: nesting deeper than 2 at byte 5");
  EXPECT_EQ(check("li1eli2eei3ee", o), "ok");  // siblings do not add up
  o.max_depth = 0;
  EXPECT_EQ(check("i1e", o), "ok");
  EXPECT_EQ(check("le", o), "bencode: nesting deeper than 0 at byte 0");
}

TEST(BencodeDecode, MaxTokens) {
  DecodeOptions o;
  o.max_tokens = 3;
  EXPECT_EQ(check("li1ei2ee", o), "ok");
  EXPECT_EQ(check("li1ei2ei3ee", o), "bencode: more than 3 elements at byte 7");
}

// ------------------------------------------------------------ dictionaries

TEST(BencodeDecode, UnsortedKeys) {
  const std::string in = "d1:bi1e1:ai2ee";
  EXPECT_EQ(check(in, strict()), "bencode: dictionary keys not sorted at byte 7");
  auto doc = must_decode(in);
  EXPECT_EQ(doc.root().find_int("a"), 2);
  EXPECT_EQ(doc.root().find_int("b"), 1);
  EXPECT_EQ(doc.root().size(), 2u);
  // A prefix sorts first.
  EXPECT_EQ(check("d1:ai0e2:abi0ee", strict()), "ok");
  EXPECT_EQ(check("d2:abi0e1:ai0ee", strict()), "bencode: dictionary keys not sorted at byte 8");
  // Raw byte order: 0xff sorts after 'a' (unsigned comparison).
  EXPECT_EQ(check("d1:ai0e1:\xffi0ee", strict()), "ok");
  EXPECT_EQ(check("d1:\xffi0e1:ai0ee", strict()), "bencode: dictionary keys not sorted at byte 7");
  // Only siblings are compared: a nested dict starts its own order.
  EXPECT_EQ(check("d1:bd1:ai0ee1:ci0ee", strict()), "ok");
  EXPECT_EQ(check("d1:bd1:ai0ee1:ai0ee", strict()),
            "bencode: dictionary keys not sorted at byte 12");
  EXPECT_EQ(check("ld1:bi0eed1:ai0eee", strict()), "ok");
}

TEST(BencodeDecode, DuplicateKeys) {
  const std::string in = "d1:ai1e1:ai2ee";
  EXPECT_EQ(check(in, strict()), "bencode: duplicate dictionary key at byte 7");
  auto doc = must_decode(in);
  Value root = doc.root();
  EXPECT_EQ(root.size(), 2u);
  EXPECT_EQ(root.find_int("a"), 1);  // first occurrence wins
  int n = 0;
  for (auto [key, value] : root.entries()) {
    EXPECT_EQ(key, "a");
    EXPECT_EQ(value.as_int(), ++n);
  }
  EXPECT_EQ(n, 2);
  // Item::from keeps the first, too.
  EXPECT_EQ(encode(Item::from(root)), "d1:ai1ee");
  EXPECT_EQ(encode(Item::from(must_decode("d1:bi0e1:ai1e1:bi2e1:ai3ee").root())), "d1:ai1e1:bi0ee");
}

TEST(BencodeDecode, NonStringKeys) {
  EXPECT_EQ(check("di1ei2ee"), "bencode: dictionary key is not a string at byte 1");
  EXPECT_EQ(check("dlei1ee"), "bencode: dictionary key is not a string at byte 1");
  EXPECT_EQ(check("d1:ai1edei2ee"), "bencode: dictionary key is not a string at byte 7");
  EXPECT_EQ(check("d1:ai1eee"), "bencode: trailing bytes after the root element at byte 8");
  EXPECT_EQ(check("d1:ae"), "bencode: missing value for dictionary key at byte 4");
  EXPECT_EQ(check("d1:a"), "bencode: unexpected end of input at byte 4");
}

TEST(BencodeDecode, FindAndAccessors) {
  const std::string in = "d4:listli1e1:xe3:numi-7e3:str5:hello4:subdd1:ki9eee";
  auto doc = must_decode(in, strict());
  Value root = doc.root();
  ASSERT_TRUE(root.is_dict());
  EXPECT_EQ(root.size(), 4u);
  EXPECT_EQ(root.find_int("num"), -7);
  EXPECT_EQ(root.find_string("str"), "hello");
  ASSERT_TRUE(root.find_list("list"));
  EXPECT_EQ(root.find_list("list")->size(), 2u);
  ASSERT_TRUE(root.find_dict("subd"));
  EXPECT_EQ(root.find_dict("subd")->find_int("k"), 9);

  // Missing keys and wrong types.
  EXPECT_FALSE(root.find("missing"));
  EXPECT_FALSE(root.find(""));
  EXPECT_FALSE(root.find("nu"));
  EXPECT_FALSE(root.find("numb"));
  EXPECT_FALSE(root.find_int("str"));
  EXPECT_FALSE(root.find_string("num"));
  EXPECT_FALSE(root.find_list("subd"));
  EXPECT_FALSE(root.find_dict("list"));
  EXPECT_FALSE(root.find_int("missing"));
  // Keys are only matched against keys, never values.
  EXPECT_FALSE(root.find("hello"));

  // Accessors on the wrong type return empty answers.
  Value num = *root.find("num");
  EXPECT_EQ(num.as_string(), "");
  EXPECT_EQ(num.size(), 0u);
  EXPECT_FALSE(num.find("x"));
  EXPECT_TRUE(num.items().empty());
  EXPECT_TRUE(num.entries().empty());
  Value str = *root.find("str");
  EXPECT_EQ(str.as_int(), 0);
  EXPECT_EQ(str.size(), 0u);
  Value list = *root.find("list");
  EXPECT_FALSE(list.find("x"));
  EXPECT_TRUE(list.entries().empty());
  EXPECT_TRUE(root.items().empty());

  // Offsets and raw bytes.
  EXPECT_EQ(list.offset(), 7u);
  EXPECT_EQ(list.raw(), "li1e1:xe");
  EXPECT_EQ(num.offset(), in.find("i-7e"));
  EXPECT_EQ(num.raw(), "i-7e");
  EXPECT_EQ(str.raw(), "5:hello");
  EXPECT_EQ(root.raw(), in);
  EXPECT_EQ(doc.element_count(), 13u);
}

TEST(BencodeDecode, Iteration) {
  auto doc = must_decode("ld1:ai1e1:bli2ei3eee0:i4elee");
  Value root = doc.root();
  ASSERT_EQ(root.size(), 4u);
  std::vector<std::string_view> raws;
  for (Value v : root.items()) raws.push_back(v.raw());
  EXPECT_EQ(raws, (std::vector<std::string_view>{"d1:ai1e1:bli2ei3eee", "0:", "i4e", "le"}));

  Value dict = *root.items().begin();
  std::vector<std::pair<std::string_view, std::string_view>> entries;
  for (auto [key, value] : dict.entries()) entries.emplace_back(key, value.raw());
  EXPECT_EQ(entries, (std::vector<std::pair<std::string_view, std::string_view>>{
                         {"a", "i1e"}, {"b", "li2ei3ee"}}));

  std::int64_t sum = 0;
  for (Value v : dict.find_list("b")->items()) sum += v.as_int();
  EXPECT_EQ(sum, 5);

  auto it = root.items().begin();
  auto old = it++;
  EXPECT_EQ((*old).type(), Type::dict);
  EXPECT_EQ((*it).type(), Type::string);
  EXPECT_TRUE(must_decode("le").root().items().empty());
  EXPECT_TRUE(must_decode("de").root().entries().empty());
  EXPECT_EQ(must_decode("de").root().size(), 0u);
}

TEST(BencodeDecode, ValuesSurviveMovingTheDocument) {
  const std::string in = "d1:ali1ei2eee";
  auto result = decode(in);
  ASSERT_TRUE(result);
  Value list = *result->root().find_list("a");
  Document moved = std::move(result).value();
  std::vector<Document> holder;
  holder.push_back(std::move(moved));
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list.raw(), "li1ei2ee");
  EXPECT_EQ((*list.items().begin()).as_int(), 1);
}

TEST(BencodeDecode, InputTooLargeForOffsets) {
  // A 4 GiB read-only mapping of zero pages: the decoder must refuse it
  // before reading anything.
  const std::size_t size = (std::size_t{1} << 32) + 1;
  void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) GTEST_SKIP() << "cannot reserve 4 GiB of address space";
  EXPECT_EQ(
      check(std::string_view(static_cast<const char*>(p), size)),
      "bencode: input of 4294967297 bytes is larger than the 4294967295 bytes offsets can address");
  munmap(p, size);
}

// A torrent-like document: the info dict's raw bytes must be the input slice.
std::string torrent_like(std::size_t pieces) {
  std::string info = "d6:lengthi" + std::to_string(pieces * 262144) +
                     "e4:name8:file.bin12:piece lengthi262144e6:pieces" +
                     std::to_string(pieces * 20) + ":" + std::string(pieces * 20, '\x5a') + "e";
  return "d8:announce31:http://tracker.example/announce10:created by6:btnode4:info" + info + "e";
}

TEST(BencodeDecode, RawInfoDictIsTheExactInputSlice) {
  const std::string in = torrent_like(50);
  auto doc = must_decode(in, strict());
  auto info = doc.root().find_dict("info");
  ASSERT_TRUE(info);
  const std::size_t start = in.find("4:infod") + 6;
  EXPECT_EQ(info->offset(), start);
  EXPECT_EQ(info->raw(), std::string_view(in).substr(start, in.size() - 1 - start));
  EXPECT_EQ(info->raw().data(), in.data() + start);  // a view, not a copy
  EXPECT_EQ(info->find_string("pieces")->size(), 1000u);

  // Non-canonical bytes are kept exactly as received (non-strict).
  const std::string odd = "d4:infod4:name1:x3:abci1eee";
  auto doc2 = must_decode(odd);
  EXPECT_EQ(doc2.root().find_dict("info")->raw(), "d4:name1:x3:abci1ee");
  EXPECT_EQ(encode(Item::from(*doc2.root().find("info"))), "d3:abci1e4:name1:xe");
}

// ------------------------------------------------------------ encoding

TEST(BencodeEncode, Scalars) {
  EXPECT_EQ(encode(Item(0)), "i0e");
  EXPECT_EQ(encode(Item(-42)), "i-42e");
  EXPECT_EQ(encode(Item(std::numeric_limits<std::int64_t>::min())), "i-9223372036854775808e");
  EXPECT_EQ(encode(Item(std::numeric_limits<std::int64_t>::max())), "i9223372036854775807e");
  EXPECT_EQ(encode(Item(std::size_t{7})), "i7e");
  EXPECT_EQ(encode(Item(std::uint32_t{4000000000u})), "i4000000000e");
  EXPECT_EQ(encode(Item("")), "0:");
  EXPECT_EQ(encode(Item("spam")), "4:spam");
  EXPECT_EQ(encode(Item(std::string(300, 'x'))), "300:" + std::string(300, 'x'));
  EXPECT_EQ(encode(Item()), "de");
  EXPECT_EQ(encode(Item(Item::List{})), "le");
}

TEST(BencodeEncode, DictKeysAreCanonical) {
  Item::Dict d;
  d["\xff"] = 1;
  d["b"] = 2;
  d["a"] = Item::List{1, "x"};
  d["ab"] = Item::Dict{{"z", 0}};
  EXPECT_EQ(encode(Item(d)), "d1:ali1e1:xe2:abd1:zi0ee1:bi2e1:\xffi1ee");
  std::string out = "prefix";
  encode(Item(d), out);
  EXPECT_EQ(out, "prefixd1:ali1e1:xe2:abd1:zi0ee1:bi2e1:\xffi1ee");
}

TEST(BencodeEncode, RoundTripReproducesCanonicalInput) {
  const std::vector<std::string> inputs = {
      "0:",
      "i0e",
      "i-9223372036854775808e",
      "le",
      "de",
      "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
      "d1:rd2:id20:mnopqrstuvwxyz1234565:nodes0:6:valuesl6:AAAAAA6:BBBBBBee1:t2:aa1:y1:re",
      "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
      "lli1eli2eli3eeeed0:0:ee",
      torrent_like(10),
  };
  for (const auto& in : inputs) {
    auto doc = must_decode(in, strict());
    EXPECT_EQ(encode(Item::from(doc.root())), in);
  }
}

TEST(BencodeEncode, ItemFromValue) {
  auto doc = must_decode("d1:ali1e2:xye1:bd1:ci-3eee");
  Item expected = Item::Dict{{"a", Item::List{1, "xy"}}, {"b", Item::Dict{{"c", -3}}}};
  EXPECT_EQ(Item::from(doc.root()), expected);
  EXPECT_NE(Item::from(doc.root()), Item(Item::Dict{}));
}

// Writes `item` through the streaming Writer.
void write(const Item& item, Writer& w) {
  switch (item.v.index()) {
    case 0:
      w.integer(std::get<0>(item.v));
      break;
    case 1:
      w.string(std::get<1>(item.v));
      break;
    case 2:
      w.begin_list();
      for (const Item& i : std::get<2>(item.v)) write(i, w);
      w.end();
      break;
    case 3:
      w.begin_dict();
      for (const auto& [k, v] : std::get<3>(item.v)) {
        w.string(k);
        write(v, w);
      }
      w.end();
      break;
  }
}

TEST(BencodeWriter, MatchesEncode) {
  std::string out;
  Writer w(out);
  w.begin_dict()
      .string("a")
      .begin_dict()
      .string("id")
      .string("abcdefghij0123456789")
      .string("target")
      .string("mnopqrstuvwxyz123456")
      .end()
      .string("q")
      .string("find_node")
      .string("t")
      .string("aa")
      .string("v")
      .begin_list()
      .integer(-1)
      .integer(0)
      .end()
      .string("y")
      .string("q")
      .end();
  Item item = Item::Dict{
      {"a", Item::Dict{{"id", "abcdefghij0123456789"}, {"target", "mnopqrstuvwxyz123456"}}},
      {"q", "find_node"},
      {"t", "aa"},
      {"v", Item::List{-1, 0}},
      {"y", "q"}};
  EXPECT_EQ(out, encode(item));
}

TEST(BencodeWriter, Raw) {
  const std::string info = "d4:name1:x12:piece lengthi16384ee";
  std::string out;
  Writer(out).begin_dict().string("info").raw(info).string("x").integer(1).end();
  EXPECT_EQ(out, "d4:info" + info + "1:xi1ee");
  auto doc = must_decode(out, strict());
  EXPECT_EQ(doc.root().find_dict("info")->raw(), info);
}

#ifndef NDEBUG
TEST(BencodeWriterDeathTest, DebugAssertsKeyOrder) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::string out;
        Writer(out).begin_dict().string("b").integer(1).string("a").integer(2).end();
      },
      "sorted");
  EXPECT_DEATH(
      {
        std::string out;
        Writer(out).begin_dict().string("a").integer(1).string("a").integer(2).end();
      },
      "sorted");
  EXPECT_DEATH(
      {
        std::string out;
        Writer(out).begin_dict().integer(1).integer(2).end();
      },
      "key must be a string");
  EXPECT_DEATH(
      {
        std::string out;
        Writer(out).end();
      },
      "without an open container");
}
#endif

// ------------------------------------------------------------ property test

class RandomItems {
 public:
  explicit RandomItems(std::uint32_t seed) : rng_(seed) {}

  Item make(int depth) {
    const int kind = depth >= 5 ? pick(0, 1) : pick(0, 3);
    switch (kind) {
      case 0: {
        switch (pick(0, 3)) {
          case 0:
            return Item(std::numeric_limits<std::int64_t>::min());
          case 1:
            return Item(std::numeric_limits<std::int64_t>::max());
          case 2:
            return Item(static_cast<std::int64_t>(pick(-20, 20)));
          default:
            return Item(static_cast<std::int64_t>((std::uint64_t{rng_()} << 32) | rng_()));
        }
      }
      case 1:
        return Item(bytes());
      case 2: {
        Item::List list;
        const int n = pick(0, 5);
        for (int i = 0; i < n; ++i) list.push_back(make(depth + 1));
        return Item(std::move(list));
      }
      default: {
        Item::Dict dict;
        const int n = pick(0, 5);
        for (int i = 0; i < n; ++i) dict.insert_or_assign(bytes(), make(depth + 1));
        return Item(std::move(dict));
      }
    }
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string bytes() {
    std::string s(static_cast<std::size_t>(pick(0, 12)), '\0');
    // A small alphabet (with high bytes) so keys collide and share prefixes.
    static constexpr char alphabet[] = {'a', 'b', '0', ':', 'e', 'i', '\0', '\x80', '\xff'};
    for (char& c : s) c = alphabet[pick(0, sizeof alphabet - 1)];
    return s;
  }
  std::mt19937 rng_;
};

TEST(BencodeProperty, EncodeDecodeRoundTrip) {
  RandomItems gen(20240601);
  for (int i = 0; i < 2000; ++i) {
    const Item item = gen.make(0);
    const std::string bytes = encode(item);
    auto doc = decode(bytes, strict());
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ(doc->consumed(), bytes.size());
    ASSERT_EQ(Item::from(doc->root()), item) << bytes;
    std::string streamed;
    Writer w(streamed);
    write(item, w);
    ASSERT_EQ(streamed, bytes);
  }
}

}  // namespace
}  // namespace btnode::bencode
