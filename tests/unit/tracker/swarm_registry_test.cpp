#include "tracker/swarm_registry.h"

#include <gtest/gtest.h>

#include "tests/unit/tracker/test_util.h"

namespace btnode::tracker {
namespace {

using namespace std::chrono_literals;
using test::ep;
const TimePoint kT0{std::chrono::hours(1)};

AnnounceRequest req(char hash, std::uint64_t left, Event e = Event::none) {
  auto q = test::sample_request();
  q.info_hash = test::hash_of(hash);
  q.left = left;
  q.event = e;
  return q;
}

TEST(SwarmRegistry, PeersLearnEachOtherButNotThemselves) {
  SwarmRegistry reg({});
  auto a = reg.announce(req('h', 0, Event::started), ep("127.0.2.1:1000"), kT0);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->peers.empty());
  EXPECT_EQ(a->complete, 1u);
  EXPECT_EQ(a->external_ip, ep("127.0.2.1:0"));
  auto b = reg.announce(req('h', 5, Event::started), ep("127.0.2.2:2000"), kT0);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->peers, (std::vector<Endpoint>{ep("127.0.2.1:1000")}));
  EXPECT_EQ(b->complete, 1u);
  EXPECT_EQ(b->incomplete, 1u);
  // A seed is not told about other seeds.
  auto c = reg.announce(req('h', 0), ep("127.0.2.3:3000"), kT0);
  EXPECT_EQ(c->peers, (std::vector<Endpoint>{ep("127.0.2.2:2000")}));
}

TEST(SwarmRegistry, StoppedRemovesAndCompletedCounts) {
  SwarmRegistry reg({});
  ASSERT_TRUE(reg.announce(req('h', 5), ep("127.0.2.1:1"), kT0));
  ASSERT_TRUE(reg.announce(req('h', 0, Event::completed), ep("127.0.2.1:1"), kT0));
  ASSERT_TRUE(reg.announce(req('h', 0, Event::completed), ep("127.0.2.1:1"), kT0));  // repeated
  auto hs = std::vector<Hash20>{test::hash_of('h'), test::hash_of('x')};
  auto s = reg.scrape(hs);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].complete, 1u);
  EXPECT_EQ(s[0].downloaded, 1u);
  EXPECT_EQ(s[1].complete, 0u);
  ASSERT_TRUE(reg.announce(req('h', 0, Event::stopped), ep("127.0.2.1:1"), kT0));
  EXPECT_EQ(reg.peer_count(), 0u);
}

TEST(SwarmRegistry, PeersExpire) {
  SwarmOptions o;
  o.peer_timeout = 100s;
  SwarmRegistry reg(o);
  ASSERT_TRUE(reg.announce(req('h', 5), ep("127.0.2.1:1"), kT0));
  ASSERT_TRUE(reg.announce(req('h', 5), ep("127.0.2.2:1"), kT0 + 50s));
  reg.expire(kT0 + 120s);
  EXPECT_EQ(reg.peer_count(), 1u);
  reg.expire(kT0 + 200s);
  EXPECT_EQ(reg.peer_count(), 0u);
  EXPECT_EQ(reg.torrent_count(), 0u);
}

TEST(SwarmRegistry, BoundsAndWhitelist) {
  SwarmOptions o;
  o.max_torrents = 1;
  o.max_peers_per_torrent = 2;
  o.max_numwant = 3;
  SwarmRegistry reg(o);
  ASSERT_TRUE(reg.announce(req('a', 1), ep("127.0.2.1:1"), kT0));
  EXPECT_EQ(reg.announce(req('b', 1), ep("127.0.2.1:1"), kT0).error().message, "tracker full");
  ASSERT_TRUE(reg.announce(req('a', 1), ep("127.0.2.2:1"), kT0));
  EXPECT_EQ(reg.announce(req('a', 1), ep("127.0.2.3:1"), kT0).error().message, "swarm full");
  ASSERT_TRUE(reg.announce(req('a', 1), ep("127.0.2.2:1"), kT0));  // a known peer re-announces

  SwarmOptions w;
  w.whitelist = std::set<Hash20>{test::hash_of('a')};
  SwarmRegistry listed(w);
  EXPECT_TRUE(listed.announce(req('a', 1), ep("127.0.2.1:1"), kT0));
  EXPECT_EQ(listed.announce(req('b', 1), ep("127.0.2.1:1"), kT0).error().message,
            "info_hash not in whitelist");
}

TEST(SwarmRegistry, AnswersAreCappedByNumwant) {
  SwarmOptions o;
  o.max_numwant = 30;
  SwarmRegistry reg(o);
  for (int i = 1; i <= 100; ++i)
    ASSERT_TRUE(reg.announce(req('a', 1), Endpoint::v4({127, 0, 2, std::uint8_t(i)}, 1), kT0));
  auto q = req('a', 1);
  q.numwant = 1000;
  auto r = reg.announce(q, ep("127.0.2.200:1"), kT0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->peers.size(), 30u);
  q.numwant = 5;
  EXPECT_EQ(reg.announce(q, ep("127.0.2.200:1"), kT0)->peers.size(), 5u);
}

}  // namespace
}  // namespace btnode::tracker
