// dht::Node answering BEP 44 get and put (node_items.cpp).
#include <gtest/gtest.h>
#include <sodium.h>

#include "core/bencode.h"
#include "dht/item.h"
#include "dht/node.h"

namespace btnode::dht {
namespace {

using bencode::Item;
constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(1);

Endpoint v4(std::uint8_t i) {
  return Endpoint::v4({25, 0, 0, i}, 6881);
}

std::string query(std::string method, Item::Dict args) {
  args["id"] = std::string(20, 'q');
  Item::Dict d{{"a", std::move(args)}, {"q", std::move(method)}, {"t", "aa"}, {"y", "q"}};
  return bencode::encode(Item(std::move(d)));
}

struct Reply {
  std::string bytes;
  Message message;
  const Response& response() const { return std::get<Response>(message.body); }
  std::int64_t error() const {
    const auto* e = std::get_if<ErrorReply>(&message.body);
    return e ? e->code : 0;
  }
};

class NodeItemsTest : public ::testing::Test {
 protected:
  NodeItemsTest() {
    EXPECT_GE(sodium_init(), 0);
    crypto_sign_keypair(pk.data(), sk.data());
    for (std::uint8_t i = 1; i <= 10; ++i) {
      NodeId id;
      id.bytes.fill(i);
      node.table(Endpoint::Family::v4).node_responded({id, v4(100 + i)}, kT0);
    }
  }

  NodeOptions options() {
    NodeOptions o;
    o.id.bytes.fill(0x80);
    return o;
  }

  Reply exchange(const std::string& bytes, const Endpoint& from, TimePoint now = kT0) {
    out.clear();
    node.on_packet(bytes, from, now, out);
    for (const auto& d : out) {
      if (d.to != from || d.bytes.ends_with("1:y1:qe")) continue;
      Reply r{d.bytes, {}};
      const Decoded decoded = decode(r.bytes);
      if (const auto* m = std::get_if<Message>(&decoded)) r.message = *m;
      return r;
    }
    ADD_FAILURE() << "no reply";
    return {};
  }

  Reply get(const NodeId& target, std::optional<std::int64_t> seq = {},
            const Endpoint& from = v4(1)) {
    Item::Dict a{{"target", std::string(target.view())}};
    if (seq) a["seq"] = *seq;
    return exchange(query("get", std::move(a)), from);
  }
  std::string token_for(const NodeId& target, const Endpoint& from = v4(1)) {
    return std::string(get(target, {}, from).response().token.value_or(""));
  }

  // A signed mutable put of string value `v`, with a fresh token unless given.
  Item::Dict mutable_put(std::int64_t seq, const std::string& v, const std::string& salt = "") {
    const std::string encoded = bencode::encode(Item(v));
    const Ed25519Signature sig = sign_item(sk, salt, seq, encoded);
    Item::Dict a{{"k", std::string(bytes_view(pk))},
                 {"seq", seq},
                 {"sig", std::string(bytes_view(sig))},
                 {"v", v}};
    if (!salt.empty()) a["salt"] = salt;
    a["token"] = token_for(mutable_target(bytes_view(pk), salt));
    return a;
  }

  Node node{options(), kT0};
  std::vector<Datagram> out;
  Ed25519PublicKey pk{};
  Ed25519SecretKey sk{};
};

TEST_F(NodeItemsTest, ImmutablePutThenGet) {
  const NodeId target = immutable_target("12:Hello World!");
  const Reply empty = get(target);
  ASSERT_TRUE(empty.response().token.has_value());
  EXPECT_FALSE(empty.response().value.has_value());
  EXPECT_TRUE(empty.response().nodes.has_value());

  Item::Dict put{{"token", token_for(target)}, {"v", "Hello World!"}};
  const Reply ack = exchange(query("put", put), v4(1));
  EXPECT_EQ(ack.error(), 0);
  EXPECT_EQ(ack.response().id, node.id());

  const Reply got = get(target, {}, v4(2));
  ASSERT_TRUE(got.response().value.has_value());
  EXPECT_EQ(*got.response().value, "12:Hello World!");
  EXPECT_FALSE(got.response().seq.has_value());
  EXPECT_FALSE(got.response().key.has_value());
}

TEST_F(NodeItemsTest, MutablePutThenGetVerifies) {
  ASSERT_EQ(exchange(query("put", mutable_put(1, "Hello World!", "foobar")), v4(1)).error(), 0);
  const NodeId target = mutable_target(bytes_view(pk), "foobar");
  const Reply got = get(target);
  const Response& r = got.response();
  ASSERT_TRUE(r.value && r.key && r.signature && r.seq);
  EXPECT_EQ(*r.seq, 1);
  // What a requester does (BEP 44): key hashes to the target, signature holds.
  EXPECT_EQ(mutable_target(*r.key, "foobar"), target);
  EXPECT_TRUE(verify_item_signature(*r.key, *r.signature, "foobar", *r.seq, *r.value));
}

TEST_F(NodeItemsTest, GetWithSeqOmitsItemsTheQuerierHas) {
  ASSERT_EQ(exchange(query("put", mutable_put(5, "five")), v4(1)).error(), 0);
  const NodeId target = mutable_target(bytes_view(pk), "");
  const Reply same = get(target, 5);
  EXPECT_EQ(same.response().seq, 5);
  EXPECT_FALSE(same.response().value || same.response().key || same.response().signature);
  EXPECT_TRUE(get(target, 4).response().value.has_value());
}

TEST_F(NodeItemsTest, PutTokenMustBeOursForThatIpAndTarget) {
  Item::Dict put{{"token", "forged!!"}, {"v", "x"}};
  EXPECT_EQ(exchange(query("put", put), v4(1)).error(), 203);
  put["token"] = token_for(immutable_target("1:x"), v4(2));  // issued to another IP
  EXPECT_EQ(exchange(query("put", put), v4(1)).error(), 203);
  put["token"] = token_for(immutable_target("1:y"));  // issued for another target
  EXPECT_EQ(exchange(query("put", put), v4(1)).error(), 203);
  EXPECT_EQ(node.item_store().size(), 0u);
}

TEST_F(NodeItemsTest, PutErrorCodes) {
  Item::Dict big{{"v", std::string(1000, 'x')}};
  big["token"] = token_for(immutable_target(bencode::encode(Item(std::string(1000, 'x')))));
  EXPECT_EQ(exchange(query("put", big), v4(1)).error(), 205);

  Item::Dict salty = mutable_put(1, "v", std::string(65, 's'));
  EXPECT_EQ(exchange(query("put", salty), v4(1)).error(), 207);

  Item::Dict forged = mutable_put(1, "v");
  forged["seq"] = 2;
  EXPECT_EQ(exchange(query("put", forged), v4(1)).error(), 206);

  ASSERT_EQ(exchange(query("put", mutable_put(3, "three")), v4(1)).error(), 0);
  EXPECT_EQ(exchange(query("put", mutable_put(2, "two")), v4(1)).error(), 302);
  EXPECT_EQ(exchange(query("put", mutable_put(3, "other")), v4(1)).error(), 302);
  EXPECT_EQ(exchange(query("put", mutable_put(3, "three")), v4(1)).error(), 0);  // republish

  Item::Dict cas = mutable_put(4, "four");
  cas["cas"] = 2;
  EXPECT_EQ(exchange(query("put", cas), v4(1)).error(), 301);
  cas["cas"] = 3;
  EXPECT_EQ(exchange(query("put", cas), v4(1)).error(), 0);
  EXPECT_EQ(get(mutable_target(bytes_view(pk), "")).response().seq, 4);
}

TEST_F(NodeItemsTest, ItemsExpireOnTheTimer) {
  Item::Dict put{{"token", token_for(immutable_target("1:x"))}, {"v", "x"}};
  ASSERT_EQ(exchange(query("put", put), v4(1)).error(), 0);
  EXPECT_EQ(node.item_store().size(), 1u);
  out.clear();
  node.on_timer(kT0 + 2h + 1min, out);
  EXPECT_EQ(node.item_store().size(), 0u);
}

// A full-size item asked for with both node lists: the reply stays within
// max_reply_bytes and keeps the value; the IPv6 nodes go first.
TEST_F(NodeItemsTest, FullSizeItemReplyIsBounded) {
  for (std::uint8_t i = 1; i <= 10; ++i) {
    NodeId id;
    id.bytes.fill(i);
    node.table(Endpoint::Family::v6)
        .node_responded({id, Endpoint::v6({0x2a, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, i}, 6881)},
                        kT0);
  }
  const std::string big(995, 'x');  // "995:" + 995 bytes = 999 bencoded
  ASSERT_EQ(exchange(query("put", mutable_put(1, big)), v4(1)).error(), 0);
  const NodeId target = mutable_target(bytes_view(pk), "");
  Item::Dict a{{"target", std::string(target.view())},
               {"want", Item::List{Item("n4"), Item("n6")}}};
  const Reply got = exchange(query("get", std::move(a)), v4(3));
  EXPECT_LE(got.bytes.size(), NodeOptions{}.max_reply_bytes);
  ASSERT_TRUE(got.response().value.has_value());
  EXPECT_EQ(got.response().value->size(), 999u);
  EXPECT_TRUE(got.response().signature.has_value());
  EXPECT_EQ(node.replies_trimmed(), 1u);
  // Without the item the same query fits whole.
  Item::Dict b{{"target", std::string(NodeId{}.view())},
               {"want", Item::List{Item("n4"), Item("n6")}}};
  const Reply small = exchange(query("get", std::move(b)), v4(3));
  EXPECT_EQ(small.response().nodes->size(), 8u * 26u);
  EXPECT_EQ(small.response().nodes6->size(), 8u * 38u);
  EXPECT_EQ(node.replies_trimmed(), 1u);
}

// Values beyond BEP 44's 1000 bytes are refused (205) and never stored.
TEST_F(NodeItemsTest, OversizedValuesAreRefused) {
  const std::string huge(1200, 'y');
  const Reply immutable = exchange(
      query("put", {{"token", token_for(immutable_target("1200:" + huge))}, {"v", huge}}), v4(1));
  EXPECT_EQ(immutable.error(), 205);
  const Reply mut = exchange(query("put", mutable_put(1, huge)), v4(1));
  EXPECT_EQ(mut.error(), 205);
  EXPECT_EQ(node.item_store().size(), 0u);
}

}  // namespace
}  // namespace btnode::dht
