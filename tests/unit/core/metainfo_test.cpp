#include "core/metainfo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/bencode.h"
#include "tests/unit/core/test_files.h"

namespace btnode {
namespace {

using bencode::Item;
using testing::data_path;
using ::testing::HasSubstr;

constexpr std::int64_t kPiece = 16384;

std::string fake_hashes(std::int64_t total, std::int64_t piece = kPiece) {
  const std::int64_t n = piece > 0 ? (total + piece - 1) / piece : 1;
  std::string out;
  for (std::int64_t i = 0; i < n; ++i) out += std::string(20, static_cast<char>('a' + i % 26));
  return out;
}

Item::Dict single_info(std::int64_t length = 40000, std::int64_t piece = kPiece) {
  return {{"name", "file.bin"},
          {"length", length},
          {"piece length", piece},
          {"pieces", fake_hashes(length, piece)}};
}

Item file_item(std::int64_t length, Item::List path) {
  return Item::Dict{{"length", length}, {"path", std::move(path)}};
}

Item::Dict multi_info(Item::List files, std::int64_t total) {
  return {{"name", "root"},
          {"files", std::move(files)},
          {"piece length", kPiece},
          {"pieces", fake_hashes(total)}};
}

std::string torrent(Item::Dict info, Item::Dict outer = {}) {
  outer["info"] = std::move(info);
  return bencode::encode(Item(std::move(outer)));
}

std::string error_of(std::string_view bytes, const MetainfoLimits& limits = {}) {
  auto r = parse_metainfo(bytes, limits);
  return r ? std::string("(parsed)") : r.error().message;
}

std::string error_of_info(Item::Dict info) {
  return error_of(torrent(std::move(info)));
}

// The info dict's bytes located independently of our decoder: "4:info" is the
// last key of the outer dict in these tests, so the dict runs to the final 'e'.
std::string info_slice(const std::string& torrent_bytes) {
  const auto start = torrent_bytes.find("4:infod") + 6;
  return torrent_bytes.substr(start, torrent_bytes.size() - 1 - start);
}

TEST(Metainfo, ParsesSingleFile) {
  const std::string bytes = torrent(single_info(), {{"announce", "http://t/a"}});
  auto m = parse_metainfo(bytes);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->name, "file.bin");
  EXPECT_TRUE(m->single_file);
  EXPECT_EQ(m->total_size, 40000);
  EXPECT_EQ(m->piece_length, kPiece);
  ASSERT_EQ(m->piece_count(), 3);
  EXPECT_EQ(m->piece_hashes[1][0], 'b');
  EXPECT_EQ(m->piece_size(0), kPiece);
  EXPECT_EQ(m->piece_size(2), 40000 - 2 * kPiece);
  EXPECT_EQ(m->piece_size(3), 0);
  ASSERT_EQ(m->files.size(), 1u);
  EXPECT_EQ(m->files[0].relative_path, "file.bin");
  EXPECT_EQ(m->files[0].path, std::vector<std::string>{"file.bin"});
  EXPECT_EQ(m->files[0].size, 40000);
  EXPECT_EQ(m->trackers, (std::vector<std::vector<std::string>>{{"http://t/a"}}));
  EXPECT_FALSE(m->is_private);
  EXPECT_FALSE(m->hybrid);
  EXPECT_EQ(m->info_bytes, info_slice(bytes));
  EXPECT_EQ(m->info_hash.v1, sha1(info_slice(bytes)));
  EXPECT_FALSE(m->info_hash.v2);
}

TEST(Metainfo, ParsesMultiFileWithOffsets) {
  Item::List files{file_item(100, {"a.txt"}), file_item(0, {"empty"}),
                   file_item(20000, {"sub", "b.bin"})};
  auto m = parse_metainfo(torrent(multi_info(std::move(files), 20100)));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_FALSE(m->single_file);
  EXPECT_EQ(m->total_size, 20100);
  ASSERT_EQ(m->files.size(), 3u);
  EXPECT_EQ(m->files[0].relative_path, "root/a.txt");
  EXPECT_EQ(m->files[1].offset, 100);
  EXPECT_EQ(m->files[1].size, 0);
  EXPECT_EQ(m->files[2].offset, 100);
  EXPECT_EQ(m->files[2].path, (std::vector<std::string>{"sub", "b.bin"}));
  EXPECT_EQ(m->files[2].relative_path, "root/sub/b.bin");
}

TEST(Metainfo, InfoHashIsOverTheBytesAsReceivedEvenWhenNotCanonical) {
  // Keys out of order: re-encoding would sort them and change the hash.
  const std::string info =
      "d6:lengthi20000e4:name1:x6:pieces40:" + std::string(40, 'p') + "12:piece lengthi16384ee";
  const std::string bytes = "d4:info" + info + "e";
  auto m = parse_metainfo(bytes);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->info_hash.v1, sha1(info));
  EXPECT_EQ(m->info_bytes, info);
}

TEST(Metainfo, MatchesMktorrentAndLibtorrent) {
  auto single = load_torrent_file(data_path("metainfo/single.torrent"));
  ASSERT_TRUE(single) << single.error().message;
  EXPECT_EQ(single->info_hash.v1_hex(), "17ea403418cdfae08c246553f90263e82388408b");
  EXPECT_EQ(single->total_size, 40000);
  EXPECT_EQ(single->piece_length, 32768);
  EXPECT_EQ(single->comment, "fixture");
  EXPECT_EQ(single->web_seeds, std::vector<std::string>{"http://seed.example/files/"});
  EXPECT_EQ(single->trackers, (std::vector<std::vector<std::string>>{
                                  {"http://tracker.example/announce"}, {"udp://t2.example:6969"}}));

  auto multi = load_torrent_file(data_path("metainfo/multi.torrent"));
  ASSERT_TRUE(multi) << multi.error().message;
  EXPECT_EQ(multi->info_hash.v1_hex(), "c9ff48ed2546c6d8480ca9e68f76459e549b2499");
  EXPECT_TRUE(multi->is_private);
  ASSERT_EQ(multi->files.size(), 3u);
  EXPECT_EQ(multi->files[2].relative_path, "multi/sub/b.bin");
  EXPECT_EQ(multi->files[2].offset, 12000);
  EXPECT_EQ(multi->trackers.size(), 1u);
  EXPECT_EQ(multi->trackers[0].size(), 2u);
}

TEST(Metainfo, HybridUsesV1PartAndComputesV2Hash) {
  auto m = load_torrent_file(data_path("metainfo/hybrid.torrent"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->hybrid);
  EXPECT_EQ(m->info_hash.v1_hex(), "488e2ff3dd9ee59b2c779d5be070cd367da7ef6f");
  ASSERT_TRUE(m->info_hash.v2);
  EXPECT_EQ(to_hex({reinterpret_cast<const char*>(m->info_hash.v2->data()), 32}),
            "874657f8bbea9fd93092e97f1ac86bed6dc53b6e29a8e9c5932439adb623f19b");
  EXPECT_EQ(m->total_size, 49152);
  ASSERT_EQ(m->files.size(), 5u);
  EXPECT_TRUE(m->files[1].pad());
  EXPECT_EQ(m->files[1].size, 4384);
  EXPECT_EQ(m->files[3].offset, 16384);
  EXPECT_FALSE(m->files[3].pad());
}

TEST(Metainfo, RejectsV2OnlyClearly) {
  auto m = load_torrent_file(data_path("metainfo/v2only.torrent"));
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message, HasSubstr("v2-only torrents (BEP 52"));
  EXPECT_THAT(m.error().message, HasSubstr("not supported yet"));
  auto info = single_info();
  info["meta version"] = 3;
  EXPECT_EQ(error_of_info(info), "metainfo: unsupported 'meta version' 3");
}

TEST(Metainfo, RejectsMissingAndWrongTypedFields) {
  for (const char* key : {"name", "piece length", "pieces"}) {
    auto info = single_info();
    info.erase(key);
    EXPECT_EQ(error_of_info(info), "metainfo: '" + std::string(key) + "' missing");
  }
  auto info = single_info();
  info["piece length"] = "16384";
  EXPECT_EQ(error_of_info(info), "metainfo: 'piece length' is not an integer");
  info = single_info();
  info["name"] = 5;
  EXPECT_EQ(error_of_info(info), "metainfo: 'name' is not a string");
  info = single_info();
  info.erase("length");
  EXPECT_EQ(error_of_info(info), "metainfo: 'length' and 'files' both missing");
  info = single_info();
  info["files"] = Item::List{file_item(1, {"a"})};
  EXPECT_EQ(error_of_info(info), "metainfo: both 'length' and 'files' present");
  EXPECT_EQ(error_of("d4:infoi3ee"), "metainfo: 'info' is not a dictionary");
  EXPECT_EQ(error_of("d3:fooi3ee"), "metainfo: 'info' missing");
  EXPECT_EQ(error_of("li3ee"), "metainfo: not a dictionary");
  EXPECT_THAT(error_of("d4:info"), HasSubstr("metainfo: bencode:"));
}

TEST(Metainfo, RejectsBadPieceLength) {
  EXPECT_THAT(error_of_info(single_info(40000, 8192)), HasSubstr("'piece length' 8192 is outside"));
  EXPECT_THAT(error_of_info(single_info(40000, 0)), HasSubstr("'piece length' 0 is outside"));
  EXPECT_THAT(error_of_info(single_info(40000, -16384)), HasSubstr("is outside"));
  EXPECT_THAT(error_of_info(single_info(40000, 3 << 14)), HasSubstr("is not a power of two"));
  EXPECT_THAT(error_of_info(single_info(40000, std::int64_t{1} << 28)), HasSubstr("is outside"));
}

TEST(Metainfo, RejectsPiecesCountMismatch) {
  auto info = single_info();
  info["pieces"] = std::string(41, 'x');
  EXPECT_EQ(error_of_info(info), "metainfo: 'pieces' length 41 is not a multiple of 20");
  info["pieces"] = std::string(40, 'x');
  EXPECT_EQ(error_of_info(info),
            "metainfo: 'pieces' has 2 hashes, but 40000 bytes in pieces of 16384 need 3");
  info["pieces"] = std::string(80, 'x');
  EXPECT_THAT(error_of_info(info), HasSubstr("has 4 hashes"));
}

TEST(Metainfo, RejectsNegativeAndOverflowingSizes) {
  auto info = single_info();
  info["length"] = -1;
  EXPECT_EQ(error_of_info(info), "metainfo: 'length' -1 is negative");
  const std::int64_t huge = std::int64_t{1} << 62;
  Item::List files{file_item(huge, {"a"}), file_item(huge, {"b"}), file_item(huge, {"c"})};
  EXPECT_THAT(error_of_info(multi_info(std::move(files), 1)), HasSubstr("total size exceeds"));
  MetainfoLimits small;
  small.max_total_size = 30000;
  EXPECT_THAT(error_of(torrent(single_info()), small), HasSubstr("total size exceeds 30000"));
  EXPECT_EQ(error_of_info(single_info(0)), "metainfo: the torrent has no data (total size 0)");
}

TEST(Metainfo, RejectsPathsThatEscapeTheDownloadDirectory) {
  auto bad_path = [](Item::List path) {
    Item::List files{file_item(1, {"ok"}), file_item(1, {"fine"}), file_item(1, {"x"}),
                     file_item(1, std::move(path))};
    return error_of_info(multi_info(std::move(files), 4));
  };
  EXPECT_EQ(bad_path({"..", "etc", "passwd"}),
            "metainfo: file 3 path component '..' would escape the download directory");
  EXPECT_THAT(bad_path({"a", "."}), HasSubstr("file 3 path component '.'"));
  EXPECT_THAT(bad_path({"/etc/passwd"}),
              HasSubstr("file 3 path component '/etc/passwd' contains '/'"));
  EXPECT_THAT(bad_path({"a", "", "b"}), HasSubstr("file 3 empty path component"));
  EXPECT_THAT(bad_path({"..\\..\\x"}), HasSubstr("contains '\\'"));
  EXPECT_THAT(bad_path({std::string("a\0b", 3)}), HasSubstr("NUL"));
  EXPECT_THAT(bad_path({}), HasSubstr("file 3 'path' is empty"));
  EXPECT_THAT(bad_path({"a", 5}), HasSubstr("file 3 'path' has a non-string element"));
}

TEST(Metainfo, RejectsDangerousTorrentName) {
  for (const char* name : {"..", ".", "", "/abs", "a/b"}) {
    auto info = single_info();
    info["name"] = name;
    EXPECT_THAT(error_of_info(info), HasSubstr("metainfo: name: ")) << name;
  }
}

TEST(Metainfo, PrefersUtf8Variants) {
  auto info = single_info();
  info["name.utf-8"] = "caf\xc3\xa9.bin";
  auto m = parse_metainfo(torrent(info));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->name, "caf\xc3\xa9.bin");
  info["name.utf-8"] = "..";  // the preferred variant is sanitised too
  EXPECT_THAT(error_of_info(info), HasSubstr("name: "));
}

TEST(Metainfo, RejectsDuplicateAndConflictingPaths) {
  Item::List dup{file_item(1, {"a"}), file_item(1, {"a"})};
  EXPECT_EQ(error_of_info(multi_info(std::move(dup), 2)),
            "metainfo: file 1 path 'root/a' is used twice");
  Item::List file_then_dir{file_item(1, {"a"}), file_item(1, {"a", "b"})};
  EXPECT_THAT(error_of_info(multi_info(std::move(file_then_dir), 2)),
              HasSubstr("needs 'root/a' to be a directory, but it is a file"));
  Item::List dir_then_file{file_item(1, {"a", "b"}), file_item(1, {"a"})};
  EXPECT_THAT(error_of_info(multi_info(std::move(dir_then_file), 2)), HasSubstr("used twice"));
}

TEST(Metainfo, PadFilesAndAttributes) {
  Item::List files{
      file_item(100, {"a"}),
      Item::Dict{{"length", kPiece - 100}, {"attr", "p"}},  // no path: BEP 47
      Item::Dict{{"length", 10}, {"attr", "xh"}, {"path", Item::List{"b"}}},
      Item::Dict{{"length", 5}, {"attr", "p"}, {"path", Item::List{".pad", "5"}}},
      Item::Dict{{"length", 5}, {"attr", "p"}, {"path", Item::List{".pad", "5"}}},
      Item::Dict{{"attr", "l"}, {"path", Item::List{"link"}}, {"symlink path", Item::List{"b"}}}};
  auto m = parse_metainfo(torrent(multi_info(std::move(files), kPiece + 20)));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->files[1].pad());
  EXPECT_EQ(m->files[1].relative_path, "root/.pad/16284");
  EXPECT_EQ(m->files[2].offset, kPiece);
  EXPECT_TRUE(m->files[2].executable());
  EXPECT_TRUE(m->files[2].hidden());
  EXPECT_FALSE(m->files[2].pad());
  EXPECT_TRUE(m->files[5].symlink());
  EXPECT_EQ(m->files[5].size, 0);
  EXPECT_EQ(m->files[5].symlink_path, std::vector<std::string>{"b"});
}

TEST(Metainfo, RejectsBadSymlinks) {
  auto with_link = [](Item::Dict link) {
    Item::List files{file_item(10, {"a"}), std::move(link)};
    return error_of_info(multi_info(std::move(files), 10));
  };
  EXPECT_EQ(with_link({{"attr", "l"}, {"path", Item::List{"l"}}}),
            "metainfo: file 1 is a symlink without 'symlink path'");
  EXPECT_THAT(
      with_link(
          {{"attr", "l"}, {"path", Item::List{"l"}}, {"symlink path", Item::List{"..", "x"}}}),
      HasSubstr("file 1 symlink target: path component '..'"));
  EXPECT_THAT(with_link({{"attr", "l"},
                         {"length", 3},
                         {"path", Item::List{"l"}},
                         {"symlink path", Item::List{"a"}}}),
              HasSubstr("symlink with a nonzero 'length'"));
}

TEST(Metainfo, EnforcesFileAndSizeLimits) {
  Item::List files{file_item(1, {"a"}), file_item(1, {"b"}), file_item(1, {"c"})};
  MetainfoLimits limits;
  limits.max_files = 2;
  EXPECT_EQ(error_of(torrent(multi_info(files, 3)), limits),
            "metainfo: 'files' has 3 entries, more than 2");
  limits = {};
  limits.max_torrent_bytes = 100;
  EXPECT_THAT(error_of(torrent(multi_info(files, 3)), limits), HasSubstr("more than 100"));
  EXPECT_EQ(error_of_info(multi_info({}, 0)), "metainfo: 'files' is empty");
  EXPECT_EQ(error_of_info(multi_info({Item(5)}, 0)), "metainfo: file 0 is not a dictionary");
}

TEST(Metainfo, TrackerTiersWebSeedsNodesAndAdvisoryFields) {
  Item::Dict outer{
      {"announce", "http://ignored/a"},
      {"announce-list", Item::List{Item::List{"http://a/1", "", 7, "udp://a/2"}, Item::List{},
                                   "not-a-list", Item::List{"http://b/1"}}},
      {"url-list", "http://seed/"},
      {"nodes",
       Item::List{Item::List{"router.example", 6881}, Item::List{"bad", 70000}, Item::List{"x"}}},
      {"comment", "hi"},
      {"created by", "test"},
      {"creation date", 1700000000}};
  auto m = parse_metainfo(torrent(single_info(), outer));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->trackers,
            (std::vector<std::vector<std::string>>{{"http://a/1", "udp://a/2"}, {"http://b/1"}}));
  EXPECT_EQ(m->web_seeds, std::vector<std::string>{"http://seed/"});
  ASSERT_EQ(m->dht_nodes.size(), 1u);
  EXPECT_EQ(m->dht_nodes[0].host, "router.example");
  EXPECT_EQ(m->dht_nodes[0].port, 6881);
  EXPECT_EQ(m->comment, "hi");
  EXPECT_EQ(m->created_by, "test");
  EXPECT_EQ(m->creation_date, 1700000000);

  outer["announce-list"] = Item::List{Item::List{}};  // unusable: fall back to announce
  outer["url-list"] = Item::List{"http://s1/", 3, "http://s2/"};
  outer["comment"] = 12;  // wrong type outside `info`: ignored, not fatal
  m = parse_metainfo(torrent(single_info(), outer));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->trackers, (std::vector<std::vector<std::string>>{{"http://ignored/a"}}));
  EXPECT_EQ(m->web_seeds, (std::vector<std::string>{"http://s1/", "http://s2/"}));
  EXPECT_EQ(m->comment, "");
}

TEST(Metainfo, PrivateOnlyWhenOne) {
  auto info = single_info();
  info["private"] = 1;
  EXPECT_TRUE(parse_metainfo(torrent(info))->is_private);
  info["private"] = 0;
  EXPECT_FALSE(parse_metainfo(torrent(info))->is_private);
}

TEST(Metainfo, ParseInfoDictForMagnetMetadata) {
  const std::string bytes = torrent(single_info());
  const std::string info = info_slice(bytes);
  auto m = parse_info_dict(info);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->info_hash, parse_metainfo(bytes)->info_hash);
  EXPECT_TRUE(m->trackers.empty());
  EXPECT_FALSE(parse_info_dict(info + "x"));  // must be exactly the hashed bytes
  EXPECT_TRUE(parse_metainfo(bytes + "\n"));  // a .torrent may carry a trailing newline
}

TEST(Metainfo, LoadReportsMissingFile) {
  auto m = load_torrent_file("/nonexistent/x.torrent");
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message, HasSubstr("metainfo: cannot read '/nonexistent/x.torrent'"));
}

}  // namespace
}  // namespace btnode
