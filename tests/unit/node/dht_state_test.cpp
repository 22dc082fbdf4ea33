#include "node/dht_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace btnode::node {
namespace {

NodeId id_with(std::uint8_t first) {
  std::string raw(20, '\x11');
  raw[0] = static_cast<char>(first);
  return *NodeId::from_bytes(raw);
}

DhtState sample_state() {
  DhtState s{id_with(0xab), {}};
  s.nodes.push_back({id_with(1), *Endpoint::parse("198.51.100.1:6881")});
  s.nodes.push_back({id_with(2), *Endpoint::parse("[2001:db8::2]:6882")});
  s.nodes.push_back({id_with(3), *Endpoint::parse("203.0.113.3:1")});
  return s;
}

class DhtStateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("btnode-dht-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST(DhtState, EncodeDecodeRoundTrip) {
  const DhtState s = sample_state();
  auto back = decode_dht_state(encode_dht_state(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, s.id);
  // Families are stored under separate keys: v4 first, then v6.
  ASSERT_EQ(back->nodes.size(), 3u);
  EXPECT_EQ(back->nodes[0], s.nodes[0]);
  EXPECT_EQ(back->nodes[1], s.nodes[2]);
  EXPECT_EQ(back->nodes[2], s.nodes[1]);
}

TEST(DhtState, RejectsCorruptInput) {
  const std::string good = encode_dht_state(sample_state());
  EXPECT_FALSE(decode_dht_state(""));
  EXPECT_FALSE(decode_dht_state("garbage"));
  EXPECT_FALSE(decode_dht_state(good.substr(0, good.size() / 2)));              // torn write
  EXPECT_FALSE(decode_dht_state("d2:id3:abce"));                                // short id
  EXPECT_FALSE(decode_dht_state("d2:id20:aaaaaaaaaaaaaaaaaaaa5:nodes3:xyze"));  // ragged nodes
  EXPECT_FALSE(decode_dht_state("li1ee"));
}

TEST(DhtState, SkipsPortZeroNodes) {
  DhtState s = sample_state();
  s.nodes.push_back({id_with(4), *Endpoint::parse("198.51.100.4:0")});
  auto back = decode_dht_state(encode_dht_state(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->nodes.size(), 3u);
}

TEST_F(DhtStateFiles, SaveCreatesTheDirectoryAndLoadReadsItBack) {
  ASSERT_TRUE(save_dht_state(dir_ / "nested", sample_state()));
  auto loaded = load_dht_state(dir_ / "nested");
  ASSERT_TRUE(loaded);
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->id, sample_state().id);
  EXPECT_EQ((*loaded)->nodes.size(), 3u);
}

TEST_F(DhtStateFiles, MissingFileMeansFreshStart) {
  auto loaded = load_dht_state(dir_);
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(DhtStateFiles, CorruptFileIsAnErrorNamingTheFile) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / kDhtStateFile) << "d2:id";
  auto loaded = load_dht_state(dir_);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find(std::string(kDhtStateFile)), std::string::npos);
}

TEST(DhtState, CaptureTakesOnlyGoodNodes) {
  const dht::TimePoint t0 = dht::TimePoint{} + std::chrono::hours(1);
  dht::NodeOptions options;
  options.allow_local = true;
  dht::Node node(options, t0);
  auto& table = node.table(Endpoint::Family::v4);
  const NodeInfo answered{id_with(0x80), *Endpoint::parse("198.51.100.1:6881")};
  const NodeInfo only_queried{id_with(0x40), *Endpoint::parse("198.51.100.2:6881")};
  table.node_responded(answered, t0);
  table.node_queried(only_queried, t0);  // unconfirmed: waits in the cache
  const DhtState s = capture_dht_state(node, t0);
  EXPECT_EQ(s.id, node.id());
  ASSERT_EQ(s.nodes.size(), 1u);
  EXPECT_EQ(s.nodes[0], answered);
  // Long silent nodes are no longer good (BEP 5: 15 minutes).
  EXPECT_TRUE(capture_dht_state(node, t0 + std::chrono::hours(1)).nodes.empty());
}

}  // namespace
}  // namespace btnode::node
