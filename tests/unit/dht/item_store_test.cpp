#include "dht/item_store.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "dht/item.h"

namespace btnode::dht {
namespace {

constexpr TimePoint kT0 = TimePoint{} + std::chrono::hours(10);

// A signer with a fresh key; keeps the strings its PutArgs view.
struct Writer {
  Ed25519PublicKey pk{};
  Ed25519SecretKey sk{};
  std::string salt, value, sig;
  Writer() {
    EXPECT_GE(sodium_init(), 0);
    crypto_sign_keypair(pk.data(), sk.data());
  }
  PutArgs put(std::int64_t seq, std::string v, std::optional<std::int64_t> cas = {}) {
    value = std::move(v);
    sig = std::string(bytes_view(sign_item(sk, salt, seq, value)));
    PutArgs a;
    a.value = value;
    a.key = bytes_view(pk);
    a.signature = sig;
    a.seq = seq;
    a.cas = cas;
    a.salt = salt;
    return a;
  }
};

PutArgs immutable(std::string_view v) {
  PutArgs a;
  a.value = v;
  return a;
}

ErrorCode refusal(const std::optional<PutRefusal>& r) {
  return r ? r->code : ErrorCode::generic;
}

TEST(ItemStore, ImmutableStoredUnderHashOfValue) {
  ItemStore store;
  EXPECT_FALSE(check_put(immutable("12:Hello World!")));
  EXPECT_FALSE(store.put(immutable("12:Hello World!"), kT0));
  const auto* item = store.get(immutable_target("12:Hello World!"), kT0);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->value, "12:Hello World!");
  EXPECT_FALSE(item->is_mutable());
}

TEST(ItemStore, MutableStoredUnderKeyAndSalt) {
  ItemStore store;
  Writer w;
  w.salt = "foobar";
  const PutArgs a = w.put(1, "i5e");
  EXPECT_FALSE(check_put(a));
  EXPECT_FALSE(store.put(a, kT0));
  EXPECT_EQ(put_target(a), mutable_target(bytes_view(w.pk), "foobar"));
  const auto* item = store.get(put_target(a), kT0);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->seq, 1);
  EXPECT_EQ(item->key, bytes_view(w.pk));
  EXPECT_EQ(item->signature, w.sig);
  EXPECT_EQ(store.get(mutable_target(bytes_view(w.pk), ""), kT0), nullptr);
}

TEST(ItemStore, CheckPutErrorCodes) {
  Writer w;
  const std::string big = "1000:" + std::string(1000, 'x');  // 1005 bytes bencoded
  EXPECT_EQ(refusal(check_put(immutable(big))), ErrorCode::message_too_big);
  EXPECT_FALSE(check_put(immutable("995:" + std::string(995, 'x'))));  // exactly 1000
  w.salt = std::string(65, 's');
  EXPECT_EQ(refusal(check_put(w.put(1, "i1e"))), ErrorCode::salt_too_big);
  w.salt = std::string(64, 's');
  EXPECT_FALSE(check_put(w.put(1, "i1e")));
  EXPECT_EQ(refusal(check_put(immutable("d1:bi1e1:ai2ee"))), ErrorCode::protocol);  // unsorted
  EXPECT_EQ(refusal(check_put(immutable("i1e trailing"))), ErrorCode::protocol);
  EXPECT_EQ(refusal(check_put(w.put(-1, "i1e"))), ErrorCode::protocol);
}

TEST(ItemStore, BadSignatureRefusedAndNothingStored) {
  ItemStore store;
  Writer w;
  PutArgs forged = w.put(1, "i1e");
  forged.seq = 2;
  EXPECT_FALSE(check_put(forged));  // signatures are the store's (costlier) check
  EXPECT_EQ(refusal(store.put(forged, kT0)), ErrorCode::invalid_signature);
  EXPECT_EQ(store.size(), 0u);
}

TEST(ItemStore, SequenceMustIncrease) {
  ItemStore store;
  Writer w;
  EXPECT_FALSE(store.put(w.put(5, "i5e"), kT0));
  EXPECT_EQ(refusal(store.put(w.put(4, "i4e"), kT0)), ErrorCode::sequence_too_old);
  EXPECT_EQ(refusal(store.put(w.put(5, "i6e"), kT0)), ErrorCode::sequence_too_old);
  EXPECT_FALSE(store.put(w.put(6, "i6e"), kT0));
  EXPECT_EQ(store.get(put_target(w.put(6, "i6e")), kT0)->value, "i6e");
}

TEST(ItemStore, SameSeqAndValueRefreshesExpiry) {
  ItemStore store;
  Writer w;
  EXPECT_FALSE(store.put(w.put(1, "i1e"), kT0));
  EXPECT_FALSE(store.put(w.put(1, "i1e"), kT0 + 90min));
  const NodeId target = put_target(w.put(1, "i1e"));
  EXPECT_NE(store.get(target, kT0 + 3h), nullptr);
  EXPECT_EQ(store.get(target, kT0 + 90min + 2h), nullptr);
}

TEST(ItemStore, CasMustMatchStoredSeq) {
  ItemStore store;
  Writer w;
  EXPECT_FALSE(store.put(w.put(1, "i1e", 99), kT0));  // nothing stored: cas ignored
  EXPECT_EQ(refusal(store.put(w.put(3, "i3e", 2), kT0)), ErrorCode::cas_mismatch);
  EXPECT_FALSE(store.put(w.put(3, "i3e", 1), kT0));
  EXPECT_EQ(store.get(put_target(w.put(3, "i3e")), kT0)->seq, 3);
}

TEST(ItemStore, ItemsExpireAfterTwoHours) {
  ItemStore store;
  EXPECT_FALSE(store.put(immutable("i1e"), kT0));
  EXPECT_NE(store.get(immutable_target("i1e"), kT0 + 119min), nullptr);
  EXPECT_EQ(store.get(immutable_target("i1e"), kT0 + 2h), nullptr);
  store.expire(kT0 + 2h);
  EXPECT_EQ(store.size(), 0u);
}

TEST(ItemStore, ExpiredMutableItemCanBeReplacedWithLowerSeq) {
  ItemStore store;
  Writer w;
  EXPECT_FALSE(store.put(w.put(9, "i9e"), kT0));
  EXPECT_FALSE(store.put(w.put(2, "i2e"), kT0 + 3h));
  EXPECT_EQ(store.get(put_target(w.put(2, "i2e")), kT0 + 3h)->seq, 2);
}

TEST(ItemStore, BoundedEvictsOldest) {
  ItemStoreOptions options;
  options.max_items = 3;
  ItemStore store(options);
  const std::string values[] = {"i0e", "i1e", "i2e", "i3e", "i4e"};
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(store.put(immutable(values[i]), kT0 + std::chrono::seconds(i)));
  }
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.get(immutable_target("i0e"), kT0 + 5s), nullptr);
  EXPECT_EQ(store.get(immutable_target("i1e"), kT0 + 5s), nullptr);
  EXPECT_NE(store.get(immutable_target("i4e"), kT0 + 5s), nullptr);
}

}  // namespace
}  // namespace btnode::dht
