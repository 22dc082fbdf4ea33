#include "dht/get_item_lookup.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <memory>

#include "tests/unit/dht/lookup_test_nodes.h"

namespace btnode::dht {
namespace {

using testing::ep;
using testing::id_of;
using testing::kT0;
using testing::node;

// Owns the strings a Response views; heap-allocated so the views stay put.
struct Reply {
  std::string token, value, key, sig;
  Response response;
};

TraversalOptions options() {
  TraversalOptions o;
  o.alpha = 8;
  o.k = 3;
  return o;
}

class GetItemLookupTest : public ::testing::Test {
 protected:
  GetItemLookupTest() {
    EXPECT_GE(sodium_init(), 0);
    crypto_sign_keypair(pk.data(), sk.data());
  }
  std::unique_ptr<Reply> mutable_reply(std::uint8_t n, std::int64_t seq, std::string value,
                                       std::string_view salt = "s") {
    auto r = std::make_unique<Reply>();
    r->response.id = id_of(n);
    r->value = std::move(value);
    r->key = std::string(bytes_view(pk));
    r->sig = std::string(bytes_view(sign_item(sk, salt, seq, r->value)));
    r->response.value = r->value;
    r->response.key = r->key;
    r->response.signature = r->sig;
    r->response.seq = seq;
    return r;
  }
  void start(GetItemLookup& l, std::initializer_list<std::uint8_t> seeds) {
    for (std::uint8_t n : seeds) l.add_seed(node(n));
    l.pick(kT0, sent);
  }

  Ed25519PublicKey pk{};
  Ed25519SecretKey sk{};
  std::vector<Traversal::Request> sent;
};

TEST_F(GetItemLookupTest, SendsGetForTheTarget) {
  const ItemKey key = ItemKey::mutable_item(bytes_view(pk), "s");
  GetItemLookup l(key, options());
  const QueryArgs q = l.query_args();
  const auto* args = std::get_if<GetArgs>(&q);
  ASSERT_NE(args, nullptr);
  EXPECT_EQ(args->target, mutable_target(bytes_view(pk), "s"));
}

TEST_F(GetItemLookupTest, ImmutableValueMustHashToTheTarget) {
  GetItemLookup l(ItemKey::immutable(immutable_target("3:abc")), options());
  start(l, {1, 2});
  Reply wrong, right;
  wrong.response.id = id_of(1);
  wrong.value = "3:abd";
  wrong.response.value = wrong.value;
  l.on_response(ep(1), wrong.response, {});
  EXPECT_FALSE(l.item());
  right.response.id = id_of(2);
  right.value = "3:abc";
  right.response.value = right.value;
  l.on_response(ep(2), right.response, {});
  ASSERT_TRUE(l.item());
  EXPECT_EQ(l.item()->value, "3:abc");
}

TEST_F(GetItemLookupTest, MutableKeepsTheNewestValidItem) {
  GetItemLookup l(ItemKey::mutable_item(bytes_view(pk), "s"), options());
  start(l, {1, 2, 3, 4});
  const auto old = mutable_reply(1, 3, "i3e");
  const auto newest = mutable_reply(2, 5, "i5e");
  auto forged = mutable_reply(3, 9, "i9e");
  forged->response.seq = 10;  // signature covers 9
  const auto other_salt = mutable_reply(4, 11, "i11e", "t");
  l.on_response(ep(1), old->response, {});
  EXPECT_EQ(l.item()->seq, 3);
  l.on_response(ep(2), newest->response, {});
  l.on_response(ep(3), forged->response, {});
  l.on_response(ep(4), other_salt->response, {});
  ASSERT_TRUE(l.item());
  EXPECT_EQ(l.item()->seq, 5);
  EXPECT_EQ(l.item()->value, "i5e");
  EXPECT_EQ(l.item()->public_key, bytes_view(pk));
}

TEST_F(GetItemLookupTest, MutableFromAnotherKeyIsIgnored) {
  Ed25519PublicKey other{};
  Ed25519SecretKey other_sk{};
  crypto_sign_keypair(other.data(), other_sk.data());
  GetItemLookup l(ItemKey::mutable_item(bytes_view(other), "s"), options());
  start(l, {1});
  const auto r = mutable_reply(1, 1, "i1e");  // validly signed, but by pk
  l.on_response(ep(1), r->response, {});
  EXPECT_FALSE(l.item());
}

TEST_F(GetItemLookupTest, WritesToTheClosestThatGaveATokenWithTheirToken) {
  GetItemLookup l(ItemKey::immutable(NodeId{}), options());
  start(l, {1, 2, 3, 4, 5});
  const std::string tokens[] = {"t1", "", "t3", "t4", "t5"};
  for (std::uint8_t n = 5; n >= 1; --n) {
    Reply r;
    r.response.id = id_of(n);
    r.token = tokens[n - 1];
    if (!r.token.empty()) r.response.token = r.token;
    l.on_response(ep(n), r.response, {});
  }
  std::vector<GetItemLookup::Writable> targets;
  l.write_targets(targets, 3);
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0].node, node(1));
  EXPECT_EQ(targets[0].token, "t1");
  EXPECT_EQ(targets[1].node, node(3));
  EXPECT_EQ(targets[2].node, node(4));
}

}  // namespace
}  // namespace btnode::dht
