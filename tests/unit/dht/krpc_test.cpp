#include "dht/krpc.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/bencode.h"

namespace btnode::dht {
namespace {

using bencode::Item;

NodeId id_of(char c) {
  return *NodeId::from_bytes(std::string(20, c));
}

Message decode_ok(std::string_view datagram) {
  Decoded d = decode(datagram);
  if (auto* r = std::get_if<Rejection>(&d)) {
    ADD_FAILURE() << "rejected: " << r->message << " for " << datagram;
    return {};
  }
  return std::get<Message>(d);
}

Rejection decode_rejected(std::string_view datagram) {
  Decoded d = decode(datagram);
  if (!std::holds_alternative<Rejection>(d)) {
    ADD_FAILURE() << "accepted: " << datagram;
    return {};
  }
  return std::get<Rejection>(d);
}

std::string encoded(const Message& m) {
  std::string out;
  encode(m, out);
  return out;
}

// ---------------------------------------------------------------- BEP 5 examples

TEST(Krpc, Bep5PingQuery) {
  constexpr std::string_view wire = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
  const Message m = decode_ok(wire);
  EXPECT_EQ(m.transaction_id, "aa");
  const auto& q = std::get<Query>(m.body);
  EXPECT_EQ(q.id.view(), "abcdefghij0123456789");
  EXPECT_TRUE(std::holds_alternative<PingArgs>(q.args));
  EXPECT_EQ(method_name(q.args), "ping");
  EXPECT_EQ(encoded(m), wire);
}

TEST(Krpc, Bep5PingResponse) {
  constexpr std::string_view wire = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
  const Message m = decode_ok(wire);
  EXPECT_EQ(std::get<Response>(m.body).id.view(), "mnopqrstuvwxyz123456");
  EXPECT_EQ(encoded(m), wire);
}

TEST(Krpc, Bep5FindNodeQuery) {
  constexpr std::string_view wire =
      "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:"
      "qe";
  const Message m = decode_ok(wire);
  const auto& args = std::get<FindNodeArgs>(std::get<Query>(m.body).args);
  EXPECT_EQ(args.target.view(), "mnopqrstuvwxyz123456");
  EXPECT_FALSE(args.want.has_value());
  EXPECT_EQ(encoded(m), wire);
}

TEST(Krpc, Bep5GetPeersQueryAndValuesResponse) {
  constexpr std::string_view query =
      "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:"
      "y1:qe";
  const Message q = decode_ok(query);
  EXPECT_EQ(std::get<GetPeersArgs>(std::get<Query>(q.body).args).info_hash.view(),
            "mnopqrstuvwxyz123456");
  EXPECT_EQ(encoded(q), query);

  constexpr std::string_view reply =
      "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re";
  const Message r = decode_ok(reply);
  const auto& resp = std::get<Response>(r.body);
  EXPECT_EQ(resp.token, "aoeusnth");
  ASSERT_TRUE(resp.values.has_value());
  EXPECT_EQ(resp.values->size(), 2u);
  EXPECT_EQ(std::vector<std::string_view>(resp.values->begin(), resp.values->end()),
            (std::vector<std::string_view>{"axje.u", "idhtnm"}));
  EXPECT_EQ(encoded(r), reply);
}

TEST(Krpc, Bep5AnnouncePeerWithImpliedPort) {
  constexpr std::string_view wire =
      "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:"
      "porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
  const Message m = decode_ok(wire);
  const auto& a = std::get<AnnouncePeerArgs>(std::get<Query>(m.body).args);
  EXPECT_TRUE(a.implied_port);
  EXPECT_EQ(a.port, 6881);
  EXPECT_EQ(a.token, "aoeusnth");
  EXPECT_FALSE(a.seed);
  EXPECT_EQ(encoded(m), wire);
}

TEST(Krpc, Bep5ErrorExample) {
  constexpr std::string_view wire = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";
  const Message m = decode_ok(wire);
  const auto& e = std::get<ErrorReply>(m.body);
  EXPECT_EQ(e.code, 201);
  EXPECT_EQ(e.message, "A Generic Error Ocurred");
  EXPECT_EQ(encoded(m), wire);
}

// ---------------------------------------------------------------- round trips

Message query_message(QueryArgs args) {
  Message m;
  m.transaction_id = "tx01";
  m.version = "BN01";
  m.read_only = true;
  m.body = Query{id_of('a'), std::move(args)};
  return m;
}

TEST(Krpc, EveryQueryTypeRoundTrips) {
  const std::string key(32, 'k'), sig(64, 's');
  const std::vector<QueryArgs> all = {
      PingArgs{},
      FindNodeArgs{id_of('t'), Want{true, true}},
      GetPeersArgs{id_of('h'), Want{false, true}, true, true},
      AnnouncePeerArgs{id_of('h'), 51413, false, "tok", true},
      GetArgs{id_of('g'), 7, Want{true, false}},
      PutArgs{"tok", "12:Hello World!", {}, {}, {}, {}, {}},
      PutArgs{"tok", "d1:xi1ee", key, sig, 4, 3, "salt"},
      SampleInfohashesArgs{id_of('s'), std::nullopt},
  };
  for (const QueryArgs& args : all) {
    const Message m = query_message(args);
    const std::string wire = encoded(m);
    ASSERT_TRUE(bencode::decode(wire, {.strict_keys = true})) << wire;  // canonical
    EXPECT_EQ(decode_ok(wire), m) << wire;
  }
}

TEST(Krpc, FullResponseRoundTrips) {
  std::string values_buffer;
  PeerValuesBuilder builder(values_buffer);
  builder.add("\x01\x02\x03\x04\x1a\xe1");
  builder.add(std::string(18, '\x20'));
  const std::string nodes(2 * kCompactNodeV4Size, 'n'), nodes6(kCompactNodeV6Size, 'm');
  const std::string samples(3 * 20, 'x'), bf(256, '\xff'), key(32, 'k'), sig(64, 's');

  Response r;
  r.id = id_of('r');
  r.nodes = nodes;
  r.nodes6 = nodes6;
  r.token = "tok";
  r.values = builder.finish();
  r.samples = samples;
  r.interval = 21600;
  r.num = 3;
  r.value = "li1ei2ee";
  r.key = key;
  r.signature = sig;
  r.seq = 9;
  r.seeds_filter = bf;
  r.peers_filter = bf;
  Message m;
  m.transaction_id = std::string_view("\x00\x01", 2);
  m.ip = std::string_view("\x7f\x00\x00\x01\x1a\xe1", 6);
  m.body = r;
  const std::string wire = encoded(m);
  ASSERT_TRUE(bencode::decode(wire, {.strict_keys = true})) << wire;
  const Message back = decode_ok(wire);
  EXPECT_EQ(back, m);
  const auto& values = *std::get<Response>(back.body).values;
  EXPECT_EQ(std::vector<std::string_view>(values.begin(), values.end()),
            (std::vector<std::string_view>{"\x01\x02\x03\x04\x1a\xe1", std::string(18, '\x20')}));
}

TEST(Krpc, EmptyPeerValuesIterateNothing) {
  std::string buffer = "stale";
  PeerValuesBuilder builder(buffer);
  const PeerValues values = builder.finish();
  EXPECT_EQ(values.encoded(), "le");
  EXPECT_TRUE(values.empty());
  EXPECT_EQ(values.begin(), values.end());
  EXPECT_EQ(PeerValues().begin(), PeerValues().end());
}

// ---------------------------------------------------------------- envelope

TEST(Krpc, EnvelopeHints) {
  const Message m = decode_ok(
      "d1:rd2:id20:mnopqrstuvwxyz123456e2:ip6:\x01\x02\x03\x04\x05\x06"
      "2:roi1e1:t2:aa1:v4:UT011:y1:re");
  EXPECT_EQ(m.ip, "\x01\x02\x03\x04\x05\x06");
  EXPECT_TRUE(m.read_only);
  EXPECT_EQ(m.version, "UT01");
  // Malformed hints are ignored, not fatal: they gate nothing.
  const Message odd =
      decode_ok("d1:rd2:id20:mnopqrstuvwxyz123456e2:ip3:abc2:roi2e1:t2:aa1:vi1e1:y1:re");
  EXPECT_TRUE(odd.ip.empty());
  EXPECT_FALSE(odd.read_only);
  EXPECT_TRUE(odd.version.empty());
}

TEST(Krpc, WantIgnoresUnknownEntries) {
  const Message m = decode_ok(
      "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz1234564:wantl2:n62:xxi3eee1:q9:"
      "find_node1:t2:aa1:y1:qe");
  const auto& args = std::get<FindNodeArgs>(std::get<Query>(m.body).args);
  EXPECT_EQ(args.want, (Want{false, true}));
}

TEST(Krpc, AnnounceWithImpliedPortNeedsNoPort) {
  const Message m = decode_ok(
      "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234565:"
      "token1:xe1:q13:announce_peer1:t2:aa1:y1:qe");
  EXPECT_EQ(std::get<AnnouncePeerArgs>(std::get<Query>(m.body).args).port, 0);
}

// ---------------------------------------------------------------- schema failures

Item::Dict base_args() {
  return {{"id", std::string(20, 'a')}};
}

std::string query_wire(std::string method, Item::Dict args) {
  return bencode::encode(
      Item(Item::Dict{{"a", std::move(args)}, {"q", std::move(method)}, {"t", "aa"}, {"y", "q"}}));
}

Item::Dict with(Item::Dict d, std::string key, Item value) {
  d[std::move(key)] = std::move(value);
  return d;
}

Item::Dict without(Item::Dict d, std::string_view key) {
  d.erase(std::string(key));
  return d;
}

struct SchemaCase {
  std::string method;
  Item::Dict args;
  std::string expected_message;
};

std::vector<SchemaCase> schema_cases() {
  const std::string id20(20, 'b');
  const Item::Dict announce =
      with(with(with(base_args(), "info_hash", id20), "port", 6881), "token", "tok");
  const Item::Dict put_mutable =
      with(with(with(with(with(base_args(), "token", "t"), "v", "x"), "k", std::string(32, 'k')),
                "sig", std::string(64, 's')),
           "seq", 1);
  return {
      {"ping", without(base_args(), "id"), "missing 'id'"},
      {"ping", with(base_args(), "id", "short"), "'id' must be a 20-byte string"},
      {"ping", with(base_args(), "id", 5), "'id' must be a string"},
      {"find_node", base_args(), "missing 'target'"},
      {"find_node", with(base_args(), "target", std::string(19, 'x')),
       "'target' must be a 20-byte string"},
      {"find_node", with(with(base_args(), "target", id20), "want", "n4"), "'want' must be a list"},
      {"get_peers", base_args(), "missing 'info_hash'"},
      {"get_peers", with(with(base_args(), "info_hash", id20), "scrape", "1"),
       "'scrape' must be an integer"},
      {"announce_peer", without(announce, "info_hash"), "missing 'info_hash'"},
      {"announce_peer", without(announce, "token"), "missing 'token'"},
      {"announce_peer", with(announce, "token", 1), "'token' must be a string"},
      {"announce_peer", without(announce, "port"), "missing 'port'"},
      {"announce_peer", with(announce, "port", 0), "'port' must be in 1..65535"},
      {"announce_peer", with(announce, "port", 65536), "'port' must be in 1..65535"},
      {"announce_peer", with(announce, "port", "6881"), "'port' must be an integer"},
      {"announce_peer", with(announce, "implied_port", "1"), "'implied_port' must be an integer"},
      {"get", base_args(), "missing 'target'"},
      {"get", with(with(base_args(), "target", id20), "seq", "1"), "'seq' must be an integer"},
      {"put", without(put_mutable, "v"), "missing 'v'"},
      {"put", without(put_mutable, "token"), "missing 'token'"},
      {"put", with(put_mutable, "k", std::string(31, 'k')), "'k' must be a 32-byte string"},
      {"put", with(put_mutable, "sig", std::string(63, 's')), "'sig' must be a 64-byte string"},
      {"put", without(put_mutable, "sig"), "missing 'sig'"},
      {"put", without(put_mutable, "seq"), "missing 'seq'"},
      {"put", without(put_mutable, "k"), "missing 'k'"},
      {"put", with(put_mutable, "salt", 3), "'salt' must be a string"},
      {"put", with(put_mutable, "cas", "x"), "'cas' must be an integer"},
      {"sample_infohashes", base_args(), "missing 'target'"},
  };
}

TEST(Krpc, EverySchemaFailureIsAProtocolError) {
  for (const auto& c : schema_cases()) {
    const std::string wire = query_wire(c.method, c.args);
    const Rejection r = decode_rejected(wire);
    EXPECT_EQ(r.code, ErrorCode::protocol) << wire;
    EXPECT_EQ(r.message, c.expected_message) << wire;
    EXPECT_TRUE(r.answerable()) << wire;
    EXPECT_EQ(r.transaction_id, "aa");
  }
}

TEST(Krpc, RejectionEncodesAsKrpcError) {
  const std::string wire = query_wire("find_node", base_args());
  const Rejection r = decode_rejected(wire);  // views `wire`
  std::string out;
  encode_rejection(r, out);
  EXPECT_EQ(out, "d1:eli203e16:missing 'target'e1:t2:aa1:y1:ee");
  const Message m = decode_ok(out);
  EXPECT_EQ(std::get<ErrorReply>(m.body).code, 203);
}

TEST(Krpc, UnknownMethodIs204) {
  const Rejection r = decode_rejected(query_wire("vote", base_args()));
  EXPECT_EQ(r.code, ErrorCode::method_unknown);
  EXPECT_TRUE(r.answerable());
}

TEST(Krpc, MissingQueryPartsAreProtocolErrors) {
  const Rejection no_q = decode_rejected("d1:ad2:id20:abcdefghij0123456789e1:t2:aa1:y1:qe");
  EXPECT_EQ(no_q.message, "missing 'q'");
  EXPECT_TRUE(no_q.answerable());
  const Rejection no_a = decode_rejected("d1:q4:ping1:t2:aa1:y1:qe");
  EXPECT_EQ(no_a.message, "missing 'a'");
  EXPECT_TRUE(no_a.answerable());
}

// Datagrams that get no answer at all.
TEST(Krpc, UnanswerableInputIsDropped) {
  const std::vector<std::string> cases = {
      "",
      "garbage",
      "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q",  // truncated
      "li1ee",                                                    // not a dict
      "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe",        // no t
      "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t0:1:y1:qe",   // empty t
      "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t17:aaaaaaaaaaaaaaaaa1:y1:qe",
      "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:xe",  // unknown y
      "d1:rd2:idi1ee1:t2:aa1:y1:re",                               // response id not a string
      "d1:rde1:t2:aa1:y1:re",                                      // response without id
      "d1:t2:aa1:y1:re",                                           // no r
      "d1:rd2:id20:mnopqrstuvwxyz1234565:nodes27:" + std::string(27, 'n') + "e1:t2:aa1:y1:re",
      "d1:rd2:id20:mnopqrstuvwxyz1234566:nodes626:" + std::string(26, 'n') + "e1:t2:aa1:y1:re",
      "d1:rd2:id20:mnopqrstuvwxyz1234566:valuesl7:abcdefgee1:t2:aa1:y1:re",
      "d1:rd2:id20:mnopqrstuvwxyz1234566:valuesli1eee1:t2:aa1:y1:re",
      "d1:rd2:id20:mnopqrstuvwxyz1234567:samples3:abce1:t2:aa1:y1:re",
      "d1:rd2:id20:mnopqrstuvwxyz1234564:BFsd3:abce1:t2:aa1:y1:re",
      "d1:eli201ee1:t2:aa1:y1:re",             // y=r but e
      "d1:ele1:t2:aa1:y1:ee",                  // empty error list
      "d1:el3:abce1:t2:aa1:y1:ee",             // error code not an integer
      std::string(kMaxDatagramSize + 1, 'd'),  // oversize
  };
  for (const auto& wire : cases) {
    const Rejection r = decode_rejected(wire);
    EXPECT_FALSE(r.answerable()) << wire;
  }
}

TEST(Krpc, OversizeDatagramIsRejectedBeforeParsing) {
  std::string wire = query_wire("ping", base_args());
  wire.insert(1, "1:x" + std::to_string(kMaxDatagramSize) + ":" +
                     std::string(kMaxDatagramSize, 'p'));  // valid bencode, too big
  EXPECT_EQ(decode_rejected(wire).message, "datagram too large");
}

TEST(Krpc, ErrorWithoutMessageIsAccepted) {
  const Message m = decode_ok("d1:eli202ee1:t2:aa1:y1:ee");
  const auto& e = std::get<ErrorReply>(m.body);
  EXPECT_EQ(e.code, 202);
  EXPECT_TRUE(e.message.empty());
}

}  // namespace
}  // namespace btnode::dht
