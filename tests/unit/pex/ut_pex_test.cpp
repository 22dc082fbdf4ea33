#include "pex/ut_pex.h"

#include <gtest/gtest.h>

#include "core/bencode.h"

namespace btnode::pex {
namespace {

Endpoint ep(const char* text) { return *Endpoint::parse(text); }

std::string dict(std::initializer_list<std::pair<std::string, std::string>> entries) {
  std::string out;
  bencode::Writer w(out);
  w.begin_dict();
  for (const auto& [k, v] : entries) w.string(k).string(v);
  w.end();
  return out;
}

TEST(UtPex, RoundTripBothFamiliesWithFlags) {
  PexMessage m;
  m.added = {{ep("10.0.0.1:6881"), kFlagSeed | kFlagReachable},
             {ep("[2001:db8::1]:51413"), kFlagEncryption}};
  m.dropped = {ep("10.0.0.2:6882"), ep("[2001:db8::2]:6883")};
  auto back = decode_pex(encode_pex(m));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, m);
}

TEST(UtPex, KnownBytes) {
  PexMessage m;
  m.added = {{ep("1.2.3.4:258"), 0x12}};
  EXPECT_EQ(encode_pex(m), std::string("d5:added6:\x01\x02\x03\x04\x01\x02" "7:added.f1:\x12"
                                       "6:added60:8:added6.f0:7:dropped0:8:dropped60:e"));
}

TEST(UtPex, MissingFlagsMeanZeroAndUnknownKeysIgnored) {
  auto m = decode_pex(dict({{"added", std::string("\x01\x02\x03\x04\x00\x50", 6)},
                            {"zzz", "whatever"}}));
  ASSERT_TRUE(m);
  ASSERT_EQ(m->added.size(), 1u);
  EXPECT_EQ(m->added[0].endpoint, ep("1.2.3.4:80"));
  EXPECT_EQ(m->added[0].flags, 0);
}

TEST(UtPex, RejectsRaggedListsAndNonDicts) {
  EXPECT_FALSE(decode_pex(dict({{"added", "12345"}})));
  EXPECT_FALSE(decode_pex(dict({{"dropped6", std::string(17, 'x')}})));
  EXPECT_FALSE(decode_pex("li1ee"));
  EXPECT_FALSE(decode_pex("d5:added"));
  EXPECT_FALSE(decode_pex(std::string(70 * 1024, 'd')));
}

TEST(UtPex, KeepsAtMostMaxPeersAndSkipsPortZero) {
  std::string many;
  for (int i = 0; i < 300; ++i) {
    many += std::string("\x0a\x00", 2) + char(i / 256) + char(i % 256) + std::string("\x1a\xe1", 2);
  }
  many += std::string("\x0a\x00\x00\x01\x00\x00", 6);  // port 0
  auto m = decode_pex(dict({{"added", many}}), {.max_payload = 64 * 1024, .max_peers = 200});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->added.size(), 200u);
}

TEST(PexSender, FirstAtOnceThenOncePerIntervalWithDiffs) {
  using namespace std::chrono_literals;
  PexSender sender(60s);
  TimePoint t0{};
  std::vector<PexPeer> peers = {{ep("10.0.0.1:1"), 0}, {ep("10.0.0.2:2"), kFlagSeed}};
  auto first = sender.update(peers, t0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->added.size(), 2u);
  EXPECT_TRUE(first->dropped.empty());
  peers.erase(peers.begin());
  peers.push_back({ep("10.0.0.3:3"), 0});
  EXPECT_FALSE(sender.update(peers, t0 + 59s));  // not yet due
  auto second = sender.update(peers, t0 + 60s);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->added.size(), 1u);
  EXPECT_EQ(second->added[0].endpoint, ep("10.0.0.3:3"));
  ASSERT_EQ(second->dropped.size(), 1u);
  EXPECT_EQ(second->dropped[0], ep("10.0.0.1:1"));
  EXPECT_FALSE(sender.update(peers, t0 + 200s));  // nothing changed: nothing sent
}

TEST(PexSender, AtMostFiftyPerMessageRestLater) {
  using namespace std::chrono_literals;
  PexSender sender(60s);
  std::vector<PexPeer> peers;
  for (int i = 0; i < 120; ++i)
    peers.push_back({*Endpoint::from_address("10.1.0." + std::to_string(i), 1000), 0});
  TimePoint t{};
  std::size_t total = 0;
  for (int round = 0; round < 3; ++round) {
    auto m = sender.update(peers, t + round * 60s);
    ASSERT_TRUE(m);
    EXPECT_LE(m->added.size(), kMaxPexPeersPerMessage);
    total += m->added.size();
  }
  EXPECT_EQ(total, 120u);
}

TEST(PexReceiver, RateLimitedAndBounded) {
  using namespace std::chrono_literals;
  PexReceiver receiver(45s, 50);
  PexMessage m;
  for (int i = 0; i < 80; ++i)
    m.added.push_back({*Endpoint::from_address("10.2.0." + std::to_string(i), 1000), 0});
  TimePoint t{};
  auto first = receiver.accept(m, t);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 50u);
  EXPECT_FALSE(receiver.accept(m, t + 10s));
  EXPECT_TRUE(receiver.accept(m, t + 60s));
}

}  // namespace
}  // namespace btnode::pex
