#include "node/tracker_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "core/percent.h"
#include "node/http_fetcher.h"
#include "tracker/http_codec.h"

namespace btnode::node {
namespace {

using namespace std::chrono_literals;

std::string get(asio::io_context& io, HttpFetcher& http, const std::string& url,
                const std::string& local = {}) {
  std::optional<HttpResult> out;
  HttpRequest req{url};
  req.interface = local;
  http.get(req, [&](HttpResult r) { out = std::move(r); });
  auto end = std::chrono::steady_clock::now() + 5s;
  while (!out && std::chrono::steady_clock::now() < end) io.run_one_for(50ms);
  return out ? out->body : "";
}

std::string announce_query(char peer, std::uint16_t port, std::uint64_t left, bool compact) {
  tracker::AnnounceRequest q;
  q.info_hash.fill(0x11);
  q.peer_id = *PeerId::from_bytes(std::string(20, peer));
  q.port = port;
  q.left = left;
  q.compact = compact;
  return *tracker::announce_url("http://x/announce", q);
}

TEST(TrackerServer, HttpCompactDictionaryAndIpv6Peers) {
  asio::io_context io;
  TrackerServerOptions so;
  so.bind = {*Endpoint::from_address("127.0.2.70", 0), *Endpoint::from_address("::1", 0)};
  TrackerServer server(io, so);
  ASSERT_TRUE(server.start());
  HttpFetcher http(io);
  auto v4 = "http://127.0.2.70:" + std::to_string(server.port()) + "/announce";
  auto v6 = "http://[::1]:" + std::to_string(server.port()) + "/announce";
  auto query = [](const std::string& url) { return url.substr(url.find('?')); };

  get(io, http, v4 + query(announce_query('a', 1000, 0, true)), "127.0.2.71");
  get(io, http, v6 + query(announce_query('b', 2000, 0, true)));
  // A leech over IPv4 asking for the dictionary model gets both seeds.
  auto body = get(io, http, v4 + query(announce_query('c', 3000, 5, false)), "127.0.2.72");
  auto r = tracker::decode_announce_response(body);
  ASSERT_TRUE(r) << body;
  EXPECT_NE(body.find("2:ip"), std::string::npos);
  std::vector<std::string> peers;
  for (const auto& p : r->peers) peers.push_back(p.to_string());
  std::sort(peers.begin(), peers.end());
  EXPECT_EQ(peers, (std::vector<std::string>{"127.0.2.71:1000", "[::1]:2000"}));
  EXPECT_EQ(r->complete, 2u);
  EXPECT_EQ(r->external_ip, Endpoint::from_address("127.0.2.72", 0));
  // Compact: the IPv6 seed arrives in peers6.
  body = get(io, http, v4 + query(announce_query('c', 3000, 5, true)), "127.0.2.72");
  EXPECT_NE(body.find("6:peers618:"), std::string::npos);
  auto stats = server.stats();
  EXPECT_EQ(stats.http_announces, 4u);
  EXPECT_EQ(stats.peers, 3u);
}

TEST(TrackerServer, BadRequestsGetFailureReasons) {
  asio::io_context io;
  TrackerServerOptions so;
  so.bind = {*Endpoint::from_address("127.0.2.73", 0)};
  TrackerServer server(io, so);
  ASSERT_TRUE(server.start());
  HttpFetcher http(io);
  auto base = "http://127.0.2.73:" + std::to_string(server.port());
  EXPECT_EQ(get(io, http, base + "/announce?info_hash=short"),
            "d14:failure reason17:invalid info_hashe");
  EXPECT_EQ(get(io, http, base + "/scrape?info_hash=%zz"),
            "d14:failure reason31:bad percent-escape in info_hashe");
  EXPECT_EQ(server.stats().errors, 1u);
}

}  // namespace
}  // namespace btnode::node
