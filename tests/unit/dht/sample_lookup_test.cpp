#include "dht/sample_lookup.h"

#include <gtest/gtest.h>

#include "tests/unit/dht/lookup_test_nodes.h"

namespace btnode::dht {
namespace {

using testing::ep;
using testing::id_of;
using testing::kT0;
using testing::node;

TraversalOptions options() {
  TraversalOptions o;
  o.alpha = 8;
  o.k = 3;
  return o;
}

std::string hashes(std::initializer_list<std::uint8_t> ns) {
  std::string s;
  for (auto n : ns) s += id_of(n).view();
  return s;
}

TEST(SampleLookupTest, AsksSampleInfohashesForTheTarget) {
  SampleLookup lookup(id_of(0), options());
  const QueryArgs q = lookup.query_args();
  const auto* args = std::get_if<SampleInfohashesArgs>(&q);
  ASSERT_NE(args, nullptr);
  EXPECT_EQ(args->target, id_of(0));
}

TEST(SampleLookupTest, KeepsDistinctSamplesAndSumsNum) {
  SampleLookup lookup(id_of(0), options());
  for (std::uint8_t n = 1; n <= 3; ++n) lookup.add_seed(node(n));
  std::vector<Traversal::Request> sent;
  lookup.pick(kT0, sent);
  ASSERT_EQ(sent.size(), 3u);

  const std::string a = hashes({50, 51}), b = hashes({51, 52, 53});
  Response r1;
  r1.id = id_of(1);
  r1.samples = a;
  r1.num = 2;
  r1.interval = 60;
  Response r2;
  r2.id = id_of(2);
  r2.samples = b;
  r2.num = 400;
  r2.interval = 999999;  // beyond BEP 51's 21600: clamped
  Response r3;           // a node that does not know BEP 51
  r3.id = id_of(3);
  EXPECT_TRUE(lookup.on_response(ep(1), r1, {}));
  EXPECT_TRUE(lookup.on_response(ep(2), r2, {}));
  EXPECT_TRUE(lookup.on_response(ep(3), r3, {}));
  EXPECT_TRUE(lookup.done());
  EXPECT_EQ(lookup.samples(),
            (std::vector<NodeId>{id_of(50), id_of(51), id_of(52), id_of(53)}));
  EXPECT_EQ(lookup.sampled_nodes(), 2u);
  EXPECT_EQ(lookup.total_num(), 402);
  EXPECT_EQ(lookup.max_interval(), 21600);
}

TEST(SampleLookupTest, NegativeNumCountsAsZero) {
  SampleLookup lookup(id_of(0), options());
  lookup.add_seed(node(1));
  std::vector<Traversal::Request> sent;
  lookup.pick(kT0, sent);
  const std::string s = hashes({9});
  Response r;
  r.id = id_of(1);
  r.samples = s;
  r.num = -5;
  r.interval = -1;
  EXPECT_TRUE(lookup.on_response(ep(1), r, {}));
  EXPECT_EQ(lookup.total_num(), 0);
  EXPECT_EQ(lookup.max_interval(), 0);
  EXPECT_EQ(lookup.samples().size(), 1u);
}

}  // namespace
}  // namespace btnode::dht
